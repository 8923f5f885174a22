"""The webhook protocol a gateway speaks to us (docs/payments.md has the full description).

``POST /payments/webhooks/<gateway>/`` with a JSON body and two headers:

* ``X-Payment-Timestamp``: Unix seconds when the gateway signed the request;
* ``X-Payment-Signature``: ``hex(HMAC-SHA256(secret, f"{timestamp}.".encode() + body))``.

The body: ``{"event_id": "...", "type": "payment.succeeded", "billing_code": "15 digits",
"amount": 120000, "reference": "bank's transfer id", "paid_at": "ISO 8601 with offset"}``.

``parse_event`` checks everything that does not need the database: the signature (constant
time), the timestamp (at most five minutes old, or one minute ahead), and the body's shape.
Whatever fails raises ``WebhookRefused`` with a code; the view answers 4xx and logs it as a
security event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from korlantas.lib import clock
from payments.gateways import ReportedPayment

TIMESTAMP_HEADER = "X-Payment-Timestamp"
SIGNATURE_HEADER = "X-Payment-Signature"
MAX_AGE = dt.timedelta(minutes=5)
MAX_CLOCK_SKEW = dt.timedelta(minutes=1)
MAX_BODY_BYTES = 8 * 1024
EVENT_TYPE = "payment.succeeded"
_EVENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,80}")
_REFERENCE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_CODE = re.compile(r"[0-9]{15}")


class WebhookRefused(Exception):
    """Codes: ``no_signature``, ``bad_signature``, ``bad_timestamp``, ``stale``, ``too_large``,
    ``bad_body``, ``unknown_gateway``; from the settlement: ``unknown_code``, ``wrong_amount``;
    ``replayed`` for an event id already accepted."""

    def __init__(self, code: str, http_status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.http_status = http_status


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    payment: ReportedPayment


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, at: dt.datetime | None = None) -> dict[str, str]:
    """What a gateway (the sandbox, a test) sends with ``body``."""
    timestamp = str(int((at or clock.now()).timestamp()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}


def event_body(*, event_id: str, payment: ReportedPayment) -> bytes:
    return json.dumps(
        {
            "event_id": event_id,
            "type": EVENT_TYPE,
            "billing_code": payment.billing_code,
            "amount": payment.amount,
            "reference": payment.reference,
            "paid_at": payment.paid_at.isoformat(),
        },
        separators=(",", ":"),
    ).encode()


def parse_event(*, secret: str, timestamp: str | None, signature: str | None, body: bytes) -> WebhookEvent:
    if len(body) > MAX_BODY_BYTES:
        raise WebhookRefused("too_large", http_status=413)
    if not timestamp or not signature:
        raise WebhookRefused("no_signature", http_status=401)
    expected = sign(secret, timestamp, body)
    # Constant time; both sides are ASCII hex (a non-ASCII header simply does not match).
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode("ascii", "replace")):
        raise WebhookRefused("bad_signature", http_status=401)
    try:
        signed_at = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise WebhookRefused("bad_timestamp", http_status=401) from None
    now = clock.now()
    if signed_at < now - MAX_AGE or signed_at > now + MAX_CLOCK_SKEW:
        raise WebhookRefused("stale", http_status=401)
    return _event_from(body)


def _event_from(body: bytes) -> WebhookEvent:
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or data.get("type") != EVENT_TYPE:
            raise ValueError("type")
        event_id, code, reference = data["event_id"], data["billing_code"], data["reference"]
        amount, paid_at = data["amount"], dt.datetime.fromisoformat(data["paid_at"])
        if not all(isinstance(v, str) for v in (event_id, code, reference)):
            raise ValueError("strings")
        if not (_EVENT_ID.fullmatch(event_id) and _CODE.fullmatch(code) and _REFERENCE.fullmatch(reference)):
            raise ValueError("shape")
        if type(amount) is not int or amount <= 0 or paid_at.tzinfo is None:
            raise ValueError("amount or time")
    except (ValueError, KeyError, TypeError):
        raise WebhookRefused("bad_body") from None
    return WebhookEvent(
        event_id=event_id,
        payment=ReportedPayment(billing_code=code, amount=amount, reference=reference, paid_at=paid_at),
    )
