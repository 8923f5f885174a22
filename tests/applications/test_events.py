"""Listeners in the transaction roll back with it; after-commit listeners run once, on commit only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction

from accounts.models import User
from applications import events, selectors
from applications.events import TimelineEntry, TransitionEvent
from applications.models import Application, StatusChange
from applications.services import application_transition
from audit.models import AuditEvent
from offices.models import Office
from tests.applications.conftest import ServiceUnderTest, act, make_application

pytestmark = pytest.mark.django_db


Listen = Callable[[str, Any, Any], None]


@pytest.fixture
def listen() -> Iterator[Listen]:
    """``events.listen`` that forgets the listener after the test."""
    registered: list[tuple[str, Any]] = []

    def register(action: str, handler: Any, phase: Any) -> None:
        events.listen(action, handler, phase=phase)
        registered.append((action, handler))

    yield register
    for action, handler in registered:
        events.unlisten(action, handler)


def test_an_in_transaction_listener_rolls_back_with_the_transition(
    service: ServiceUnderTest, citizen: User, samsat: Office, listen: Listen
) -> None:
    seen: list[TransitionEvent] = []

    def bill_cannot_be_issued(event: TransitionEvent) -> None:
        seen.append(event)
        assert StatusChange.objects.filter(application=event.application).count() == 1
        raise RuntimeError("gateway down")

    listen("submit", bill_cannot_be_issued, "in_transaction")
    application = make_application(citizen)
    with pytest.raises(RuntimeError, match="gateway down"):
        act(application, "submit", citizen, office=samsat)
    assert seen[0].from_status == "draft"
    assert seen[0].to_status == "pending_payment"
    assert seen[0].actor_role == "citizen"
    application.refresh_from_db()
    assert (application.status, application.version) == ("draft", 1)
    assert not StatusChange.objects.filter(application=application).exists()
    assert not AuditEvent.objects.filter(action="application.submit").exists()


def test_an_after_commit_listener_runs_once_after_commit(
    service: ServiceUnderTest,
    citizen: User,
    samsat: Office,
    listen: Listen,
    django_capture_on_commit_callbacks: Any,
) -> None:
    received: list[int] = []
    listen("submit", received.append, "after_commit")
    application = make_application(citizen)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        application_transition(application_id=application.pk, action="submit", actor=citizen, office=samsat)
        assert received == []  # not before the commit
    # Other apps queue their own work on commit too (the proof's rendering, the messages' sends).
    ours = [c for c in callbacks if "after-commit listener" in getattr(c, "__qualname__", "")]
    assert len(ours) == 1
    assert received == [application.pk]  # once


def test_an_after_commit_listener_does_not_run_on_rollback(
    service: ServiceUnderTest,
    citizen: User,
    samsat: Office,
    listen: Listen,
    django_capture_on_commit_callbacks: Any,
) -> None:
    received: list[int] = []
    listen("submit", received.append, "after_commit")
    application = make_application(citizen)

    class CallerFailed(Exception):
        pass

    def submit_then_fail() -> None:
        with transaction.atomic():
            application_transition(
                application_id=application.pk, action="submit", actor=citizen, office=samsat
            )
            raise CallerFailed

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(CallerFailed):
        submit_then_fail()
    assert callbacks == []
    assert received == []
    application.refresh_from_db()
    assert application.status == "draft"


def test_a_listener_is_registered_once(listen: Listen) -> None:
    def handler(application_id: int) -> None:
        pass

    listen("issue", handler, "after_commit")
    with pytest.raises(ValueError, match="already listens"):
        events.listen("issue", handler, phase="after_commit")


def test_the_timeline_merges_history_with_other_apps(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    application = act(make_application(citizen), "submit", citizen, office=samsat)

    def payments_timeline(app: Application) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                occurred_at=app.submitted_at + dt.timedelta(minutes=5), label="Bill issued", source="payments"
            )
        ]  # type: ignore[operator]

    events.register_timeline_provider(payments_timeline)
    try:
        timeline = selectors.application_timeline(application=application)
    finally:
        events.unregister_hook(payments_timeline)
    assert [(entry.source, str(entry.label)) for entry in timeline] == [
        ("applications", "Awaiting payment"),
        ("payments", "Bill issued"),
    ]
