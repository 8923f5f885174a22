"""The webhook against real PostgreSQL (issue 6 point 4): every bad callback is refused and
changes nothing; a good one pays the bill and moves the application exactly once."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from applications.models import Application, StatusChange
from payments import webhooks
from payments.billing import latest_bill
from payments.gateways import ReportedPayment
from payments.models import Bill, GatewayEvent, Payment, Refund
from tests.applications.conftest import act
from tests.payments.helpers_core import post_event, submitted

pytestmark = pytest.mark.django_db

URL = reverse("payments:webhook", kwargs={"gateway": "sandbox"})
SECRET = settings.PAYMENT_GATEWAYS["sandbox"]["SECRET"]


def _nothing_changed(application: Application, bill: Bill) -> None:
    assert Application.objects.get(pk=application.pk).status == "pending_payment"
    assert Bill.objects.get(pk=bill.pk).state == Bill.State.OPEN
    assert not Payment.objects.exists()
    assert not GatewayEvent.objects.exists()
    assert not Refund.objects.exists()


def test_a_valid_callback_pays_the_bill_and_queues_the_application(citizen, samsat, service) -> None:
    application = submitted(citizen, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    assert bill.total == 25_000

    response = post_event(Client(), bill, event_id="evt-1", reference="REF1")

    assert response.status_code == 200
    assert response.json() == {"status": "applied"}
    bill.refresh_from_db()
    assert bill.state == Bill.State.PAID
    assert bill.paid_at is not None
    application.refresh_from_db()
    assert application.status == "queued"
    assert application.paid_at is not None
    payment = Payment.objects.get()
    assert (payment.amount, payment.gateway_reference, payment.disposition) == (25_000, "REF1", "applied")
    assert GatewayEvent.objects.get().payment == payment


@pytest.mark.parametrize(
    ("tamper", "status", "code"),
    [
        ("bad_signature", 401, "bad_signature"),
        ("no_signature", 401, "no_signature"),
        ("stale", 401, "stale"),
        ("future", 401, "stale"),
        ("wrong_amount", 422, "wrong_amount"),
        ("unknown_code", 404, "unknown_code"),
        ("bad_body", 400, "bad_body"),
        ("float_amount", 400, "bad_body"),
    ],
)
def test_bad_callbacks_are_refused_and_change_nothing(
    citizen, samsat, service, caplog: pytest.LogCaptureFixture, tamper: str, status: int, code: str
) -> None:
    application = submitted(citizen, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    payment = ReportedPayment(
        billing_code=bill.billing_code,
        amount=bill.total,
        reference="REF1",
        paid_at=dt.datetime.now(tz=dt.UTC),
    )
    if tamper == "wrong_amount":
        payment = ReportedPayment(payment.billing_code, bill.total - 1, payment.reference, payment.paid_at)
    if tamper == "unknown_code":
        payment = ReportedPayment("1" * 15, payment.amount, payment.reference, payment.paid_at)
    body = webhooks.event_body(event_id="evt-1", payment=payment)
    if tamper == "bad_body":
        body = b'{"type": "payment.succeeded", "billing_code": 5}'
    if tamper == "float_amount":
        body = body.replace(f'"amount":{bill.total}'.encode(), f'"amount":{bill.total}.0'.encode())
    at = None
    if tamper == "stale":
        at = dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=6)
    if tamper == "future":
        at = dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=3)
    headers = webhooks.signed_headers(SECRET, body, at=at)
    if tamper == "bad_signature":
        headers = webhooks.signed_headers("x" * 40, body)
    if tamper == "no_signature":
        headers = {}

    with caplog.at_level(logging.WARNING, logger="korlantas.security"):
        response = Client().post(
            URL,
            data=body,
            content_type="application/json",
            headers=headers,  # type: ignore[arg-type]
        )

    assert response.status_code == status
    assert response.json() == {"error": code}
    _nothing_changed(application, bill)
    assert f"reason={code}" in caplog.text
    assert bill.billing_code not in caplog.text


def test_a_replayed_event_is_refused_and_changes_nothing_more(citizen, samsat, service) -> None:
    application = submitted(citizen, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    assert post_event(Client(), bill, event_id="evt-1", reference="REF1").status_code == 200

    replay = post_event(Client(), bill, event_id="evt-1", reference="REF1")

    assert replay.status_code == 409
    assert Payment.objects.count() == 1
    assert StatusChange.objects.filter(application=application, action="pay").count() == 1


def test_the_same_transfer_under_a_new_event_id_is_recorded_once(citizen, samsat, service) -> None:
    application = submitted(citizen, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    post_event(Client(), bill, event_id="evt-1", reference="REF1")

    again = post_event(Client(), bill, event_id="evt-2", reference="REF1")

    assert again.status_code == 200
    assert again.json() == {"status": "already_recorded"}
    assert Payment.objects.count() == 1
    assert StatusChange.objects.filter(application=application, action="pay").count() == 1


def test_a_second_transfer_for_a_paid_bill_is_kept_and_refunded_once(citizen, samsat, service) -> None:
    application = submitted(citizen, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    post_event(Client(), bill, event_id="evt-1", reference="REF1")

    second = post_event(Client(), bill, event_id="evt-2", reference="REF2")

    assert second.json() == {"status": "refund"}
    refund = Refund.objects.get()
    assert (refund.reason, refund.amount, refund.state) == ("duplicate", 25_000, "awaiting_account")
    assert refund.payment.gateway_reference == "REF2"
    assert StatusChange.objects.filter(application=application, action="pay").count() == 1


def test_a_payment_after_cancellation_is_refunded_once(citizen, samsat, service) -> None:
    application = submitted(citizen, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    act(application, "cancel", citizen)
    bill.refresh_from_db()
    assert bill.state == Bill.State.CANCELLED

    response = post_event(Client(), bill, event_id="evt-1", reference="REF1")
    post_event(Client(), bill, event_id="evt-2", reference="REF1")  # the bank repeats itself

    assert response.json() == {"status": "refund"}
    assert Refund.objects.get().reason == "late"
    assert Application.objects.get(pk=application.pk).status == "cancelled"
    assert Payment.objects.count() == 1


def test_the_webhook_needs_no_csrf_token_and_only_post(citizen, samsat, service) -> None:
    application = submitted(citizen, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    assert Client(enforce_csrf_checks=True).get(URL).status_code == 405
    response = post_event(Client(enforce_csrf_checks=True), bill, event_id="evt-1", reference="REF1")
    assert response.status_code == 200


def test_an_unknown_gateway_is_404(citizen, samsat, service) -> None:
    body = json.dumps({}).encode()
    url = reverse("payments:webhook", kwargs={"gateway": "bank-x"})
    response = Client().post(url, data=body, content_type="application/json")
    assert response.status_code == 404
