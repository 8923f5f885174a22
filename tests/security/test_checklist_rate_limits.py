"""SECURITY.md §8 item 14, the parts the per-feature tests do not try:

* a forged ``X-Forwarded-For`` does not give a client a fresh failed-sign-in bucket (allauth
  65.14.2 ignores it unless a trusted proxy is configured; the portal configures none);
* the rate limits live in Redis in every profile that can run the portal: allauth's limiter and
  the used-TOTP memory do nothing with a dummy cache and are per process with a local-memory one.

The account lockout itself (5 failures per account) is tests/accounts/test_authentication.py;
the admin's sign-in is the portal's (tests/accounts/test_staff_mfa.py); the other limits are
swept by tests/security/test_sweeps*.py.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.korlantas.test_settings_profiles import PRODUCTION_ENV, run_python

LOGIN = "/akun/login/"


def too_many(response: object) -> bool:
    form = response.context["form"]  # type: ignore[attr-defined]
    return any("Too many failed login attempts" in str(e) for e in form.non_field_errors())


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_reset_the_failed_sign_in_bucket_of_an_address() -> None:
    assert getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) == 0
    assert getattr(settings, "ALLAUTH_TRUSTED_CLIENT_IP_HEADER", None) is None
    address = "203.0.113.45"
    # Ten failures a minute per address (allauth's login_failed "10/m/ip"), each for another
    # account so that no account's own limit (5 per 5 minutes) is reached, each claiming
    # another client address in X-Forwarded-For.
    for n in range(10):
        victim = UserFactory()
        en = Client()
        en.cookies["django_language"] = "en"
        response = en.post(
            LOGIN,
            {"login": victim.email, "password": f"salah-sandi-{n:03d}"},
            REMOTE_ADDR=address,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}",
        )
        assert response.status_code == 200, (n, response.status_code)
        assert not too_many(response), n  # a failure counted, not refused

    fresh = UserFactory()
    en = Client()
    en.cookies["django_language"] = "en"
    response = en.post(
        LOGIN,
        {"login": fresh.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    # Even the right password of an untouched account is refused from this address now: the
    # sign-in form with allauth's message (or, should the limiter's lock time out under load,
    # its 429 page). Either way nobody is signed in.
    assert response.status_code in (200, 429), response.status_code
    assert response.status_code == 429 or too_many(response)
    assert "_auth_user_id" not in en.session

    # The control: the same account from another address signs in.
    other = Client()
    response = other.post(
        LOGIN, {"login": fresh.email, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="203.0.113.46"
    )
    assert response.status_code == 302


DUMP_CACHE = """
import django, json
django.setup()
from django.conf import settings
print(json.dumps({"cache": settings.CACHES["default"]["BACKEND"],
                  "limits": settings.ACCOUNT_RATE_LIMITS is not False}))
"""


@pytest.mark.parametrize("profile", ["production", "development", "e2e"])
def test_every_profile_keeps_rate_limits_in_redis(profile: str) -> None:
    result = run_python(DUMP_CACHE, {**PRODUCTION_ENV, "DJANGO_ENV": profile})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {"cache": "django.core.cache.backends.redis.RedisCache", "limits": True}


def test_this_test_run_uses_redis_too() -> None:
    """Otherwise the rate-limit tests of the suite would pass against a cache that limits nothing."""
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
