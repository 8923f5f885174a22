"""The outbox (issue 5, point 5): a row per channel written in the caller's transaction, sent
after commit in the recipient's language, retried and finally failed with its error, sent at
most once, and re-enqueued exactly once by the relay when a broker message is lost."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
from collections.abc import Iterator
from typing import Any, ClassVar
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from accounts.models import User
from applications.models import Application
from korlantas.lib import sms
from notifications import services, tasks
from notifications.models import Message
from notifications.services import InvalidContext, notify
from tests.accounts.factories import make_profile
from tests.applications.conftest import ServiceUnderTest, make_application
from tests.factories import UserFactory
from tests.utils import in_thread

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 28, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def application(service: ServiceUnderTest, citizen: User) -> Application:
    return make_application(citizen)


def queue_submitted(citizen: User, application: Application, **kwargs: Any) -> list[Message]:
    return notify(
        recipient=citizen,
        template_key="application_submitted",
        context_ids={"application_id": application.pk},
        **kwargs,
    )


def sent_in_transaction(capture: Any, citizen: User, application: Application) -> list[Message]:
    """notify() in a transaction that commits: its tasks run (eagerly) on commit."""
    with capture(execute=True), transaction.atomic():
        rows = queue_submitted(citizen, application)
    return rows


@pytest.fixture
def retries_run_at_once() -> Iterator[None]:
    """Eager tasks normally raise Celery's Retry to the caller; here the retries run in
    turn, at once (an eager retry has no delay), as a worker would run them after their backoff."""
    conf = tasks.send_message.app.conf
    before = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = before


class FailingBackend(BaseEmailBackend):
    """Refuses every message, quoting the address as real servers do."""

    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPRecipientsRefused({email_messages[0].to[0]: (550, b"no such user")})


class FlakyBackend(BaseEmailBackend):
    """Fails the first ``failures`` sends, then delivers to Django's locmem outbox."""

    failures: ClassVar[int] = 0

    def send_messages(self, email_messages: Any) -> int:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("connection lost")
        mail.outbox.extend(email_messages)
        return len(email_messages)


# --- writing ------------------------------------------------------------------------------


def test_one_row_per_channel_with_ids_only(citizen: User, application: Application) -> None:
    rows = queue_submitted(citizen, application)
    assert sorted(row.channel for row in rows) == ["email", "inapp"]
    for row in rows:
        row.refresh_from_db()
        assert row.context == {"application_id": application.pk}
        assert (row.state, row.attempts, row.language, row.template_key) == (
            "queued",
            0,
            "id",
            "application_submitted",
        )
        assert (row.subject, row.body) == ("", "")


def test_the_row_and_its_task_roll_back_with_the_transaction(
    citizen: User, application: Application, django_capture_on_commit_callbacks: Any
) -> None:
    def notify_then_fail() -> None:
        with transaction.atomic():
            queue_submitted(citizen, application)
            assert Message.objects.count() == 2
            raise RuntimeError("after notify")

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError, match="after notify"),
    ):
        notify_then_fail()
    assert not Message.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_the_send_tasks_are_enqueued_on_commit_with_ids_only(
    citizen: User, application: Application, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch.object(tasks.send_message, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        rows = queue_submitted(citizen, application)
        assert delay.call_count == 0  # not before the commit
    assert len(callbacks) == 2
    assert sorted(call.args for call in delay.call_args_list) == sorted((row.pk,) for row in rows)


@pytest.mark.parametrize(
    "context",
    [
        {"name": "Budi Santoso"},
        {"email": "warga@example.id"},
        {"phone": "+6281234567890"},
        {"when": 1.5},
        {"flag": True},
        {"nested": {"a": 1}},
        {"code_for": {"purpose": "x", "object_id": "1", "generation": 1}},
    ],
)
def test_the_context_holds_ids_only(citizen: User, context: dict[str, Any]) -> None:
    with pytest.raises(InvalidContext):
        notify(recipient=citizen, template_key="application_submitted", context_ids=context)
    assert not Message.objects.exists()


def test_an_unknown_template_is_a_programming_error(citizen: User) -> None:
    from notifications.catalogue import UnknownTemplate

    with pytest.raises(UnknownTemplate):
        notify(recipient=citizen, template_key="no_such_message", context_ids={})


# --- sending ------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "greeting"), [("id", "Halo"), ("en", "Hello")])
def test_an_email_has_text_and_html_in_the_recipients_language(
    citizen: User,
    application: Application,
    django_capture_on_commit_callbacks: Any,
    language: str,
    greeting: str,
) -> None:
    citizen.language = language
    citizen.save(update_fields=["language"])
    rows = sent_in_transaction(django_capture_on_commit_callbacks, citizen, application)

    (email,) = mail.outbox
    assert email.to == [citizen.email]
    assert email.extra_headers["Content-Language"] == language
    assert application.reference in email.subject
    assert application.reference in email.body
    detail = f"http://127.0.0.1:8000/warga/permohonan/{application.public_id}/"
    assert detail in email.body
    ((html, mimetype),) = email.alternatives
    assert mimetype == "text/html"
    assert f'<html lang="{language}">' in html
    assert f'href="{detail}"' in html
    assert {row.channel: Message.objects.get(pk=row.pk).state for row in rows} == {
        "email": "sent",
        "inapp": "sent",
    }


def test_the_inbox_row_stores_its_text_and_link(
    citizen: User, application: Application, django_capture_on_commit_callbacks: Any
) -> None:
    citizen.language = "en"
    citizen.save(update_fields=["language"])
    sent_in_transaction(django_capture_on_commit_callbacks, citizen, application)
    row = Message.objects.get(channel="inapp")
    assert row.state == "sent"
    assert application.reference in row.subject
    assert "registration proof" in row.body
    assert row.link == f"/warga/permohonan/{application.public_id}/"
    # The inbox text is the message itself: no greeting, no footer, no link line.
    assert "Hello" not in row.body
    assert "http" not in row.body


def test_an_sms_goes_to_the_confirmed_number_with_a_stable_idempotency_key(
    service: ServiceUnderTest, django_capture_on_commit_callbacks: Any
) -> None:
    profile = make_profile(phone_verified=True)
    user = profile.user
    services.preferences_save(user=user, email_enabled=False, sms_enabled=True)
    application = make_application(user)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = queue_submitted(user, application)
    assert sorted(row.channel for row in rows) == ["inapp", "sms"]
    (text,) = sms.outbox
    assert text.to == profile.phone
    assert application.reference in text.body
    sms_row = next(row for row in rows if row.channel == "sms")
    assert text.idempotency_key == f"notification-{sms_row.public_id}"


@pytest.mark.usefixtures("retries_run_at_once")
def test_a_failing_send_is_retried_then_marked_failed_with_its_error(
    citizen: User, application: Application, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingBackend"
    sent_in_transaction(django_capture_on_commit_callbacks, citizen, application)

    row = Message.objects.get(channel="email")
    assert row.state == "failed"
    assert row.attempts == services.MAX_ATTEMPTS
    assert row.last_error == "SMTPRecipientsRefused"
    assert citizen.email not in row.last_error
    assert row.sent_at is None
    assert Message.objects.get(channel="inapp").state == "sent"  # one channel's failure is its own


@pytest.mark.usefixtures("retries_run_at_once")
def test_a_send_that_fails_then_succeeds_is_sent_once(
    citizen: User, application: Application, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FlakyBackend"
    FlakyBackend.failures = 2
    sent_in_transaction(django_capture_on_commit_callbacks, citizen, application)

    row = Message.objects.get(channel="email")
    assert (row.state, row.attempts, row.last_error) == ("sent", 3, "")
    assert len(mail.outbox) == 1


def test_each_failed_attempt_is_recorded_before_the_retry(citizen: User, application: Application) -> None:
    (row,) = queue_submitted(citizen, application, channels=["email"])
    with (
        mock.patch("notifications.channels.send_email", side_effect=OSError("network down")) as send,
        mock.patch.dict("notifications.channels.DELIVER", {"email": send}),
        pytest.raises(services.DeliveryDeferred),
    ):
        services.message_deliver(message_id=row.pk)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("queued", 1, "OSError")
    assert row.last_attempt_at is not None


def test_a_duplicate_task_has_one_effect(citizen: User, application: Application) -> None:
    (row,) = queue_submitted(citizen, application, channels=["email"])
    assert tasks.send_message.delay(row.pk).get() == "sent"
    assert tasks.send_message.delay(row.pk).get() == "skipped"
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 1)


def test_a_message_without_a_confirmed_address_fails_at_once(
    service: ServiceUnderTest, application: Application
) -> None:
    user = UserFactory(verified_email=False)
    own = make_application(user, "B 9 ZZ")
    (row,) = notify(
        recipient=user,
        template_key="application_submitted",
        context_ids={"application_id": own.pk},
        channels=["inapp"],
    )
    row.channel = "sms"  # as if a number confirmed when notify ran had been removed since
    row.save(update_fields=["channel"])
    assert services.message_deliver(message_id=row.pk) == "failed"
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (
        "failed",
        1,
        "NoAddress: no confirmed address for sms",
    )


@pytest.mark.usefixtures("retries_run_at_once")
def test_logs_carry_ids_and_states_only(
    citizen: User,
    application: Application,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingBackend"
    with caplog.at_level(logging.DEBUG):
        sent_in_transaction(django_capture_on_commit_callbacks, citizen, application)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "SMTPRecipientsRefused" in text
    for secret in (citizen.email, application.reference, application.subject, "registration proof"):
        assert secret not in text


# --- the relay ----------------------------------------------------------------------------


@pytest.fixture
def lost(citizen: User, application: Application, django_capture_on_commit_callbacks: Any) -> list[Message]:
    """Rows committed whose send tasks never reached a worker (the broker lost them)."""
    with (
        time_machine.travel(START, tick=False),
        django_capture_on_commit_callbacks(execute=False),
        transaction.atomic(),
    ):
        return queue_submitted(citizen, application)


def test_the_relay_resends_a_stuck_row_exactly_once(
    lost: list[Message], django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(START + services.STUCK_AFTER - dt.timedelta(seconds=1), tick=False):
        assert services.messages_relay_stuck() == 0  # not stuck yet
    with (
        time_machine.travel(START + services.STUCK_AFTER, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.relay_stuck_messages.delay().get() == 2
    assert len(mail.outbox) == 1
    assert set(Message.objects.values_list("state", flat=True)) == {"sent"}
    with (
        time_machine.travel(START + 3 * services.STUCK_AFTER, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.messages_relay_stuck() == 0
    assert len(mail.outbox) == 1


def test_a_second_relay_finds_nothing_to_take(lost: list[Message]) -> None:
    moment = START + services.STUCK_AFTER + dt.timedelta(minutes=1)
    with mock.patch.object(tasks.send_message, "delay"), time_machine.travel(moment, tick=False):
        assert services.messages_relay_stuck() == 2
        # Claimed rows carry a fresh enqueued_at: the next relay does not take them again.
        assert services.messages_relay_stuck() == 0
    assert set(Message.objects.values_list("enqueued_at", flat=True)) == {moment}


def test_the_relay_leaves_a_row_whose_retry_is_waiting(
    lost: list[Message], django_capture_on_commit_callbacks: Any
) -> None:
    row = lost[0]
    Message.objects.filter(pk=row.pk).update(
        attempts=1, last_attempt_at=START + services.STUCK_AFTER, last_error="OSError"
    )
    with (
        mock.patch.object(tasks.send_message, "delay") as delay,
        time_machine.travel(START + services.STUCK_AFTER + dt.timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.messages_relay_stuck() == 1
    assert delay.call_args_list == [mock.call(lost[1].pk)]


@pytest.mark.django_db(transaction=True)
def test_a_row_another_transaction_holds_is_skipped_not_waited_for(
    service: ServiceUnderTest,
) -> None:
    citizen = UserFactory()
    application = make_application(citizen)
    with (
        mock.patch.object(tasks.send_message, "delay"),
        time_machine.travel(START, tick=False),
        transaction.atomic(),
    ):
        held, free = queue_submitted(citizen, application)

    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        with transaction.atomic():
            Message.objects.select_for_update().get(pk=held.pk)  # a worker sending it, or another relay
            locked.set()
            release.wait(10)

    results: dict[str, Any] = {}
    holder = in_thread(hold_the_row, results, "holder")
    assert locked.wait(10)
    try:
        with (
            mock.patch.object(tasks.send_message, "delay") as delay,
            time_machine.travel(START + services.STUCK_AFTER, tick=False),
        ):
            assert services.messages_relay_stuck() == 1
            # The sender skips a row another worker holds, too: no second send.
            assert services.message_deliver(message_id=held.pk) == "skipped"
        assert delay.call_args_list == [mock.call(free.pk)]
    finally:
        release.set()
        holder.join(10)
    assert results == {"holder": None}
    with (
        mock.patch.object(tasks.send_message, "delay") as delay,
        time_machine.travel(START + services.STUCK_AFTER + dt.timedelta(minutes=1), tick=False),
    ):
        assert services.messages_relay_stuck() == 1  # the row that was held; the other is taken
    assert delay.call_args_list == [mock.call(held.pk)]


@pytest.mark.usefixtures("retries_run_at_once")
def test_failed_rows_can_be_queued_again(
    citizen: User, application: Application, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingBackend"
    sent_in_transaction(django_capture_on_commit_callbacks, citizen, application)
    row = Message.objects.get(channel="email", state="failed")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.messages_requeue(message_ids=[row.pk]) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


@pytest.fixture(autouse=True)
def _no_flakes() -> Iterator[None]:
    yield
    FlakyBackend.failures = 0
