"""Harness for the whole suite.

* Database: pytest-django creates ``test_korlantas_<run id>`` on the real PostgreSQL
  (tests/settings.py gives every run its own id), so runs side by side never meet.
* Redis: every key this run writes starts with ``settings.REDIS_KEY_PREFIX`` (cache
  KEY_PREFIX and kombu's global_keyprefix). After each test, and at the end of the run,
  the run deletes its own keys — never FLUSHDB on a server others use.
* Hypothesis: the ``ci`` profile (derandomised, bounded) under CI=true, ``dev`` otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.security import exposure

hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile("dev", max_examples=40, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


def delete_own_redis_keys() -> int:
    client = redis.Redis.from_url(settings.REDIS_URL)
    deleted = 0
    try:
        batch = []
        for key in client.scan_iter(match=f"{settings.REDIS_KEY_PREFIX}:*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                deleted += client.delete(*batch)
                batch = []
        if batch:
            deleted += client.delete(*batch)
    finally:
        client.close()
    return deleted


@pytest.fixture(autouse=True)
def _isolated_redis_keys() -> Iterator[None]:
    """Rate limits, single-use keys and cached values never leak from one test to the next."""
    yield
    delete_own_redis_keys()


@pytest.fixture(autouse=True)
def _seeded_fee_schedule(request: pytest.FixtureRequest) -> None:
    """Data migrations seed the fee schedule, but a ``transaction=True`` test flushes every
    table when it ends: the next database test gets the seed back (payments' migration 0002)."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("django_db_setup")
    from payments.testing import ensure_seed_schedule

    if request.node.get_closest_marker("django_db").kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
    else:
        request.getfixturevalue("db")
    ensure_seed_schedule()


def pytest_configure(config: pytest.Config) -> None:
    """Least exposure: the whole run's logs and task arguments are scanned for secrets at the end
    (tests/security/exposure.py; ``KORLANTAS_SKIP_EXPOSURE_SCAN=1`` skips it)."""
    exposure.register(config)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    delete_own_redis_keys()
