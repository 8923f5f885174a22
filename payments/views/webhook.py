"""``POST /payments/webhooks/<gateway>/``: where a gateway reports a payment.

No session, no CSRF token (the HMAC signature is the authentication), no login. Answers:

* 200 ``{"status": "applied" | "refund" | "already_recorded"}`` — the event is ours now;
* 401 bad or missing signature, stale timestamp; 400 a malformed body; 404 an unknown gateway
  or billing code; 409 an event id already accepted; 422 an amount that is not the bill's;
  413 a body over 8 KiB.

Every refusal changes nothing and is logged to ``korlantas.security`` with the gateway and the
code of the refusal (never the body). Accepting the event id, recording the payment, paying the
bill and moving the application happen in one transaction.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import webhooks
from payments.models import GatewayEvent, Payment
from payments.settlement import PaymentRefused, payment_receive

security_log = logging.getLogger("korlantas.security")
logger = logging.getLogger("korlantas.payments")

REFUSAL_STATUS = {"unknown_code": 404, "wrong_amount": 422, "wrong_gateway": 404}


def _secret(gateway: str) -> str | None:
    from django.conf import settings

    config = settings.PAYMENT_GATEWAYS.get(gateway)
    return config["SECRET"] if config else None


def _refused(gateway: str, code: str, status: int) -> JsonResponse:
    security_log.warning(
        "payment webhook refused: gateway=%s reason=%s status=%s", gateway[:20], code, status
    )
    return JsonResponse({"error": code}, status=status)


@login_not_required
@csrf_exempt
@require_POST
def webhook(request: HttpRequest, gateway: str) -> JsonResponse:
    secret = _secret(gateway)
    if secret is None:
        return _refused(gateway, "unknown_gateway", 404)
    try:
        event = webhooks.parse_event(
            secret=secret,
            timestamp=request.headers.get(webhooks.TIMESTAMP_HEADER),
            signature=request.headers.get(webhooks.SIGNATURE_HEADER),
            body=request.body,
        )
    except webhooks.WebhookRefused as refused:
        return _refused(gateway, refused.code, refused.http_status)
    try:
        with transaction.atomic(durable=True):
            try:
                with transaction.atomic():
                    accepted = GatewayEvent.objects.create(gateway=gateway, event_id=event.event_id)
            except IntegrityError:
                return _refused(gateway, "replayed", 409)
            received = payment_receive(gateway=gateway, reported=event.payment, via=Payment.Via.CALLBACK)
            accepted.payment = received.payment
            accepted.save(update_fields=["payment"])
    except PaymentRefused as refused:
        return _refused(gateway, refused.code, REFUSAL_STATUS[refused.code])
    status = received.payment.disposition if received.new else "already_recorded"
    logger.info("payment webhook %s: payment %s %s", gateway, received.payment.pk, status)
    return JsonResponse({"status": status})
