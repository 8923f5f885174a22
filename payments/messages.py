"""What payments tells the citizen, through the outbox (notifications.notify).

Each function runs in the caller's transaction, so a message exists exactly when the change
that causes it commits. Context holds ids only; the templates (templates/notifications/<key>/)
load the bill or refund when the message is sent. The catalogue entries are registered in
``payments.apps`` (``payments.notices.register``).
"""

from __future__ import annotations

from notifications.services import notify
from payments.models import Bill, Payment, Refund

BILL_ISSUED = "bill_issued"
BILL_EXPIRING = "bill_expiring"
PAYMENT_RECEIVED = "payment_received"
REFUND_REQUESTED = "refund_requested"
REFUND_PAID = "refund_paid"


def _applicant_id(bill: Bill) -> int:
    return Bill.objects.filter(pk=bill.pk).values_list("application__applicant_id", flat=True).get()


def bill_issued(bill: Bill) -> None:
    notify(recipient=_applicant_id(bill), template_key=BILL_ISSUED, context_ids={"bill_id": bill.pk})


def bill_expiring(bill: Bill) -> None:
    notify(recipient=_applicant_id(bill), template_key=BILL_EXPIRING, context_ids={"bill_id": bill.pk})


def payment_received(payment: Payment) -> None:
    notify(
        recipient=_applicant_id(payment.bill),
        template_key=PAYMENT_RECEIVED,
        context_ids={"bill_id": payment.bill_id, "payment_id": payment.pk},
    )


def refund_requested(refund: Refund) -> None:
    notify(
        recipient=refund.application.applicant_id,
        template_key=REFUND_REQUESTED,
        context_ids={"refund_id": refund.pk},
        critical=True,
    )


def refund_paid(refund: Refund) -> None:
    notify(
        recipient=refund.application.applicant_id,
        template_key=REFUND_PAID,
        context_ids={"refund_id": refund.pk},
    )
