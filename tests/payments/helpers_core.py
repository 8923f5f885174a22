"""Small helpers for the payments core tests (webhook, settlement, refunds, reconcile)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import User
from applications.models import Application
from offices.models import Office
from payments import webhooks
from payments.gateways import ReportedPayment
from payments.models import Bill
from tests.applications.conftest import act, make_application

WEBHOOK_URL = reverse("payments:webhook", kwargs={"gateway": "sandbox"})


def submitted(citizen: User, office: Office, subject: str = "B 1234 ABC") -> Application:
    """A submitted application of the tests' service: its bill was issued by the submit listener."""
    return act(make_application(citizen, subject), "submit", citizen, office=office)


def reported(bill: Bill, reference: str, amount: int | None = None) -> ReportedPayment:
    return ReportedPayment(
        billing_code=bill.billing_code,
        amount=bill.total if amount is None else amount,
        reference=reference,
        paid_at=dt.datetime.now(tz=dt.UTC),
    )


def post_event(
    client: Client, bill: Bill, *, event_id: str, reference: str, amount: int | None = None
) -> HttpResponse:
    body = webhooks.event_body(event_id=event_id, payment=reported(bill, reference, amount))
    secret = settings.PAYMENT_GATEWAYS["sandbox"]["SECRET"]
    return client.post(  # type: ignore[return-value]
        WEBHOOK_URL, data=body, content_type="application/json", headers=webhooks.signed_headers(secret, body)
    )
