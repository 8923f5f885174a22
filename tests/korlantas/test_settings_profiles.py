"""The profiles of korlantas/settings.py, each loaded in a fresh process as an operator
would start it: production refuses to start unsafely; the others differ from it only in
the documented development switches."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.utils import BASE_DIR, subprocess_env

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x7!Qp2v#Lr9@Tz4^Wm8&Kd3*Hs6(Jb1)Nc5_Fg0+Ye7=Ua2-Vi9~Ro4?Pl8",
    "ALLOWED_HOSTS": "portal.example.go.id,testserver",
    "DATABASE_URL": "postgres://korlantas@db.internal:5432/korlantas",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "PII_ENCRYPTION_KEYS": "k2026:q0S5bX3cV9nE2rT7yU1iO4pA6sD8fG0hJ2kL4zX6cV8",
    "PII_BLIND_INDEX_KEY": "blind-index-key-for-the-production-profile-test",
}
SWITCH_NAMES = ("ALLOW_HTTP", "SANDBOX_PROVIDERS", "MESSAGES_TO_FILES", "CLOCK_OFFSET_SECONDS", "DEBUG")


def run_python(code: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in subprocess_env().items() if k not in (*PRODUCTION_ENV, *SWITCH_NAMES)}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "korlantas.settings"
    clean.pop("KORLANTAS_TEST_RUN_ID", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


LOAD_SETTINGS = "import django; django.setup(); print('loaded')"


def test_production_starts_with_its_required_variables() -> None:
    result = run_python(LOAD_SETTINGS, PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "PII_ENCRYPTION_KEYS",
        "PII_BLIND_INDEX_KEY",
    ],
)
def test_production_refuses_to_start_without_a_required_variable(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_python(LOAD_SETTINGS, env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ALLOW_HTTP", "true"),
        ("SANDBOX_PROVIDERS", "true"),
        ("MESSAGES_TO_FILES", "true"),
        ("CLOCK_OFFSET_SECONDS", "3600"),
        ("DEBUG", "true"),
    ],
)
def test_production_refuses_every_development_switch(variable: str, value: str) -> None:
    result = run_python(LOAD_SETTINGS, {**PRODUCTION_ENV, variable: value})
    assert result.returncode != 0
    last_line = result.stderr.splitlines()[-1]
    assert "refuses development-only settings" in last_line
    assert variable in last_line


@pytest.mark.parametrize("url", ["consolemail://", "filemail:///tmp/mail", "memorymail://"])
def test_production_sends_mail_only_over_smtp(url: str) -> None:
    result = run_python(LOAD_SETTINGS, {**PRODUCTION_ENV, "EMAIL_URL": url})
    assert result.returncode != 0
    assert "SMTP" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("profile", ["development", "test", "production"])
def test_only_the_e2e_profile_accepts_a_clock_offset(profile: str) -> None:
    env = {**PRODUCTION_ENV, "DJANGO_ENV": profile, "CLOCK_OFFSET_SECONDS": "86400"}
    result = run_python(LOAD_SETTINGS, env)
    assert result.returncode != 0


def test_e2e_clock_offset_moves_the_portal_clock() -> None:
    code = (
        "import django; django.setup()\n"
        "from django.utils import timezone\n"
        "from korlantas.lib import clock\n"
        "print(round((clock.now() - timezone.now()).total_seconds()))"
    )
    result = run_python(code, {"DJANGO_ENV": "e2e", "CLOCK_OFFSET_SECONDS": "86400"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "86400"


def test_unknown_profile_is_refused() -> None:
    result = run_python(LOAD_SETTINGS, {"DJANGO_ENV": "staging"})
    assert result.returncode != 0
    assert "DJANGO_ENV must be one of" in result.stderr


DUMP_SETTINGS = """
import django, json
django.setup()
from django.conf import settings
out = {}
for name in dir(settings):
    if name.isupper():
        out[name] = repr(getattr(settings, name))
print(json.dumps(out))
"""

# What development and e2e may do differently from production (docs/configuration.md):
# plain http (cookie names and flags, HSTS, https redirect), the sandbox providers,
# messages to files (the e-mail backend), the e2e clock, and — not a security switch —
# static files served from their source folders instead of a collected manifest.
ALLOWED_DIFFERENCES = {
    "DJANGO_ENV",
    "PRODUCTION",
    "DEVELOPMENT_ONLY",
    # plain http
    "ALLOW_HTTP",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
    # sandbox providers
    "SANDBOX_PROVIDERS",
    "IDENTITY_PROVIDER",
    "PAYMENT_GATEWAYS",  # the sandbox bank
    "PAYMENT_GATEWAY",
    # messages written to files
    "MESSAGES_TO_FILES",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "EMAIL_CONFIG",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "SMS_BACKEND",
    # the e2e clock
    "CLOCK_OFFSET_SECONDS",
    # links in e-mail name the development server's host and port
    "PORTAL_HOST",
    "PUBLIC_BASE_URL",  # follows PORTAL_HOST and ALLOW_HTTP
    # static files
    "STORAGES",
    "WHITENOISE_USE_FINDERS",
    # log format: JSON lines for the collector, plain text for a person at a terminal
    "LOGGING",
}


@pytest.mark.parametrize("profile", ["development", "e2e"])
def test_development_profiles_differ_from_production_only_by_the_documented_switches(
    profile: str,
) -> None:
    production = run_python(DUMP_SETTINGS, PRODUCTION_ENV)
    assert production.returncode == 0, production.stderr
    other = run_python(DUMP_SETTINGS, {**PRODUCTION_ENV, "DJANGO_ENV": profile})
    assert other.returncode == 0, other.stderr
    prod_values = json.loads(production.stdout)
    other_values = json.loads(other.stdout)
    differing = {
        name
        for name in prod_values.keys() | other_values.keys()
        if prod_values.get(name) != other_values.get(name)
    }
    assert differing <= ALLOWED_DIFFERENCES, sorted(differing - ALLOWED_DIFFERENCES)
    assert {"ALLOW_HTTP", "SANDBOX_PROVIDERS", "MESSAGES_TO_FILES"} <= differing


def test_check_deploy_passes_under_production_with_nothing_silenced() -> None:
    clean = {k: v for k, v in subprocess_env().items() if k not in SWITCH_NAMES}
    clean.update(PRODUCTION_ENV)
    clean["DJANGO_SETTINGS_MODULE"] = "korlantas.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 silenced" in result.stdout + result.stderr
    silenced = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(len(settings.SILENCED_SYSTEM_CHECKS))",
        PRODUCTION_ENV,
    )
    assert silenced.stdout.strip() == "0"


def test_production_logs_are_json_lines_on_stdout() -> None:
    code = (
        "import django, logging; django.setup()\n"
        "logging.getLogger('korlantas.probe').warning('hello %s', 'operator', extra={'office_id': 7})"
    )
    result = run_python(code, PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    record = json.loads(lines[-1])
    assert record["message"] == "hello operator"
    assert record["level"] == "WARNING"
    assert record["logger"] == "korlantas.probe"
    assert record["office_id"] == 7
    assert "time" in record


def test_a_malformed_pii_key_stops_the_start() -> None:
    result = run_python(LOAD_SETTINGS, {**PRODUCTION_ENV, "PII_ENCRYPTION_KEYS": "k1:dG9vLXNob3J0"})
    assert result.returncode != 0
    assert "32 bytes" in result.stderr.splitlines()[-1]


def test_the_media_store_is_configurable_for_several_machines() -> None:
    """Scale-out (docs/operations.md): uploads and documents go to the storage backend and
    options the environment names, e.g. an object store shared by every machine."""
    options = {"location": "/srv/shared/korlantas-media", "file_permissions_mode": 416}
    code = (
        "import django, json; django.setup();"
        "from django.core.files.storage import storages; store = storages['default'];"
        "print(json.dumps([type(store).__name__, str(store.location), store.file_permissions_mode]))"
    )
    env = {
        **PRODUCTION_ENV,
        "MEDIA_STORAGE_BACKEND": "django.core.files.storage.FileSystemStorage",
        "MEDIA_STORAGE_OPTIONS": json.dumps(options),
    }
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "FileSystemStorage",
        "/srv/shared/korlantas-media",
        416,
    ]


def test_media_storage_options_must_be_a_json_object() -> None:
    result = run_python(LOAD_SETTINGS, {**PRODUCTION_ENV, "MEDIA_STORAGE_OPTIONS": "[1, 2]"})
    assert result.returncode != 0
    assert "MEDIA_STORAGE_OPTIONS must be a JSON object" in result.stderr
