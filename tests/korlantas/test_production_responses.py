"""Headers and cookies as production sends them: a fresh process under DJANGO_ENV=production
makes requests with Django's test client against this run's test database."""

from __future__ import annotations

import json
import subprocess
import sys
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.korlantas.test_settings_profiles import PRODUCTION_ENV, SWITCH_NAMES
from tests.utils import BASE_DIR, subprocess_env

PROBE = """
import django, json, sys
django.setup()
from django.test import Client

out = {}
anonymous = Client()
for name, path in [("home", "/"), ("health", "/healthz"), ("missing", "/tidak-ada/")]:
    response = anonymous.get(path, secure=True)
    out[name] = {"status": response.status_code, "headers": dict(response.headers),
                 "cookies": [morsel.output(header="") for morsel in response.cookies.values()]}
plain = Client().get("/")
out["plain_http"] = {"status": plain.status_code, "location": plain.headers.get("Location", "")}
signed_in = Client()
login = signed_in.post("/akun/login/", {"login": sys.argv[1], "password": sys.argv[2]}, secure=True)
out["login"] = {"status": login.status_code, "location": login.headers.get("Location", ""),
                "cookies": [m.output(header="") for m in login.cookies.values()],
                "body": login.content.decode()[-4000:] if login.status_code != 302 else ""}
response = signed_in.get("/", secure=True)
out["signed_in"] = {"status": response.status_code, "headers": dict(response.headers)}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Production serves a collected, hashed manifest of static files, as the Dockerfile builds."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    env = {k: v for k, v in subprocess_env().items() if k not in SWITCH_NAMES}
    env.update(PRODUCTION_ENV)
    env.update({"STATIC_ROOT": str(static_root), "DJANGO_SETTINGS_MODULE": "korlantas.settings"})
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return str(static_root)


@pytest.fixture
def production_responses(transactional_db: None, collected_static: str) -> dict:
    user = UserFactory()
    # Production knows only its own hashers, not the fast one the test profile uses.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(DEFAULT_PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in subprocess_env().items() if k not in SWITCH_NAMES}
    env.update(PRODUCTION_ENV)
    env.update(
        {
            "DATABASE_URL": database_url,
            # This run's Redis: its keys carry this run's prefix and are deleted with it.
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "korlantas.settings",
            "STATIC_ROOT": collected_static,
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE, user.email, DEFAULT_PASSWORD],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def parse_cookie(raw: str) -> tuple[str, str]:
    cookie = SimpleCookie()
    cookie.load(raw.strip())
    (name,) = cookie.keys()
    return name, raw


def test_security_headers_on_html_json_and_error_responses(production_responses: dict) -> None:
    for name in ("home", "health", "missing", "signed_in"):
        headers = production_responses[name]["headers"]
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "same-origin", name
        assert headers["X-Frame-Options"] == "DENY", name
        csp = headers["Content-Security-Policy"]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp, (name, csp)
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
    assert production_responses["missing"]["status"] == 404


def test_plain_http_is_redirected_to_https(production_responses: dict) -> None:
    assert production_responses["plain_http"]["status"] == 301
    assert production_responses["plain_http"]["location"].startswith("https://")


def test_cookies_are_host_prefixed_secure_and_same_site(production_responses: dict) -> None:
    assert production_responses["login"]["status"] == 302, production_responses["login"]["body"]
    cookies = dict(parse_cookie(raw) for raw in production_responses["login"]["cookies"])
    cookies.update(dict(parse_cookie(raw) for raw in production_responses["home"]["cookies"]))
    assert "__Host-sessionid" in cookies
    assert "__Host-csrftoken" in cookies
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        raw = cookies[name]
        assert "Secure" in raw
        assert "HttpOnly" in raw
        assert "SameSite=Lax" in raw
        assert "Path=/" in raw
        assert "Domain" not in raw


def test_signed_in_pages_are_never_cached(production_responses: dict) -> None:
    assert "no-store" in production_responses["signed_in"]["headers"]["Cache-Control"]
