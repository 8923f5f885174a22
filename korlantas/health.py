"""Health of the services the portal depends on, for load balancers and operators.

``GET /healthz`` answers 200 when the database, the cache and the Celery broker all
answer, 503 naming what is down otherwise. It says nothing about versions, hosts or
credentials. The age of the last worker heartbeat is reported for operators but does not
fail the check: web processes stay in service while workers restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import connections

from korlantas.celery import app as celery_app
from korlantas.lib import clock

logger = logging.getLogger("korlantas.health")

HEARTBEAT_CACHE_KEY = "worker-heartbeat"
UP, DOWN = "up", "down"


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    cache.set("healthz-probe", "1", timeout=10)
    if cache.get("healthz-probe") != "1":
        raise RuntimeError("cache did not return what was stored")


def check_broker() -> None:
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=3)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            logger.warning("health check failed", extra={"check": name, "error": type(exc).__name__})
            results[name] = DOWN
        else:
            results[name] = UP
    return results


def record_heartbeat() -> None:
    cache.set(HEARTBEAT_CACHE_KEY, clock.now().timestamp(), timeout=None)


def seconds_since_heartbeat() -> int | None:
    try:
        beat = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception:  # noqa: BLE001 - the cache check reports the outage itself
        return None
    if beat is None:
        return None
    return max(0, int(clock.now().timestamp() - float(beat)))
