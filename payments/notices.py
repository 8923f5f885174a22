"""The payments messages in the notifications catalogue: keys, builders, criticality.

Templates: ``templates/notifications/<key>/`` (subject.txt, body.txt, body.html, sms.txt).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from notifications import catalogue
from payments import messages
from payments.models import Bill, Payment, Refund
from payments.refunds import BANKS


def bill_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    bill = Bill.objects.select_related("application").get(pk=ids["bill_id"])
    application = bill.application
    link = reverse("payments:bill", kwargs={"public_id": bill.public_id})
    context: dict[str, Any] = {
        "bill": bill,
        "lines": list(bill.lines.all()),
        "application": application,
        "service_name": catalogue._service_name(application.service_code),
        "link": link,
        "url": catalogue.absolute(link),
    }
    if "payment_id" in ids:
        context["payment"] = Payment.objects.get(pk=ids["payment_id"], bill=bill)
    return context


def refund_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    refund = Refund.objects.select_related("application").get(pk=ids["refund_id"])
    link = reverse("payments:refund", kwargs={"public_id": refund.public_id})
    return {
        "refund": refund,
        "bank_name": BANKS.get(refund.bank, refund.bank),
        "application": refund.application,
        "service_name": catalogue._service_name(refund.application.service_code),
        "link": link,
        "url": catalogue.absolute(link),
    }


def register() -> None:
    catalogue.register(
        messages.BILL_ISSUED, bill_context, critical=True, description="a bill: its code, total and expiry"
    )
    catalogue.register(messages.BILL_EXPIRING, bill_context, description="a bill expires in a few hours")
    catalogue.register(
        messages.PAYMENT_RECEIVED, bill_context, critical=True, description="the payment of a bill arrived"
    )
    catalogue.register(
        messages.REFUND_REQUESTED,
        refund_context,
        critical=True,
        description="money is to be refunded: the citizen gives an account",
    )
    catalogue.register(messages.REFUND_PAID, refund_context, critical=True, description="a refund was paid")
