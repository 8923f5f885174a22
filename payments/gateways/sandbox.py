"""The sandbox gateway: a pretend bank for development, demos and tests (never production).

Its teller page (``payments.views.sandbox``, on only with ``settings.SANDBOX_PROVIDERS``) looks
up a billing code the gateway was told about and pays it. The bank then calls our webhook over
HTTP exactly as a real bank would: a signed JSON POST to ``PUBLIC_BASE_URL`` + the webhook path,
from a Celery task (``payments.tasks.sandbox_send_callback``). The teller can also pay and drop
the callback (only the reconcile job or the citizen's "check payment" then finds the payment),
or send the same callback twice.

Its ledger is its own tables (``SandboxBill``, ``SandboxTransfer``, ``SandboxRefund``): our side
learns of a transfer only through the webhook or ``query_payments``.
"""

from __future__ import annotations

import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.urls import reverse

from korlantas.lib import clock
from payments import webhooks
from payments.gateways import Gateway, GatewayError, RefundAccount, RefundResult, ReportedPayment
from payments.models import Bill, Refund, SandboxBill, SandboxRefund, SandboxTransfer

logger = logging.getLogger("korlantas.payments")
CODE = "sandbox"


class SandboxGateway(Gateway):
    code = CODE

    def __init__(self, *, secret: str) -> None:
        if not settings.SANDBOX_PROVIDERS:
            raise ImproperlyConfigured("The sandbox payment gateway needs SANDBOX_PROVIDERS.")
        super().__init__(secret=secret)

    def create_bill(self, bill: Bill) -> None:
        SandboxBill.objects.update_or_create(
            billing_code=bill.billing_code, defaults={"amount": bill.total, "expires_at": bill.expires_at}
        )

    def query_payments(self, billing_code: str) -> list[ReportedPayment]:
        return [transfer_as_reported(t) for t in SandboxTransfer.objects.filter(billing_code=billing_code)]

    def refund(self, refund: Refund, account: RefundAccount) -> RefundResult:
        try:
            with transaction.atomic():
                paid, _created = SandboxRefund.objects.get_or_create(
                    refund_public_id=refund.public_id,
                    defaults={"reference": "SBR" + secrets.token_hex(8).upper(), "amount": refund.amount},
                )
        except IntegrityError as exc:  # two workers at once: the other one's row stands
            raise GatewayError("sandbox refund raced; retry") from exc
        return RefundResult(reference=paid.reference)


def transfer_as_reported(transfer: SandboxTransfer) -> ReportedPayment:
    return ReportedPayment(
        billing_code=transfer.billing_code,
        amount=transfer.amount,
        reference=transfer.reference,
        paid_at=transfer.paid_at,
    )


class SandboxRefused(Exception):
    """Codes: ``unknown_code``, ``expired``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def sandbox_bill(billing_code: str) -> SandboxBill | None:
    return SandboxBill.objects.filter(billing_code=billing_code).first()


def sandbox_pay(*, billing_code: str, callback: str = SandboxTransfer.Callback.ONCE) -> SandboxTransfer:
    """The teller pays ``billing_code`` in full; the callback follows on commit."""
    from payments.tasks import sandbox_send_callback

    with transaction.atomic():
        bill = SandboxBill.objects.select_for_update().filter(billing_code=billing_code).first()
        if bill is None:
            raise SandboxRefused("unknown_code")
        if bill.expires_at <= clock.now():
            raise SandboxRefused("expired")
        transfer = SandboxTransfer.objects.create(
            reference="SBX" + secrets.token_hex(8).upper(),
            billing_code=billing_code,
            amount=bill.amount,
            callback=callback,
        )
        if callback != SandboxTransfer.Callback.DROP:
            # Robust: with the broker down the callback is lost, as a bank's can be; the
            # reconcile job or the citizen's "check payment" finds the transfer.
            transaction.on_commit(lambda: sandbox_send_callback.delay(transfer.pk), robust=True)
    return transfer


# How a callback travels; tests swap it for Django's test client.
Poster = Callable[[str, bytes, dict[str, str]], int]


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    if not url.startswith(("http://", "https://")):
        raise GatewayError("the callback URL must be http(s)")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - own URL  # nosec B310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, TimeoutError) as exc:
        raise GatewayError(f"callback not delivered: {exc}") from exc


poster: Poster = http_post


def callback_url() -> str:
    base = getattr(settings, "PUBLIC_BASE_URL", "") or "http://127.0.0.1:8000"
    return base.rstrip("/") + reverse("payments:webhook", kwargs={"gateway": CODE})


def sandbox_send_callback(transfer_id: int) -> list[int]:
    """Deliver the transfer's callback (twice for ``TWICE``): the same signed event each time,
    as a bank retrying would. Returns the HTTP statuses; raises ``GatewayError`` when our
    portal could not be reached (the task retries)."""
    transfer = SandboxTransfer.objects.get(pk=transfer_id)
    times = 2 if transfer.callback == SandboxTransfer.Callback.TWICE else 1
    body = webhooks.event_body(event_id=f"{transfer.reference}-paid", payment=transfer_as_reported(transfer))
    secret = settings.PAYMENT_GATEWAYS[CODE]["SECRET"]
    statuses = []
    for _ in range(max(0, times - transfer.callbacks_sent)):
        status = poster(callback_url(), body, webhooks.signed_headers(secret, body))
        statuses.append(status)
        SandboxTransfer.objects.filter(pk=transfer.pk).update(
            callbacks_sent=transfer.callbacks_sent + len(statuses), last_callback_status=status
        )
        logger.info("sandbox transfer %s: callback answered %s", transfer.pk, status)
    return statuses
