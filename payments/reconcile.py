"""Settling payments whose callback never came ("money taken, status unknown").

``bills_reconcile`` (beat, every 10 minutes) asks each bill's gateway about bills that could
have been paid without our hearing of it: open bills issued more than a few minutes ago, and
bills closed (expired, cancelled, replaced) in the last two days — a bank may still take a
code it was told about. ``bill_check`` does the same for one bill when its citizen presses
"check payment". Both go through ``settlement.payment_receive``, so a payment already
recorded by its callback is found and nothing happens twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q

from korlantas.lib import clock
from payments.gateways import GatewayError, get_gateway
from payments.models import Bill, Payment
from payments.settlement import PaymentRefused, payment_receive

logger = logging.getLogger("korlantas.payments")

CALLBACK_GRACE = dt.timedelta(minutes=5)
CLOSED_LOOKBACK = dt.timedelta(days=2)
BATCH = 500


class GatewayUnreachable(Exception):
    """The bill's gateway could not be asked (its error, a timeout): nothing was recorded."""


def bill_check(*, bill: Bill) -> int:
    """Ask the bill's gateway and record what it reports; returns how many new payments.
    Raises ``GatewayUnreachable`` when the gateway cannot be asked."""
    try:
        reported = get_gateway(bill.gateway).query_payments(bill.billing_code)
    except (GatewayError, OSError) as exc:
        logger.warning("bill %s: status query failed (%s)", bill.pk, type(exc).__name__)
        raise GatewayUnreachable(bill.gateway) from exc
    new = 0
    for payment in reported:
        if Payment.objects.filter(gateway=bill.gateway, gateway_reference=payment.reference).exists():
            continue
        try:
            with transaction.atomic(durable=True):
                received = payment_receive(gateway=bill.gateway, reported=payment, via=Payment.Via.RECONCILE)
        except PaymentRefused as refused:
            logger.error("bill %s: the gateway reports a payment we refuse (%s)", bill.pk, refused.code)
            continue
        if received.new:
            logger.info("bill %s: payment %s found by status query", bill.pk, received.payment.pk)
            new += 1
    return new


def bills_reconcile(now: dt.datetime | None = None) -> int:
    now = now if now is not None else clock.now()
    candidates = Bill.objects.filter(
        Q(state=Bill.State.OPEN, issued_at__lte=now - CALLBACK_GRACE)
        | Q(state__in=[Bill.State.EXPIRED, Bill.State.CANCELLED], closed_at__gte=now - CLOSED_LOOKBACK)
    ).order_by("issued_at")[:BATCH]
    new = 0
    unreachable: set[str] = set()
    for bill in candidates:
        if bill.gateway in unreachable:
            continue  # down: not asked again in this run (each ask could wait for a timeout)
        try:
            new += bill_check(bill=bill)
        except GatewayUnreachable:
            unreachable.add(bill.gateway)
    if unreachable:
        logger.warning(
            "reconcile: gateway(s) %s unreachable; their bills wait for the next run", sorted(unreachable)
        )
    return new
