"""The broker down (issue 11 point 6; SECURITY.md §4, §8 items 8 and 25): a citizen's action that
sends work to Celery when its transaction commits still completes its database part and shows
a normal page; what could not be sent waits in the database (the outbox row, the document
without its PDF, the queued refund) and the periodic jobs finish it, exactly once, when the
broker is back.

The broker is a private redis-server on a free port, started and stopped by the test
(``faults_support.Broker``); the test process sends real messages to it (eager mode off) and
then plays the worker for the messages the broker holds (``faults_support.drain``). Real
commits (``transaction=True``): what matters happens when the view's transaction commits.

Already covered elsewhere and not repeated here: the relay re-sends a lost row once and a
second relay finds nothing (tests/notifications/test_outbox.py), documents whose task was lost
are sent again (tests/documents/test_issue_and_render.py), /healthz reports the broker down
(tests/korlantas/test_health.py), nothing is sent before commit (tests/korlantas/test_celery.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from applications.models import Application, StatusChange
from documents import tasks as document_tasks
from documents.models import IssuedDocument
from notifications import services as outbox
from notifications.models import Message
from offices.models import Office
from payments import tasks as payment_tasks
from payments.billing import latest_bill
from payments.gateways.sandbox import sandbox_pay
from payments.models import Bill, Payment, Refund, SandboxRefund, SandboxTransfer
from payments.settlement import payment_receive
from tests.applications.conftest import (  # noqa: F401 - fixtures
    _english_messages,
    act,
    citizen,
    make_application,
    officer,
    samsat,
    service,
)
from tests.payments.conftest import (  # noqa: F401 - fixtures
    APPLICANT_NAME,
    applicant,
    paying_service,
    sandbox_callbacks,
    submit_application,
)
from tests.payments.helpers_core import reported
from tests.security.faults_support import Broker, celery_sending_to, drain

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # real redis-server processes

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def broker() -> Iterator[Broker]:
    server = Broker()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def english(client: Client, applicant: User) -> Client:  # noqa: F811 - the imported fixture
    client.cookies["django_language"] = "en"
    client.force_login(applicant)
    return client


def _later(delta: dt.timedelta) -> Any:
    return time_machine.travel(dt.datetime.now(tz=dt.UTC) + delta, tick=True)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _queued_rows() -> list[int]:
    return sorted(Message.objects.filter(state=Message.State.QUEUED).values_list("pk", flat=True))


def test_submitting_with_the_broker_down_submits_and_the_relay_sends_each_message_once(
    broker: Broker,
    english: Client,
    applicant: User,  # noqa: F811
    samsat: Office,  # noqa: F811
    paying_service: Any,  # noqa: F811
) -> None:
    draft = make_application(applicant)
    broker.stop()  # the outage
    with celery_sending_to(broker):
        response = english.post(
            reverse("applications:submit", args=[draft.public_id]),
            {"office": str(samsat.public_id), "version": draft.version},
            follow=True,
        )
    assert response.status_code == 200
    assert _messages(response) == ["Your application is submitted. Pay the bill to send it to the office."]
    # The database part is whole: submitted, billed, the citizen's messages written and waiting.
    assert Application.objects.get(pk=draft.pk).status == "pending_payment"
    assert Bill.objects.get(application=draft).state == Bill.State.OPEN
    waiting = _queued_rows()
    assert waiting
    assert set(Message.objects.values_list("attempts", flat=True)) == {0}

    broker.start()  # back, on the same port, empty (the messages sent during the outage never got there)
    with celery_sending_to(broker):
        assert broker.queued("notifications") == []
        with _later(outbox.STUCK_AFTER + dt.timedelta(minutes=1)):
            assert outbox.messages_relay_stuck() == len(waiting)
            assert outbox.messages_relay_stuck() == 0  # claimed: a second relay takes none
        sent = broker.queued("notifications")
        assert sorted(message["headers"]["task"] for message in sent) == [
            "notifications.tasks.send_message"
        ] * len(waiting)
        ran = drain(broker, "notifications")
    assert sorted(task.args[0] for task in ran) == waiting  # one message per row, each row once
    assert _queued_rows() == []
    assert set(Message.objects.values_list("state", "attempts")) == {(Message.State.SENT, 1)}
    emails = Message.objects.filter(channel=Message.Channel.EMAIL).count()
    assert len(mail.outbox) == emails


def test_check_payment_with_the_broker_down_settles_and_the_receipt_is_rendered_once_later(
    broker: Broker,
    english: Client,
    applicant: User,  # noqa: F811
    samsat: Office,  # noqa: F811
    paying_service: Any,  # noqa: F811
    media: Path,
) -> None:
    """One citizen action that sends two kinds of work on commit: the notifications of the
    payment and the rendering of the payment receipt (``payments.receipts``)."""
    application = submit_application(applicant, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    sandbox_pay(billing_code=bill.billing_code, callback=SandboxTransfer.Callback.DROP)
    before = set(Message.objects.values_list("pk", flat=True))

    broker.stop()
    with celery_sending_to(broker):
        response = english.post(reverse("payments:bill_check", args=[bill.public_id]), follow=True)
    assert response.status_code == 200
    assert _messages(response) == ["Payment received."]
    assert Application.objects.get(pk=application.pk).status == "queued"
    assert Payment.objects.filter(bill=bill).count() == 1
    assert StatusChange.objects.filter(application=application, action="pay").count() == 1
    receipt = IssuedDocument.objects.get(application=application, kind="payment_receipt")
    assert not receipt.file
    assert receipt.render_attempts == 0
    new_rows = set(Message.objects.values_list("pk", flat=True)) - before
    assert new_rows
    assert set(Message.objects.filter(pk__in=new_rows).values_list("state", flat=True)) == {"queued"}
    # The receipt page says it is being prepared: no error, no link to a file that is not there.
    page = english.get(reverse("documents:detail", args=[receipt.public_id]))
    assert page.status_code == 200
    assert "Your document is being prepared" in page.content.decode()
    assert english.get(reverse("documents:download", args=[receipt.public_id])).status_code == 404

    broker.start()
    # Past both the documents' and the outbox's "lost" thresholds (10 and 15 minutes).
    with celery_sending_to(broker), _later(max(document_tasks.MISSING_AFTER, outbox.STUCK_AFTER) + MINUTE):
        # Two beat runs before any PDF worker has taken the first message: two messages…
        assert document_tasks.render_missing_documents() == 1
        assert document_tasks.render_missing_documents() == 1
        assert outbox.messages_relay_stuck() == len(new_rows)
        rendered = drain(broker, "pdf")
        delivered = drain(broker, "notifications")
    # … and one rendering: the second finds the receipt up to date.
    assert [task.args for task in rendered] == [[receipt.pk], [receipt.pk]]
    receipt.refresh_from_db()
    assert receipt.is_rendered
    assert receipt.render_attempts == 1
    # One file for the receipt (the registration proof of the submission has its own folder).
    assert [path.name for path in (media / "documents" / "payment_receipt").rglob("*.pdf")] == [
        Path(receipt.file.name).name
    ]
    assert sorted(task.args[0] for task in delivered) == sorted(new_rows)
    assert set(Message.objects.filter(pk__in=new_rows).values_list("state", "attempts")) == {("sent", 1)}
    with (
        celery_sending_to(broker),
        _later(max(document_tasks.MISSING_AFTER, outbox.STUCK_AFTER) + 2 * MINUTE),
    ):
        assert document_tasks.render_missing_documents() == 0


def test_giving_a_refund_account_with_the_broker_down_shows_the_refund_on_its_way_and_pays_it_once_later(
    broker: Broker,
    english: Client,
    applicant: User,  # noqa: F811
    samsat: Office,  # noqa: F811
    paying_service: Any,  # noqa: F811
    media: Path,
) -> None:
    application = submit_application(applicant, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    with transaction.atomic():
        payment_receive(gateway="sandbox", reported=reported(bill, "SBXPAID1"), via="callback")
    act(Application.objects.get(pk=application.pk), "cancel", applicant)
    refund = Refund.objects.get(application=application)

    broker.stop()
    with celery_sending_to(broker):
        response = english.post(
            reverse("payments:refund", args=[refund.public_id]),
            {"bank": "014", "account_number": "0123 4567 8901", "holder": APPLICANT_NAME},
            follow=True,
        )
    assert response.status_code == 200
    assert _messages(response) == ["Thank you. The refund is on its way to your account."]
    refund.refresh_from_db()
    assert (refund.state, refund.attempts) == (Refund.State.QUEUED, 0)
    assert not SandboxRefund.objects.exists()

    broker.start()
    with celery_sending_to(broker):
        # The beat job for refunds left queued (payments.tasks.send_queued_refunds), run twice.
        assert payment_tasks.send_queued_refunds() == 1
        assert payment_tasks.send_queued_refunds() == 0
    refund.refresh_from_db()
    assert (refund.state, refund.attempts) == (Refund.State.PAID, 1)
    assert SandboxRefund.objects.filter(refund_public_id=refund.public_id).count() == 1
