"""The SMS gateway interface.

``send_sms(to, body, idempotency_key=…)`` hands a message to the backend named by
``settings.SMS_BACKEND``:

* ``FileBackend`` (development, e2e): one file per message under ``settings.SMS_DIR`` —
  never the log, since messages carry one-time codes.
* ``MemoryBackend`` (tests): appends to ``sms.outbox``.
* ``HttpGatewayBackend`` (production): POSTs JSON to an SMS aggregator's HTTP API
  (``SMS_GATEWAY_URL`` with a bearer ``SMS_GATEWAY_TOKEN``), passing the idempotency key so
  the gateway drops a repeated send. The request format is documented in
  docs/configuration.md; an aggregator with another format gets its own small backend.

Callers pass an idempotency key that is stable for one logical message (e.g. the
verification id and code generation), so a retried task never sends two different texts.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from korlantas.lib import clock


@dataclass(frozen=True)
class SMS:
    to: str
    body: str
    idempotency_key: str


class SMSBackend(Protocol):
    def send(self, message: SMS) -> None: ...


class SMSDeliveryError(Exception):
    """The gateway refused or could not be reached; the caller's task retries."""


outbox: list[SMS] = []


class MemoryBackend:
    def send(self, message: SMS) -> None:
        outbox.append(message)


class FileBackend:
    def send(self, message: SMS) -> None:
        directory = settings.SMS_DIR
        directory.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        safe_key = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in message.idempotency_key)
        path = directory / f"{stamp}-{safe_key}.txt"
        path.write_text(f"To: {message.to}\nKey: {message.idempotency_key}\n\n{message.body}\n")


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET and carry the token elsewhere: refuse it."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        raise SMSDeliveryError(f"gateway redirected ({code})")


class HttpGatewayBackend:
    timeout_seconds = 10

    def send(self, message: SMS) -> None:
        url = settings.SMS_GATEWAY_URL
        token = settings.SMS_GATEWAY_TOKEN
        if not url or not token:
            raise ImproperlyConfigured("SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN are needed to send SMS.")
        if not url.startswith("https://"):
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be https.")
        payload = json.dumps(
            {"to": message.to, "text": message.body, "sender": settings.SMS_SENDER_ID}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - https enforced above
            url,
            data=payload,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": message.idempotency_key,
            },
        )
        try:
            opener = urllib.request.build_opener(_RefuseRedirects)
            with opener.open(request, timeout=self.timeout_seconds) as response:
                if response.status >= 300:
                    raise SMSDeliveryError(f"gateway answered {response.status}")
        except OSError as exc:
            raise SMSDeliveryError(type(exc).__name__) from exc


def send_sms(to: str, body: str, *, idempotency_key: str) -> None:
    backend: SMSBackend = import_string(settings.SMS_BACKEND)()
    backend.send(SMS(to=to, body=body, idempotency_key=idempotency_key))
