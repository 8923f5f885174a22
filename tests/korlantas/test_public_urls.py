"""Deny by default: every URL pattern is walked anonymously against the allow-list below.

A view is public only when marked ``login_not_required``; LoginRequiredMiddleware sends
anonymous visitors of every other view to the sign-in page. Adding a public URL means
adding it here, on purpose.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from django.contrib.auth.views import redirect_to_login
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC_ROUTES = {
    "": "home page",
    "healthz": "load balancer health",
    "i18n/setlang/": "language switch",
    "admin/login/": "redirect to the portal's sign-in (rate limits and MFA apply there)",
    "undangan/<uuid:public_id>/<str:token>/": "staff invitation link (token checked by the view)",
    "akun/login/": "sign in",
    "akun/logout/": "sign out (POST; GET shows a confirmation)",
    "akun/inactive/": "account inactive notice",
    "akun/signup/": "sign up",
    "akun/confirm-email/": "verification e-mail sent notice",
    "akun/^confirm-email/(?P<key>[-:\\w]+)/$": "e-mail verification link",
    "akun/password/reset/": "password reset request",
    "akun/password/reset/done/": "password reset requested notice",
    "akun/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": "password reset link",
    "akun/password/reset/key/done/": "password reset done notice",
    "akun/login/code/confirm/": "sign-in code confirmation",
    "akun/2fa/authenticate/": "second factor during sign-in",
    "verify/<str:token>/": "document verification from its QR code (the token is the key; rate-limited)",
    "biaya/": "services and fees in force (the public fee page)",
    "kinerja/": "each office's public performance figures (aggregates only, no personal data)",
    "payments/webhooks/<slug:gateway>/": "payment gateways' callbacks (HMAC-signed; POST only)",
    "sandbox/bank/": "the sandbox bank teller page (only with SANDBOX_PROVIDERS; a bank needs no sign-in)",
    "stnk/cek/": "STNK check by plate + last 5 chassis characters (never the owner; rate-limited per client)",
    "lacak/": "parcel tracking form (label code)",
    "lacak/<str:label_code>/": "parcel tracking by label code (coarse states only; rate-limited per client)",
}

SAMPLE_BY_CONVERTER = {"int": "1", "str": "contoh", "slug": "contoh", "uuid": str(uuid.uuid4()), "path": "1"}


def walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def sample_path(route: str) -> str:
    """A concrete path that the route matches, with made-up values for its parameters."""
    # Regex parts (allauth, the admin): take the first alternative or a sample value.
    path = re.sub(r"\(\?P<\w+>([\w|]+)\)", lambda m: m.group(1).split("|")[0], route)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_BY_CONVERTER[m.group(1) or "str"], path)
    path = path.replace("^", "").replace("$", "")
    path = re.sub(r"\.\*|\.\+", "contoh", path)
    return "/" + path


ALL_ROUTES = list(walk(get_resolver().url_patterns))


def is_public(pattern: URLPattern) -> bool:
    return getattr(pattern.callback, "login_required", True) is False


def test_public_views_are_exactly_the_allow_list() -> None:
    public = {route for route, pattern in ALL_ROUTES if is_public(pattern)}
    assert public == set(PUBLIC_ROUTES), {
        "public but not allowed": sorted(public - set(PUBLIC_ROUTES)),
        "allowed but not public": sorted(set(PUBLIC_ROUTES) - public),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "pattern"), ALL_ROUTES, ids=[route or "/" for route, _ in ALL_ROUTES])
def test_anonymous_request_to_every_url(client: Client, route: str, pattern: URLPattern) -> None:
    path = sample_path(route)
    response = client.get(path)
    # What LoginRequiredMiddleware answers; a public view may still redirect by its own
    # logic (a sign-in step with nothing pending goes back to the sign-in page).
    # (The admin's views name their own sign-in page.)
    denied = redirect_to_login(path, login_url=getattr(pattern.callback, "login_url", None))
    turned_away = response.status_code == 302 and response["Location"] == denied["Location"]
    if route in PUBLIC_ROUTES:
        assert not turned_away, path
        assert response.status_code < 500, path
    else:
        assert turned_away, (path, response.status_code, response.get("Location"))
