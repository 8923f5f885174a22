"""Security headers and cookie flags on every kind of response, as production sends them
(SECURITY.md §1.3 3.3.x, §1.4 3.4.x and 3.2.1, §1.7 14.3.2; issue 11 point 2).

tests/korlantas/test_production_responses.py covers the home page, the JSON health check, a 404,
a signed-in page and the session and CSRF cookies of the sign-in. This adds, in the same way (a
fresh process under DJANGO_ENV=production making requests with Django's test client against
this run's test database): a user's file download, a signed-in JSON answer, the 403 of a
refused role and of a failed CSRF check, the 405 of a wrong method, the 429 of a rate limit,
the 500 of a failing view, and the language cookie; every cookie any of them sets is checked.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.base import ContentFile
from django.db import connection
from django.test import override_settings
from PIL import Image

from applications.models import Application, Attachment
from delivery.views_citizen import TRACKING_RATE_LIMIT, TRACKING_RATES
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.korlantas.test_settings_profiles import PRODUCTION_ENV, SWITCH_NAMES
from tests.utils import BASE_DIR, subprocess_env

PROBE = """
import django, json, sys
django.setup()
from unittest import mock
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

# Only the static files' storage differs from production: its hashed manifest (built by
# collectstatic, tests/korlantas/test_production_responses.py) decides no header of these answers.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()

email, password, attachment, tracking_budget = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = {}

def keep(name, response):
    out[name] = {"status": response.status_code, "headers": dict(response.headers),
                 "cookies": [morsel.output(header="") for morsel in response.cookies.values()]}

anonymous = Client()
keep("method_not_allowed", anonymous.get("/i18n/setlang/", secure=True))
keep("csrf_refused", Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "en"}, secure=True))
for _n in range(tracking_budget):
    anonymous.get("/lacak/ACDEFGHJKL/", secure=True)
keep("rate_limited", anonymous.get("/lacak/ACDEFGHJKL/", secure=True))
with mock.patch("korlantas.views.render", side_effect=RuntimeError("probe")):
    keep("server_error", Client(raise_request_exception=False).get("/", secure=True))

# The language switch, with the token of the page: its cookie.
switcher = Client(enforce_csrf_checks=True)
switcher.get("/", secure=True)
token = switcher.cookies[settings.CSRF_COOKIE_NAME].value
keep("language", switcher.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True,
                               headers={"X-CSRFToken": token, "Referer": "https://testserver/"}))

signed_in = Client()
login = signed_in.post("/akun/login/", {"login": email, "password": password}, secure=True)
keep("login", login)
keep("download", signed_in.get(f"/berkas/{attachment}/", secure=True))
keep("forbidden", signed_in.get("/staf/", secure=True))
keep("json_signed_in", signed_in.get("/healthz", secure=True))
print(json.dumps(out))
"""


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (90, 120, 150)).save(out, format="JPEG")
    return out.getvalue()


_PROBED: dict[str, dict[str, Any]] = {}


@pytest.fixture
def production_responses(
    transactional_db: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Probed once per module (the answers do not change); the first test to ask pays."""
    if "responses" not in _PROBED:
        _PROBED["responses"] = probe(tmp_path_factory.mktemp("headers"))
    return _PROBED["responses"]


def probe(tmp_path: Path) -> dict[str, Any]:
    user = UserFactory()
    hasher = PBKDF2PasswordHasher()  # production knows only its own hashers
    user.password = hasher.encode(DEFAULT_PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    # The user's own uploaded photo on a draft, made directly: only its download is looked at.
    application = Application.objects.create(
        reference="TST-HDR-1", applicant=user, service_code="test_permit", subject="B 1 HDR", status="draft"
    )
    data = jpeg()
    media = tmp_path / "media"
    (tmp_path / "static").mkdir()
    with override_settings(MEDIA_ROOT=media):
        attachment = Attachment(
            application=application,
            kind="photo",
            content_type="image/jpeg",
            size=len(data),
            width=60,
            height=80,
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by_id=user.pk,
        )
        attachment.file.save("ignored.jpg", ContentFile(data), save=False)
        attachment.save()
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in subprocess_env().items() if k not in SWITCH_NAMES}
    env.update(PRODUCTION_ENV)
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.REDIS_URL,  # this run's keys, deleted with the run's
            "DJANGO_SETTINGS_MODULE": "korlantas.settings",
            "STATIC_ROOT": str(tmp_path / "static"),
            "MEDIA_ROOT": str(media),
        }
    )
    budget = int(TRACKING_RATES[TRACKING_RATE_LIMIT].split(",")[0].split("/")[0])
    result = subprocess.run(
        [sys.executable, "-c", PROBE, user.email, DEFAULT_PASSWORD, str(attachment.public_id), str(budget)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


STATUSES = {
    "method_not_allowed": 405,
    "csrf_refused": 403,
    "rate_limited": 429,
    "server_error": 500,
    "language": 302,
    "login": 302,
    "download": 200,
    "forbidden": 403,
    "json_signed_in": 200,
}
SIGNED_IN = ("download", "forbidden", "json_signed_in")


def test_headers_on_every_response_kind(production_responses: dict[str, Any]) -> None:
    """One test (each test of this module flushes the database): statuses, transport and
    framing headers, no-store when signed in, the download's disposition, the error pages'."""
    got = {name: production_responses[name]["status"] for name in STATUSES}
    assert got == STATUSES
    for name in STATUSES:
        headers = production_responses[name]["headers"]
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "same-origin", name
        assert headers["X-Frame-Options"] == "DENY", name
        csp = headers["Content-Security-Policy"]
        if name == "download":
            # A user's file is sandboxed: no script, form or plugin runs even if a browser renders it.
            assert "sandbox" in [directive.strip() for directive in csp.split(";")], csp
        else:
            for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
                assert directive in csp, (name, csp)
            assert "unsafe-inline" not in csp, name
            assert "unsafe-eval" not in csp, name
    for name in SIGNED_IN:
        assert "no-store" in production_responses[name]["headers"]["Cache-Control"], name
    download = production_responses["download"]["headers"]
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "image/jpeg"  # the stored type, never the browser's guess
    for name in ("method_not_allowed", "csrf_refused", "rate_limited", "server_error", "forbidden"):
        assert production_responses[name]["headers"]["Content-Type"].startswith("text/html"), name


def test_every_cookie_set_is_secure_http_only_and_same_site(production_responses: dict[str, Any]) -> None:
    cookies = [raw for response in production_responses.values() for raw in response["cookies"]]
    names = {raw.strip().split("=", 1)[0] for raw in cookies}
    # What the responses above set: the CSRF cookie, the session, the language.
    assert {"__Host-csrftoken", "__Host-sessionid", settings.LANGUAGE_COOKIE_NAME} <= names, names
    for raw in cookies:
        name = raw.strip().split("=", 1)[0]
        assert "Path=/" in raw, raw
        assert "Domain" not in raw, raw
        if "Max-Age=0" in raw:
            continue  # a deletion (the messages cookie once read): no value left to protect
        assert "Secure" in raw, raw
        assert "HttpOnly" in raw, raw
        assert "SameSite=Lax" in raw or "SameSite=Strict" in raw, raw
        assert "Path=/" in raw, raw
        assert "Domain" not in raw, raw
        if name in ("__Host-csrftoken", "__Host-sessionid"):
            assert name.startswith("__Host-")
