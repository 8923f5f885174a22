"""The harness itself: each run has its own database and Redis keys and cleans only those."""

from __future__ import annotations

import re

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tests.conftest import delete_own_redis_keys
from tests.utils import BASE_DIR, throwaway_redis


def test_run_has_its_own_id_database_and_prefix() -> None:
    assert re.fullmatch(r"[0-9a-f]{8}", settings.TEST_RUN_ID)
    assert settings.DATABASES["default"]["TEST"]["NAME"] == f"test_korlantas_{settings.TEST_RUN_ID}"
    assert settings.CACHES["default"]["KEY_PREFIX"] == settings.REDIS_KEY_PREFIX
    assert settings.TEST_RUN_ID in settings.REDIS_KEY_PREFIX


@pytest.mark.django_db
def test_tests_use_this_runs_database() -> None:
    assert connection.settings_dict["NAME"] == f"test_korlantas_{settings.TEST_RUN_ID}"


def test_cleanup_deletes_only_this_runs_keys() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    foreign_key = "another-run:1:rate-limit"
    try:
        existed = client.exists(foreign_key)
        if not existed:
            client.set(foreign_key, "theirs", ex=60)
        cache.set("rate-limit", "ours")
        assert delete_own_redis_keys() >= 1
        assert cache.get("rate-limit") is None
        assert client.get(foreign_key) is not None
    finally:
        if not existed:
            client.delete(foreign_key)
        client.close()


def test_throwaway_redis_is_private_and_stops() -> None:
    with throwaway_redis() as (url, process):
        assert not url.endswith(":6379/0")
        assert redis.Redis.from_url(url).ping()
    assert process.poll() is not None
    # The shared server is untouched.
    assert redis.Redis.from_url(settings.REDIS_URL).ping()


def test_requirements_are_pinned_exactly() -> None:
    for name in (
        "requirements.txt",
        "requirements-embedded.txt",
        "requirements-dev.txt",
        "requirements-bench.txt",
    ):
        for line in (BASE_DIR / name).read_text().splitlines():
            line = line.strip()
            if not line or line.startswith(("#", "-r ")):
                continue
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][^\s]*", line), f"{name}: {line}"


def test_security_floor_versions_are_pinned() -> None:
    pins = dict(
        line.split("==") for line in (BASE_DIR / "requirements.txt").read_text().splitlines() if "==" in line
    )
    django_version = tuple(int(part) for part in pins["Django"].split(".")[:3])
    assert (5, 2, 9) <= django_version < (5, 3)  # SQL-injection fixes of 5.2.6–5.2.9
    allauth_version = tuple(int(part) for part in pins["django-allauth"].split(".")[:3])
    assert allauth_version >= (65, 14, 2)
    assert "packaging" in pins  # kombu's Redis transport imports it without declaring it


@pytest.mark.parametrize(
    ("variable", "value", "service"),
    [
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:{port}/korlantas", "PostgreSQL"),
        ("REDIS_URL", "redis://127.0.0.1:{port}/0", "Redis"),
    ],
)
def test_make_test_stops_at_once_naming_an_unreachable_service(
    variable: str, value: str, service: str
) -> None:
    import subprocess
    import sys

    from tests.utils import free_port, subprocess_env

    env = subprocess_env(**{variable: value.format(port=free_port())})
    result = subprocess.run(
        [sys.executable, "scripts/check_test_services.py"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert f"{service} is not reachable" in result.stderr
    assert "start it with:" in result.stderr
