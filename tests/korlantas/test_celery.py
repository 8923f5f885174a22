"""Celery: configuration that keeps tasks from being lost or run out of control, tasks
sent only after their transaction commits, and one real worker end to end."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from korlantas import health
from korlantas.celery import app as celery_app
from korlantas.tasks import record_worker_heartbeat
from tests.utils import BASE_DIR, subprocess_env, wait_until


def test_reliability_settings() -> None:
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]


def test_queues_default_pdf_and_notifications_each_with_its_own_route() -> None:
    queues = {queue.name: queue for queue in celery_app.conf.task_queues}
    assert set(queues) == {"default", "pdf", "notifications"}
    assert len({queue.routing_key for queue in queues.values()}) == 3
    router = celery_app.amqp.router
    assert router.route({}, "documents.tasks.render_document")["queue"].name == "pdf"
    assert router.route({}, "notifications.tasks.send_message")["queue"].name == "notifications"
    assert router.route({}, "korlantas.tasks.record_worker_heartbeat")["queue"].name == "default"


def test_visibility_timeout_outlasts_every_time_limit_and_schedule() -> None:
    timeout = celery_app.conf.broker_transport_options["visibility_timeout"]
    assert timeout > celery_app.conf.task_time_limit
    for task in celery_app.tasks.values():
        if task.time_limit:
            assert timeout > task.time_limit, task.name
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert float(entry["schedule"]) < timeout


def test_no_countdown_or_eta_longer_than_the_visibility_timeout() -> None:
    """A message delayed past the visibility timeout is handed out again and again."""
    import re

    pattern = re.compile(r"\b(countdown|eta)\s*=\s*([0-9_]+)")
    for path in BASE_DIR.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        for match in pattern.finditer(path.read_text()):
            assert int(match.group(2).replace("_", "")) < settings.CELERY_VISIBILITY_TIMEOUT, path


def test_keys_carry_this_runs_prefix() -> None:
    options = celery_app.conf.broker_transport_options
    assert options["global_keyprefix"] == f"{settings.REDIS_KEY_PREFIX}:"
    assert settings.TEST_RUN_ID in settings.REDIS_KEY_PREFIX


@pytest.mark.django_db
def test_task_is_sent_only_when_the_transaction_commits(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with mock.patch.object(record_worker_heartbeat, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True) as rolled_back:
            try:
                with transaction.atomic():
                    record_worker_heartbeat.delay_on_commit()
                    raise RuntimeError("roll back")
            except RuntimeError:
                pass
        assert rolled_back == []
        send.assert_not_called()
        with django_capture_on_commit_callbacks(execute=True) as committed, transaction.atomic():
            record_worker_heartbeat.delay_on_commit()
        assert len(committed) == 1
        send.assert_called_once()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_end_to_end(tmp_path: Path) -> None:
    """A worker process on a uniquely named queue, against the real Redis broker."""
    # The test profile runs tasks in-process; this test sends a real message instead.
    celery_app.conf.task_always_eager = False
    try:
        _run_worker_round_trip(tmp_path)
    finally:
        celery_app.conf.task_always_eager = True


def _run_worker_round_trip(tmp_path: Path) -> None:
    queue = f"it-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "worker.log"
    log_file = log_path.open("w")
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "korlantas", "worker", "--queues", queue,
            "--pool", "solo", "--concurrency", "1", "--without-mingle", "--without-gossip",
            "--loglevel", "INFO", "--hostname", f"{queue}@%h",
        ],
        cwd=BASE_DIR,
        env=subprocess_env(DJANGO_SETTINGS_MODULE="tests.settings"),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        cache.delete(health.HEARTBEAT_CACHE_KEY)
        with transaction.atomic():
            transaction.on_commit(lambda: record_worker_heartbeat.apply_async(queue=queue))
            # Nothing is sent before the commit.
            assert _queued_messages(queue) == 0
        wait_until(
            lambda: cache.get(health.HEARTBEAT_CACHE_KEY) is not None,
            timeout=60,
            message="the worker to run the task",
        )
        assert health.seconds_since_heartbeat() is not None
        assert _queued_messages(queue) == 0
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log_file.close()
    output = log_path.read_text()
    assert "record_worker_heartbeat" in output
    assert "succeeded" in output


def _queued_messages(queue: str) -> int:
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return int(client.llen(f"{settings.REDIS_KEY_PREFIX}:{queue}"))
    finally:
        client.close()
