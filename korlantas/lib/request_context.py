"""The address of the request being served, for code that has no request to hand.

Set by ``korlantas.middleware.ClientAddressMiddleware`` for the length of each request (a
``ContextVar``, so threads and async tasks each see their own); ``None`` outside a request
(a Celery task, a management command). Supervision reads it when an application is submitted,
to keep a keyed hash of it among the application's fraud signals — never the address itself.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

_client_address: ContextVar[str | None] = ContextVar("korlantas_client_address", default=None)


def current_client_address() -> str | None:
    return _client_address.get()


def set_client_address(address: str | None) -> Token[str | None]:
    return _client_address.set(address)


def reset_client_address(token: Token[str | None]) -> None:
    _client_address.reset(token)
