"""The request's client address is readable by services while the request runs, and only then."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from korlantas.lib import request_context
from korlantas.middleware import ClientAddressMiddleware


def test_the_address_is_set_for_the_request_and_cleared_after() -> None:
    seen: list[str | None] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request_context.current_client_address())
        return HttpResponse("ok")

    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    ClientAddressMiddleware(view)(request)

    assert seen == ["203.0.113.7"]
    assert request_context.current_client_address() is None


def test_a_malformed_address_is_none_and_an_error_still_clears_it() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        assert request_context.current_client_address() is None
        raise RuntimeError("boom")

    request = RequestFactory().get("/", REMOTE_ADDR="not-an-address")
    with pytest.raises(RuntimeError, match="boom"):
        ClientAddressMiddleware(view)(request)
    assert request_context.current_client_address() is None
