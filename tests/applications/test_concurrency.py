"""Two officers deciding the same application at once, on the real PostgreSQL (SECURITY §1.5 2.3.4).

Deterministic: the first decision holds the row lock (its transaction stays open) until the
second is seen waiting for that lock in ``pg_locks``; only then does the first commit.
``lock_timeout`` bounds every wait, so a broken lock makes the test fail, not hang.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction

from accounts import roles
from accounts.models import User
from applications.models import Application, StatusChange
from applications.services import TransitionRefused, application_transition
from audit.models import AuditEvent
from offices.models import Office
from tests.accounts.factories import make_staff
from tests.applications.conftest import ServiceUnderTest, make_application, to_status
from tests.factories import UserFactory
from tests.utils import in_thread, wait_for_a_lock_wait

pytestmark = pytest.mark.django_db(transaction=True)


def _in_review(service: ServiceUnderTest, samsat: Office) -> tuple[Application, User, User]:
    citizen = UserFactory()
    officer = make_staff(roles.OFFICER, office=samsat)
    application = to_status(
        make_application(citizen), "in_review", citizen=citizen, officer=officer, office=samsat
    )
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    return application, officer, supervisor


def test_two_decisions_at_once_exactly_one_wins(service: ServiceUnderTest, samsat: Office) -> None:
    application, officer, supervisor = _in_review(service, samsat)
    version = application.version
    audit_before = AuditEvent.objects.filter(object_id=str(application.public_id)).count()
    approved = threading.Event()
    may_commit = threading.Event()
    results: dict[str, Any] = {}

    def approve() -> str:
        with transaction.atomic():
            application_transition(application_id=application.pk, action="approve", actor=officer)
            approved.set()
            assert may_commit.wait(10)
        return "approved"

    def reject() -> str:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '10s'")
            application_transition(
                application_id=application.pk,
                action="reject",
                actor=supervisor,
                note="No.",
                reason="documents_invalid",
            )
        return "rejected"

    first = in_thread(approve, results, "approve")
    assert approved.wait(10)
    second = in_thread(reject, results, "reject")
    wait_for_a_lock_wait("the second decision")
    may_commit.set()
    first.join(15)
    second.join(15)

    assert results["approve"] == "approved"
    assert isinstance(results["reject"], TransitionRefused)
    assert results["reject"].code == "wrong_state"
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.version == version + 1
    decisions = StatusChange.objects.filter(application=application, action__in=["approve", "reject"])
    assert list(decisions.values_list("action", flat=True)) == ["approve"]
    # One decision in the audit trail too (SECURITY.md §8 item 6): the loser's refusal writes none.
    audited = AuditEvent.objects.filter(object_id=str(application.public_id))
    assert list(
        audited.filter(action__in=["application.approve", "application.reject"]).values_list(
            "action", "actor_id"
        )
    ) == [("application.approve", officer.pk)]
    assert audited.count() == audit_before + 1


def test_a_held_lock_makes_a_waiting_transition_time_out(service: ServiceUnderTest, samsat: Office) -> None:
    application, officer, _supervisor = _in_review(service, samsat)
    locked = threading.Event()
    release = threading.Event()
    results: dict[str, Any] = {}

    def hold_the_row() -> None:
        with transaction.atomic():
            Application.objects.select_for_update().get(pk=application.pk)
            locked.set()
            release.wait(10)

    holder = in_thread(hold_the_row, results, "holder")
    assert locked.wait(10)

    def approve_within_200ms() -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            application_transition(application_id=application.pk, action="approve", actor=officer)

    try:
        with pytest.raises(OperationalError, match="lock timeout"):
            approve_within_200ms()
    finally:
        release.set()
        holder.join(15)
    application.refresh_from_db()
    assert application.status == "in_review"
    assert not StatusChange.objects.filter(application=application, action="approve").exists()
