"""Thin tasks: ids in, a service call, a count or a state out.

All are idempotent: a task delivered twice finds the work done (a bill already expired, a
refund already paid, a callback already answered by the portal).
"""

from __future__ import annotations

from celery import shared_task

from payments import billing, reconcile, refunds
from payments.gateways import GatewayError
from payments.models import Refund


@shared_task(name="payments.tasks.expire_bills")
def expire_bills() -> int:
    return billing.bills_expire()


@shared_task(name="payments.tasks.remind_bills")
def remind_bills() -> int:
    return billing.bills_remind()


@shared_task(name="payments.tasks.reconcile_bills")
def reconcile_bills() -> int:
    return reconcile.bills_reconcile()


@shared_task(name="payments.tasks.send_refund")
def send_refund(refund_id: int) -> str:
    return refunds.refund_send(refund_id=refund_id)


@shared_task(name="payments.tasks.send_queued_refunds")
def send_queued_refunds() -> int:
    """Refunds queued but never sent (a lost message, a failed attempt) go again."""
    ids = list(Refund.objects.filter(state=Refund.State.QUEUED).values_list("pk", flat=True)[:200])
    return sum(refunds.refund_send(refund_id=pk) == Refund.State.PAID for pk in ids)


@shared_task(
    name="payments.tasks.sandbox_send_callback",
    autoretry_for=(GatewayError,),
    retry_backoff=5,
    retry_backoff_max=60,
    max_retries=5,
)
def sandbox_send_callback(transfer_id: int) -> list[int]:
    from payments.gateways import sandbox

    return sandbox.sandbox_send_callback(transfer_id)
