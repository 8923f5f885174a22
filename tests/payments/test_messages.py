"""The payments messages (issue 6, point 8): the bill (code, total, expiry), the reminder, the
payment, the refund asked for and the refund paid — written to the outbox in the transaction
that causes them, rendered in English and Indonesian on every channel, SMS short."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import transaction

from accounts.models import User
from applications import events
from applications.events import TransitionEvent
from applications.models import Application
from notifications import catalogue
from notifications.models import Message
from offices.models import Office
from payments import billing, messages, refunds
from payments.models import Bill, Payment, Refund
from tests.accounts.factories import make_profile
from tests.applications.conftest import ServiceUnderTest, act, make_application
from tests.payments.helpers_staff import _english, _media_root, _payments_wired, open_bill, pay, submit  # noqa: F401  (autouse fixtures)

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # Monday 09:00 in Jakarta
KEYS = (
    messages.BILL_ISSUED,
    messages.BILL_EXPIRING,
    messages.PAYMENT_RECEIVED,
    messages.REFUND_REQUESTED,
    messages.REFUND_PAID,
)
SMS_LIMIT = 320
HOLDER = "Budi Santoso"


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def long_base_url(settings: Any) -> None:
    """A public address as long as a real one, so the SMS length checks mean something."""
    settings.PUBLIC_BASE_URL = "https://layanan-digital.korlantas.polri.go.id"


def rows(key: str, **context: Any) -> list[Message]:
    return list(Message.objects.filter(template_key=key, **{f"context__{k}": v for k, v in context.items()}))


def render(row: Message, language: str, channel: str) -> catalogue.Rendered:
    """The row as its channel would send it, in ``language`` (an unsaved copy)."""
    copy = Message(
        recipient_id=row.recipient_id,
        template_key=row.template_key,
        context=row.context,
        channel=channel,
        language=language,
    )
    return catalogue.render(copy)


def refund_of_duplicate(citizen: User, samsat: Office) -> tuple[Application, Refund]:
    """The application paid twice: the second transfer is refunded."""
    application = submit(citizen, samsat)
    bill = open_bill(application)
    pay(bill, "SBX-M-1")
    second = pay(bill, "SBX-M-2")
    return application, Refund.objects.get(payment=second.payment)


def paid_refund(citizen: User, samsat: Office) -> Refund:
    """A refund paid back through the (sandbox) gateway to an account in the applicant's name."""
    make_profile(user=citizen, full_name=HOLDER)
    _application, refund = refund_of_duplicate(citizen, samsat)
    refunds.refund_account_give(
        refund_public_id=refund.public_id,
        user=citizen,
        bank="014",
        account_number="1234567890",
        holder=HOLDER,
    )
    assert refunds.refund_send(refund_id=refund.pk) == Refund.State.PAID
    return Refund.objects.get(pk=refund.pk)


def message_for(key: str, citizen: User, samsat: Office) -> Message:
    """A row of ``key`` written by the real flow."""
    if key == messages.BILL_ISSUED:
        application = submit(citizen, samsat)
        return rows(key, bill_id=open_bill(application).pk)[0]
    if key == messages.BILL_EXPIRING:
        application = submit(citizen, samsat)
        bill = open_bill(application)
        assert billing.bills_remind(bill.expires_at - dt.timedelta(hours=1)) == 1
        return rows(key, bill_id=bill.pk)[0]
    if key == messages.PAYMENT_RECEIVED:
        application = submit(citizen, samsat)
        bill = open_bill(application)
        received = pay(bill, "SBX-M-3")
        return rows(key, payment_id=received.payment.pk)[0]
    if key == messages.REFUND_REQUESTED:
        _application, refund = refund_of_duplicate(citizen, samsat)
        return rows(key, refund_id=refund.pk)[0]
    refund = paid_refund(citizen, samsat)
    return rows(key, refund_id=refund.pk)[0]


def pay_in_a_failing_transaction(bill: Bill, reference: str) -> None:
    with transaction.atomic():
        pay(bill, reference)
        raise RuntimeError("the webhook's transaction fails after the payment")


# --- written with the change that causes them -------------------------------------------------


def test_submitting_writes_the_bill_message_in_the_same_transaction(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    application = submit(citizen, samsat)
    bill = open_bill(application)
    written = rows(messages.BILL_ISSUED)
    assert {row.channel for row in written} == {"email", "inapp"}
    assert all(row.context == {"bill_id": bill.pk} and row.critical for row in written)
    assert all(row.recipient_id == citizen.pk for row in written)


def test_a_submission_that_rolls_back_leaves_no_bill_message(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    def later_listener_fails(event: TransitionEvent) -> None:
        raise RuntimeError("something after the bill fails")

    events.listen("submit", later_listener_fails, phase="in_transaction")
    try:
        with pytest.raises(RuntimeError):
            act(make_application(citizen), "submit", citizen, office=samsat)
    finally:
        events.unlisten("submit", later_listener_fails)
    assert not Bill.objects.exists()
    assert not rows(messages.BILL_ISSUED)


def test_a_payment_that_rolls_back_leaves_no_payment_message(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    application = submit(citizen, samsat)
    bill = open_bill(application)
    with pytest.raises(RuntimeError, match="fails after the payment"):
        pay_in_a_failing_transaction(bill, "SBX-M-4")
    assert not rows(messages.PAYMENT_RECEIVED)
    assert not Payment.objects.exists()


# --- rendered ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("key", KEYS)
def test_every_payments_message_renders_on_every_channel(
    service: ServiceUnderTest, citizen: User, samsat: Office, long_base_url: None, key: str, language: str
) -> None:
    row = message_for(key, citizen, samsat)
    email = render(row, language, "email")
    inbox = render(row, language, "inapp")
    sms = render(row, language, "sms")
    assert email.subject
    assert email.text
    assert email.html
    assert inbox.text
    assert sms.sms
    assert f'<html lang="{language}">' in email.html
    for text in (email.subject, email.text, email.html, inbox.text, sms.sms):
        assert "{{" not in text
        assert "{%" not in text
        assert "None" not in text
    assert len(sms.sms) < SMS_LIMIT, sms.sms
    assert inbox.link.startswith("/warga/")


def test_the_bill_message_gives_the_code_total_expiry_and_how_to_pay(
    service: ServiceUnderTest, citizen: User, samsat: Office, clock: Any
) -> None:
    row = message_for(messages.BILL_ISSUED, citizen, samsat)
    bill = Bill.objects.get(pk=row.context["bill_id"])
    expiry = "3 November 2026, 09:00 WIB"  # 24 hours after 09:00 WIB
    email = render(row, "en", "email")
    for text in (email.text, email.html):
        assert bill.billing_code in text
        assert "Rp 25.000" in text
        assert expiry in text
        assert "How to pay" in text
        assert f"/warga/tagihan/{bill.public_id}/" in text
    sms = render(row, "en", "sms").sms
    assert bill.billing_code in sms
    assert "Rp 25.000" in sms
    assert "3 Nov 2026 09:00 WIB" in sms


def test_the_reminder_tells_when_the_bill_expires_and_about_a_new_bill(
    service: ServiceUnderTest, citizen: User, samsat: Office, clock: Any
) -> None:
    row = message_for(messages.BILL_EXPIRING, citizen, samsat)
    bill = Bill.objects.get(pk=row.context["bill_id"])
    text = render(row, "en", "email").text
    assert bill.billing_code in text
    assert "expires at 3 November 2026, 09:00 WIB" in text
    assert "get a new bill" in text
    assert "new bill" in render(row, "en", "sms").sms


def test_the_payment_message_says_where_the_application_goes_and_where_the_receipt_is(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    row = message_for(messages.PAYMENT_RECEIVED, citizen, samsat)
    bill = Bill.objects.get(pk=row.context["bill_id"])
    application = bill.application
    assert application.status == "queued"
    email = render(row, "en", "email")
    assert "Rp 25.000" in email.text
    assert bill.billing_code in email.text
    assert "goes to the office" in email.text
    assert "receipt" in email.text
    assert f"/warga/permohonan/{application.public_id}/" in email.text
    assert f'href="http://127.0.0.1:8000/warga/permohonan/{application.public_id}/"' in email.html


def test_the_refund_request_asks_for_an_account(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    row = message_for(messages.REFUND_REQUESTED, citizen, samsat)
    refund = Refund.objects.get(pk=row.context["refund_id"])
    assert all(r.critical for r in rows(messages.REFUND_REQUESTED))
    email = render(row, "en", "email")
    assert "Rp 25.000" in email.text
    assert "The application was already paid" in email.text  # the reason
    assert "bank account" in email.text
    assert f"/warga/pengembalian/{refund.public_id}/" in email.text
    assert f"/warga/pengembalian/{refund.public_id}/" in render(row, "en", "sms").sms


def test_the_refund_paid_message_masks_the_account(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    row = message_for(messages.REFUND_PAID, citizen, samsat)
    refund = Refund.objects.get(pk=row.context["refund_id"])
    for text in (render(row, "en", "email").text, render(row, "en", "sms").sms):
        assert "Rp 25.000" in text
        assert "7890" in text
        assert "1234567890" not in text
        assert "123456" not in text
        assert refund.gateway_reference in text


def test_the_submission_message_announces_the_bill(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    application = submit(citizen, samsat)
    row = Message.objects.get(template_key="application_submitted", channel="email")
    assert row.context == {"application_id": application.pk}
    text = render(row, "en", "email").text
    assert "registration proof" in text
    assert "billing code" in text
    assert "separate message" in text
    sms = render(row, "en", "sms").sms
    assert "billing code" in sms
    assert len(sms) < SMS_LIMIT
