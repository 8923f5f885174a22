"""Money received: one function decides what a reported payment does (DESIGN §5).

``payment_receive`` is called by the webhook (``via="callback"``) and by the reconcile job and
the citizen's "check payment" (``via="reconcile"``), always inside the caller's transaction.
It is exactly-once by construction:

* the bank's reference is unique per gateway (``Payment``): a second report of the same
  transfer — a repeated callback, a callback racing the reconcile job — finds the first row
  and changes nothing;
* the application row, then the bill row, are locked before anything is decided (the same
  order as a cancellation, which locks the application in the transition and then its bills),
  so two reports of one transfer are serialised and cannot deadlock with the citizen.

A payment for the bill the application is waiting on (open, or expired but not yet replaced:
the money is there, so it counts) is *applied*: the bill becomes paid and the application
moves on — ``pay_auto_approve`` for a service that approves on payment when no rule flags it,
``pay`` otherwise. Any other payment is kept and refunded: the application was cancelled or
expired meanwhile, the bill had been replaced, or the application was already paid.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction

from applications.models import Application
from applications.registry import UnknownService, get_service
from applications.services import TransitionRefused, application_transition
from korlantas.lib import clock
from payments import messages, receipts
from payments.gateways import ReportedPayment
from payments.models import Bill, Payment, Refund
from payments.refunds import refund_create

logger = logging.getLogger("korlantas.payments")


class PaymentRefused(Exception):
    """Codes: ``unknown_code``, ``wrong_amount``, ``wrong_gateway``. Nothing is recorded."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Received:
    payment: Payment
    # False when this transfer had already been recorded (a repeated report).
    new: bool


def payment_receive(*, gateway: str, reported: ReportedPayment, via: str) -> Received:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payment_receive runs inside the caller's transaction")
    found = (
        Bill.objects.filter(billing_code=reported.billing_code).values_list("pk", "application_id").first()
    )
    if found is None:
        raise PaymentRefused("unknown_code")
    bill_id, application_id = found
    application = Application.objects.select_for_update().get(pk=application_id)
    bill = Bill.objects.select_for_update().get(pk=bill_id)
    if bill.gateway != gateway:
        raise PaymentRefused("wrong_gateway")
    existing = Payment.objects.filter(gateway=gateway, gateway_reference=reported.reference).first()
    if existing is not None:
        return Received(payment=existing, new=False)
    if reported.amount != bill.total:
        raise PaymentRefused("wrong_amount")

    refund_reason = _refund_reason(application, bill)
    payment = Payment.objects.create(
        bill=bill,
        gateway=gateway,
        gateway_reference=reported.reference,
        amount=reported.amount,
        paid_at=reported.paid_at,
        received_at=clock.now(),
        via=via,
        disposition=Payment.Disposition.APPLIED if refund_reason is None else Payment.Disposition.REFUNDED,
    )
    if refund_reason is None:
        _apply(payment, bill, application)
    else:
        logger.info("payment %s for bill %s: kept and refunded (%s)", payment.pk, bill.pk, refund_reason)
        refund_create(payment=payment, reason=refund_reason)
    return Received(payment=payment, new=True)


def _refund_reason(application: Application, bill: Bill) -> str | None:
    if bill.state == Bill.State.PAID or application.paid_at is not None:
        return Refund.Reason.DUPLICATE
    if application.status != "pending_payment":
        return Refund.Reason.LATE
    if bill.replaced_by_id is not None or bill.state not in (Bill.State.OPEN, Bill.State.EXPIRED):
        return Refund.Reason.REPLACED
    return None


def _apply(payment: Payment, bill: Bill, application: Application) -> None:
    bill.state = Bill.State.PAID
    bill.paid_at = payment.paid_at
    bill.closed_at = payment.received_at
    bill.save(update_fields=["state", "paid_at", "closed_at"])
    if _approves_on_payment(application):
        try:
            with transaction.atomic():  # a refused guard must not spoil the outer transaction
                application_transition(application_id=application.pk, action="pay_auto_approve", actor=None)
        except TransitionRefused as refused:
            logger.info("application %s: paid, not auto-approved (%s)", application.pk, refused)
        else:
            _after_payment(payment, bill)
            return
    application_transition(application_id=application.pk, action="pay", actor=None)
    _after_payment(payment, bill)


def _approves_on_payment(application: Application) -> bool:
    try:
        return get_service(application.service_code).approves_on_payment
    except UnknownService:
        return False


def _after_payment(payment: Payment, bill: Bill) -> None:
    receipts.receipt_issue(bill=bill)
    messages.payment_received(payment)
