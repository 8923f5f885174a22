"""The lifecycle's time limits, run by beat (issue 4 point 10): unpaid applications expire
after their service's payment window, revision requests lapse after 14 days unanswered.
Both go through the transition service, one application per transaction, and are idempotent."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction

from accounts.models import User
from applications import guards, registry
from applications.guards import REVISION_DEADLINE
from applications.jobs import applications_expire_unpaid, applications_lapse_revisions
from applications.models import Application, StatusChange
from applications.services import application_create
from applications.tasks import expire_unpaid_applications, lapse_unanswered_revisions
from audit.models import AuditEvent
from offices.models import Office
from tests.applications.conftest import ServiceUnderTest, act, make_application, to_status

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
WINDOW = dt.timedelta(days=7)  # the test service's payment_window_days (the default)


@pytest.fixture
def clock_at() -> Iterator[Any]:
    """``clock_at(moment)`` moves the (frozen) clock to ``moment``."""
    with time_machine.travel(START, tick=False) as traveller:
        yield lambda moment: traveller.move_to(moment)


def _submitted(citizen: User, samsat: Office, subject: str = "B 1234 ABC") -> Application:
    return act(make_application(citizen, subject), "submit", citizen, office=samsat)


def _revision_requested(citizen: User, officer: User, samsat: Office, subject: str) -> Application:
    application = to_status(
        make_application(citizen, subject), "in_review", citizen=citizen, officer=officer, office=samsat
    )
    return act(
        application, "request_revision", officer, note="Is the colour right?", flagged_fields=["colour"]
    )


def _status(application: Application) -> str:
    return Application.objects.get(pk=application.pk).status


def _steps(application: Application, action: str) -> int:
    return StatusChange.objects.filter(application=application, action=action).count()


def _audited(application: Application, action: str) -> int:
    return AuditEvent.objects.filter(
        object_id=str(application.public_id), action=f"application.{action}"
    ).count()


# --- expiry -------------------------------------------------------------------------------


def test_the_test_service_keeps_the_default_window(service: ServiceUnderTest) -> None:
    assert service.definition.payment_window_days == WINDOW.days


def test_an_application_past_its_window_expires_one_inside_stays(
    service: ServiceUnderTest, samsat: Office, citizen: User, clock_at: Any
) -> None:
    late = _submitted(citizen, samsat, "B 1 AA")
    clock_at(START + dt.timedelta(days=3))
    recent = _submitted(citizen, samsat, "B 2 AA")
    draft = make_application(citizen, "B 3 AA")

    clock_at(START + WINDOW + dt.timedelta(minutes=1))
    assert applications_expire_unpaid() == 1

    assert _status(late) == "expired"
    assert _status(recent) == "pending_payment"
    assert _status(draft) == "draft"
    change = StatusChange.objects.get(application=late, action="expire")
    assert (change.from_status, change.to_status, change.actor_id, change.actor_role) == (
        "pending_payment",
        "expired",
        None,
        "system",
    )
    assert _audited(late, "expire") == 1


def test_the_window_ends_exactly_at_its_length(
    service: ServiceUnderTest, samsat: Office, citizen: User, clock_at: Any
) -> None:
    application = _submitted(citizen, samsat)

    clock_at(START + WINDOW - dt.timedelta(seconds=1))
    assert applications_expire_unpaid() == 0
    clock_at(START + WINDOW)
    assert applications_expire_unpaid() == 1
    assert _status(application) == "expired"


def test_each_service_has_its_own_window(
    service: ServiceUnderTest, samsat: Office, citizen: User, clock_at: Any
) -> None:
    long_window = dataclasses.replace(
        service.definition, code="test_permit_long", reference_prefix="TSL", payment_window_days=30
    )
    registry.register_service(long_window)
    try:
        short = _submitted(citizen, samsat)
        long = act(
            application_create(applicant=citizen, service_code="test_permit_long", subject="B 9 ZZ"),
            "submit",
            citizen,
            office=samsat,
        )

        clock_at(START + dt.timedelta(days=10))
        assert applications_expire_unpaid() == 1
        assert (_status(short), _status(long)) == ("expired", "pending_payment")

        clock_at(START + dt.timedelta(days=30, minutes=1))
        assert applications_expire_unpaid() == 1
        assert _status(long) == "expired"
    finally:
        registry.unregister_service("test_permit_long")


def test_expiry_twice_changes_nothing_more(
    service: ServiceUnderTest, samsat: Office, citizen: User, clock_at: Any
) -> None:
    first = _submitted(citizen, samsat, "B 1 AA")
    second = _submitted(citizen, samsat, "B 2 AA")
    clock_at(START + WINDOW + dt.timedelta(days=1))

    assert applications_expire_unpaid() == 2
    assert applications_expire_unpaid() == 0

    for application in (first, second):
        assert _status(application) == "expired"
        assert _steps(application, "expire") == 1
        assert _audited(application, "expire") == 1


def test_paid_and_other_statuses_are_not_candidates(
    service: ServiceUnderTest, samsat: Office, citizen: User, officer: User, clock_at: Any
) -> None:
    paid = to_status(make_application(citizen), "queued", citizen=citizen, officer=officer, office=samsat)
    clock_at(START + dt.timedelta(days=60))

    assert applications_expire_unpaid() == 0
    assert _status(paid) == "queued"


def test_the_task_runs_the_job(
    service: ServiceUnderTest, samsat: Office, citizen: User, clock_at: Any
) -> None:
    application = _submitted(citizen, samsat)
    clock_at(START + WINDOW + dt.timedelta(hours=1))

    assert expire_unpaid_applications.name == "applications.tasks.expire_unpaid_applications"
    assert expire_unpaid_applications.apply().get() == 1
    assert _status(application) == "expired"


# --- lapsing revision requests ------------------------------------------------------------


def test_an_old_revision_request_lapses_a_younger_one_stays(
    service: ServiceUnderTest, samsat: Office, citizen: User, officer: User, clock_at: Any
) -> None:
    old = _revision_requested(citizen, officer, samsat, "B 1 AA")
    clock_at(START + dt.timedelta(days=5))
    young = _revision_requested(citizen, officer, samsat, "B 2 AA")

    clock_at(START + REVISION_DEADLINE + dt.timedelta(minutes=1))
    assert applications_lapse_revisions() == 1

    assert _status(old) == "rejected"
    assert Application.objects.get(pk=old.pk).decided_at == START + REVISION_DEADLINE + dt.timedelta(
        minutes=1
    )
    assert _status(young) == "revision_requested"
    change = StatusChange.objects.get(application=old, action="lapse_revision")
    assert (change.from_status, change.to_status, change.actor_role) == (
        "revision_requested",
        "rejected",
        "system",
    )
    assert _audited(old, "lapse_revision") == 1


def test_the_deadline_counts_from_the_latest_request(
    service: ServiceUnderTest, samsat: Office, citizen: User, officer: User, clock_at: Any
) -> None:
    application = _revision_requested(citizen, officer, samsat, "B 1 AA")
    clock_at(START + dt.timedelta(days=3))
    application = act(application, "resubmit", citizen, note="It is red, as on the STNK.")
    application = act(application, "claim", officer)
    clock_at(START + dt.timedelta(days=10))
    act(application, "request_revision", officer, note="Still unsure", flagged_fields=["colour"])

    clock_at(START + dt.timedelta(days=20))
    assert applications_lapse_revisions() == 0
    assert _status(application) == "revision_requested"

    clock_at(START + dt.timedelta(days=24, minutes=1))
    assert applications_lapse_revisions() == 1
    assert _status(application) == "rejected"


def test_lapsing_twice_changes_nothing_more(
    service: ServiceUnderTest, samsat: Office, citizen: User, officer: User, clock_at: Any
) -> None:
    first = _revision_requested(citizen, officer, samsat, "B 1 AA")
    second = _revision_requested(citizen, officer, samsat, "B 2 AA")
    clock_at(START + dt.timedelta(days=30))

    assert applications_lapse_revisions() == 2
    assert applications_lapse_revisions() == 0

    for application in (first, second):
        assert _status(application) == "rejected"
        assert _steps(application, "lapse_revision") == 1
        assert _audited(application, "lapse_revision") == 1


def test_a_refusing_guard_is_skipped_and_the_others_still_lapse(
    service: ServiceUnderTest, samsat: Office, citizen: User, officer: User, clock_at: Any
) -> None:
    applications = [_revision_requested(citizen, officer, samsat, f"B {n} AA") for n in (1, 2)]
    clock_at(START + dt.timedelta(days=30))
    held_back = applications[0].pk

    def refuse_the_first(context: guards.GuardContext) -> list[str]:
        return ["Not yet."] if context.application.pk == held_back else []

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(guards.BUILTIN, "revision_deadline_passed", refuse_the_first)
        assert applications_lapse_revisions() == 1
    assert [_status(a) for a in applications] == ["revision_requested", "rejected"]

    assert applications_lapse_revisions() == 1


def test_the_lapse_task_runs_the_job(
    service: ServiceUnderTest, samsat: Office, citizen: User, officer: User, clock_at: Any
) -> None:
    application = _revision_requested(citizen, officer, samsat, "B 1 AA")
    clock_at(START + dt.timedelta(days=15))

    assert lapse_unanswered_revisions.name == "applications.tasks.lapse_unanswered_revisions"
    assert lapse_unanswered_revisions.apply().get() == 1
    assert _status(application) == "rejected"


# --- another transaction holds the row ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_held_application_is_skipped_not_waited_for(
    service: ServiceUnderTest, samsat: Office, citizen: User, clock_at: Any
) -> None:
    held = _submitted(citizen, samsat, "B 1 AA")
    free = _submitted(citizen, samsat, "B 2 AA")
    clock_at(START + WINDOW + dt.timedelta(days=1))
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                Application.objects.select_for_update().get(pk=held.pk)
                locked.set()
                assert release.wait(10)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # a wait for the lock fails the test, not hangs it
        assert applications_expire_unpaid() == 1
        assert (_status(held), _status(free)) == ("pending_payment", "expired")
    finally:
        release.set()
        thread.join(10)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert not errors

    assert applications_expire_unpaid() == 1
    assert _status(held) == "expired"
    assert applications_expire_unpaid() == 0


def test_every_lifecycle_job_is_scheduled_by_beat() -> None:
    from django.conf import settings

    from korlantas.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "applications.tasks.expire_unpaid_applications",
        "applications.tasks.lapse_unanswered_revisions",
        "applications.tasks.lapse_unbooked_appointments",
    ):
        assert name in scheduled
        assert name in app.tasks
