"""What payments adds to an application's timeline: money received, money sent back.

One query per application, whatever the number of payments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from applications.events import TimelineEntry, register_timeline_provider
from payments.models import Payment, Refund
from payments.templatetags.rupiah import format_rupiah

if TYPE_CHECKING:
    from applications.models import Application


def payment_timeline(application: Application) -> Iterable[TimelineEntry]:
    payments = Payment.objects.filter(bill__application_id=application.pk).select_related("refund", "bill")
    for payment in payments:
        label = (
            _("Payment received")
            if payment.disposition == Payment.Disposition.APPLIED
            else _("Payment received, to be refunded")
        )
        yield TimelineEntry(
            occurred_at=payment.received_at,
            label=label,
            source="payments",
            note=f"{format_rupiah(payment.amount)} · {payment.bill.billing_code}",
        )
        try:
            refund = payment.refund
        except Refund.DoesNotExist:
            continue
        yield TimelineEntry(
            occurred_at=refund.created_at,
            label=_("Refund started"),
            source="payments",
            note=f"{format_rupiah(refund.amount)} · {refund.get_reason_display()}",
        )
        if refund.paid_at is not None:
            yield TimelineEntry(
                occurred_at=refund.paid_at,
                label=_("Refund paid"),
                source="payments",
                note=format_rupiah(refund.amount),
            )


def register_timeline() -> None:
    register_timeline_provider(payment_timeline)
