from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from korlantas import health
from korlantas.celery import app as celery_app
from korlantas.tasks import record_worker_heartbeat
from tests.utils import throwaway_redis


@pytest.mark.django_db
def test_all_services_up(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "up", "cache": "up", "broker": "up"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_reveals_no_versions_hosts_or_secrets(client: Client) -> None:
    text = client.get("/healthz").content.decode()
    for leak in ("redis://", "postgres", "127.0.0.1", "5.2", "version", "password", "celery"):
        assert leak not in text.lower()


@pytest.mark.django_db
def test_reports_how_long_ago_a_worker_beat(client: Client, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to("2026-11-28 09:00:00+07:00", tick=False)
    assert client.get("/healthz").json()["worker_heartbeat_seconds_ago"] is None
    record_worker_heartbeat()
    time_machine.move_to("2026-11-28 09:01:30+07:00", tick=False)
    assert client.get("/healthz").json()["worker_heartbeat_seconds_ago"] == 90


@pytest.mark.django_db
def test_broker_down_gives_503_naming_the_broker(client: Client) -> None:
    with throwaway_redis() as (url, server):
        original = celery_app.conf.broker_url
        celery_app.conf.broker_url = url
        try:
            assert client.get("/healthz").status_code == 200
            server.terminate()
            server.wait(timeout=10)
            response = client.get("/healthz")
        finally:
            celery_app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"] == {"database": "up", "cache": "up", "broker": "down"}


@pytest.mark.django_db
def test_cache_down_gives_503_naming_the_cache(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    with throwaway_redis() as (url, server):
        cache_settings = {**settings.CACHES["default"], "LOCATION": url}
        with override_settings(CACHES={"default": cache_settings}):
            caches["default"].close()
            server.terminate()
            server.wait(timeout=10)
            response = client.get("/healthz")
            caches["default"].close()
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "down"
    assert response.json()["checks"]["database"] == "up"


def test_checks_cover_database_cache_and_broker() -> None:
    assert set(health.CHECKS) == {"database", "cache", "broker"}
