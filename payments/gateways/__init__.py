"""The gateway interface: how money reaches us and goes back (docs/payments.md).

A gateway is a bank or payment provider. We tell it about a bill (``create_bill``), it tells
us about payments by calling our webhook (``payments.webhooks``) and answers status queries
(``query_payments``) for the reconcile job, and it pays refunds (``refund``). Adapters are named
in ``settings.PAYMENT_GATEWAYS``; ``settings.PAYMENT_GATEWAY`` is the one new bills use.

Only the sandbox gateway ships: a real bank adapter implements the same four methods.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from payments.models import Bill, Refund


@dataclass(frozen=True)
class ReportedPayment:
    """A payment as a gateway reports it, by callback or by status query."""

    billing_code: str
    amount: int
    reference: str  # the bank's own id of the transfer: the same transfer always has the same one
    paid_at: dt.datetime


@dataclass(frozen=True)
class RefundAccount:
    bank: str
    account_number: str
    holder: str


@dataclass(frozen=True)
class RefundResult:
    reference: str


class GatewayError(Exception):
    """The gateway could not be reached or refused the request; the caller retries later."""


class Gateway(ABC):
    code: str = ""

    def __init__(self, *, secret: str) -> None:
        if len(secret) < 32:
            raise ImproperlyConfigured(
                f"payment gateway {self.code!r}: its webhook secret needs 32+ characters"
            )
        self.secret = secret

    @abstractmethod
    def create_bill(self, bill: Bill) -> None:
        """Tell the bank the billing code, amount and expiry so its tellers accept it."""

    @abstractmethod
    def query_payments(self, billing_code: str) -> list[ReportedPayment]:
        """Every payment the bank holds for this billing code (usually none or one)."""

    @abstractmethod
    def refund(self, refund: Refund, account: RefundAccount) -> RefundResult:
        """Pay ``refund.amount`` to ``account``. Idempotent on ``refund.public_id``: asking again
        for the same refund returns the first result and pays nothing more."""


@cache
def get_gateway(code: str) -> Gateway:
    config = settings.PAYMENT_GATEWAYS.get(code)
    if config is None:
        raise ImproperlyConfigured(f"no payment gateway {code!r} in PAYMENT_GATEWAYS")
    gateway_class = import_string(config["CLASS"])
    gateway: Gateway = gateway_class(secret=config["SECRET"])
    return gateway


def default_gateway() -> Gateway:
    return get_gateway(settings.PAYMENT_GATEWAY)
