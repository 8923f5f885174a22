"""The trail is append-only in PostgreSQL itself (SECURITY.md §5.4, migration audit 0002).

Raw SQL goes past the model's own refusals; the triggers still refuse UPDATE and DELETE,
for every role (these tests run as the database superuser). Only a transaction that has
switched on ``korlantas.audit_retention`` (the retention job) may delete; nobody may update.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.services import audit_record
from tests.audit.helpers import field_values, stored_row_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    return audit_record(
        action="application.submit",
        actor_id=7,
        object_type="applications.application",
        object_id="41",
        details={"from_status": "draft"},
        office_id=3,
    )


def _execute(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _in_savepoint(*statements: str | tuple[str, list[Any]]) -> None:
    """Run ``statements`` (SQL, or SQL and its parameters) in a savepoint, so the test's
    transaction survives a refusal."""
    with transaction.atomic():
        for statement in statements:
            sql, params = (statement, None) if isinstance(statement, str) else statement
            _execute(sql, params)


def _refused(sql: str, params: list[Any] | None = None) -> DatabaseError:
    with pytest.raises(DatabaseError, match="append-only") as raised:
        _in_savepoint((sql, params) if params is not None else sql)
    return raised.value


def _assert_unchanged(event: AuditEvent, before: dict[str, object], row_before: str) -> None:
    assert AuditEvent.objects.count() == 1
    assert field_values(AuditEvent.objects.get(pk=event.pk)) == before
    assert stored_row_text(event) == row_before


def test_raw_update_is_refused(event: AuditEvent) -> None:
    before, row_before = field_values(event), stored_row_text(event)

    error = _refused("UPDATE audit_auditevent SET action = 'x'")

    assert getattr(error.__cause__, "pgcode", None) == "42501"  # insufficient_privilege
    _assert_unchanged(event, before, row_before)


def test_raw_update_of_one_row_and_one_column_is_refused(event: AuditEvent) -> None:
    before, row_before = field_values(event), stored_row_text(event)

    _refused("UPDATE audit_auditevent SET actor_id = NULL WHERE id = %s", [event.pk])

    _assert_unchanged(event, before, row_before)


def test_raw_delete_is_refused(event: AuditEvent) -> None:
    before, row_before = field_values(event), stored_row_text(event)

    _refused("DELETE FROM audit_auditevent")
    _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])

    _assert_unchanged(event, before, row_before)


def test_the_retention_setting_off_or_other_values_do_not_allow_delete(event: AuditEvent) -> None:
    before, row_before = field_values(event), stored_row_text(event)

    for value in ("off", "true", "ON "):
        with pytest.raises(DatabaseError, match="append-only"):
            _in_savepoint(
                ("SELECT set_config('korlantas.audit_retention', %s, true)", [value]),
                "DELETE FROM audit_auditevent",
            )

    _assert_unchanged(event, before, row_before)


def _set_retention_then_fail() -> None:
    with transaction.atomic():
        _execute("SET LOCAL korlantas.audit_retention = 'on'")
        raise RuntimeError


def test_a_rolled_back_savepoint_takes_the_retention_setting_with_it(event: AuditEvent) -> None:
    with pytest.raises(RuntimeError):
        _set_retention_then_fail()

    _refused("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_retention_job_may_delete(event: AuditEvent) -> None:
    with transaction.atomic():
        _execute("SET LOCAL korlantas.audit_retention = 'on'")
        deleted = _execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])

    assert deleted == 1
    assert not AuditEvent.objects.filter(pk=event.pk).exists()


def test_update_is_refused_even_for_the_retention_job(event: AuditEvent) -> None:
    before, row_before = field_values(event), stored_row_text(event)

    with pytest.raises(DatabaseError, match="append-only"):
        _in_savepoint(
            "SET LOCAL korlantas.audit_retention = 'on'", "UPDATE audit_auditevent SET action = 'x'"
        )

    _assert_unchanged(event, before, row_before)


@pytest.mark.django_db(transaction=True)
def test_the_retention_setting_ends_with_its_transaction(event: AuditEvent) -> None:
    with transaction.atomic(durable=True):
        _execute("SET LOCAL korlantas.audit_retention = 'on'")

    _refused("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_inserts_still_work(event: AuditEvent) -> None:
    audit_record(action="auth.login", actor_id=8)

    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_triggers_hold_outside_a_test_transaction(event: AuditEvent) -> None:
    before = field_values(event)

    with pytest.raises(DatabaseError, match="append-only"):
        _execute("UPDATE audit_auditevent SET action = 'x'")
    with pytest.raises(DatabaseError, match="append-only"):
        _execute("DELETE FROM audit_auditevent")

    assert field_values(AuditEvent.objects.get(pk=event.pk)) == before
