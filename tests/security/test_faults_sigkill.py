"""A worker killed with SIGKILL mid-task leaves its task completed exactly once (SECURITY.md §4.3,
§8 item 9), and no delay the code asks of the broker outlasts the visibility timeout.

Real processes: a private redis-server on a free port (the broker) and ``celery worker``
processes started by the test with the project's Celery settings (acks_late,
reject_on_worker_lost, prefetch 1), loading ``tests/security/fault_tasks.py`` for a task that
records its starts, sleeps, then writes one idempotent effect. Only the visibility timeout is
shortened (5 s), so a message held by a dead worker comes back within the test.
"""

from __future__ import annotations

import ast
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from korlantas.celery import app as celery_app
from tests.security.faults_support import Broker, celery_sending_to
from tests.utils import BASE_DIR, subprocess_env, wait_until

TASK_NAME = "tests.security.fault_tasks.slow_effect"  # fault_tasks is the worker's module only
VISIBILITY_TIMEOUT = 4
TASK_SECONDS = 2.5  # below the visibility timeout: a live worker's message is never handed out twice


@pytest.fixture
def effects_tables(transactional_db: None) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE fault_task_starts (id bigserial PRIMARY KEY, key text NOT NULL, pid int NOT NULL)"
        )
        cursor.execute(
            "CREATE TABLE fault_task_effects (key text PRIMARY KEY, completions int NOT NULL DEFAULT 0)"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE fault_task_starts, fault_task_effects")


@pytest.fixture
def broker() -> Iterator[Broker]:
    server = Broker()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _starts(key: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM fault_task_starts WHERE key = %s ORDER BY id", [key])
        return [row[0] for row in cursor.fetchall()]


def _effects(key: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT completions FROM fault_task_effects WHERE key = %s", [key])
        return [row[0] for row in cursor.fetchall()]


class Worker:
    def __init__(self, broker: Broker, queue: str, name: str, pool: str, log_dir: Path) -> None:
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "tests.security.fault_tasks", "worker",
                "--queues", queue, "--pool", pool, "--concurrency", "1", "--without-mingle",
                "--without-gossip", "--without-heartbeat", "--loglevel", "INFO",
                "--hostname", f"{name}@%h",
            ],
            cwd=BASE_DIR,
            env=subprocess_env(
                DJANGO_SETTINGS_MODULE="tests.settings",
                CELERY_BROKER_URL=broker.url,
                KORLANTAS_FAULT_DATABASE=str(connection.settings_dict["NAME"]),
                KORLANTAS_FAULT_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            ),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # Its own process group: SIGKILL to the group takes the pool's children too.
            start_new_session=True,
        )  # fmt: skip

    def kill_everything(self) -> None:
        """SIGKILL to the main process and its pool children at once (an OOM kill, a power cut)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """The test is over and its broker is thrown away: no need for a warm shutdown."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def output(self) -> str:
        return self.log_path.read_text()


def _send(broker: Broker, queue: str, key: str) -> None:
    with celery_sending_to(broker):
        celery_app.send_task(TASK_NAME, args=[key, TASK_SECONDS], queue=queue)


@pytest.mark.slow
def test_a_pool_child_killed_mid_task_is_rerun_and_completes_once(
    effects_tables: None, broker: Broker, tmp_path: Path
) -> None:
    """SIGKILL to the child running the task: the worker sees it lost and, with
    ``task_reject_on_worker_lost``, puts the message back at once; a new child completes it."""
    queue, key = f"fault-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    worker = Worker(broker, queue, f"{queue}-a", "prefork", tmp_path)
    try:
        _send(broker, queue, key)
        wait_until(lambda: len(_starts(key)) == 1, timeout=60, message="the task to start")
        (child,) = _starts(key)
        assert child != worker.process.pid  # the task runs in a pool child
        os.kill(child, signal.SIGKILL)

        wait_until(lambda: _effects(key) != [], timeout=30, message="the task to run again and complete")
        assert len(_starts(key)) == 2
        assert _effects(key) == [1]
        assert broker.queued(queue) == []
        wait_until(lambda: broker.unacked() == 0, timeout=10, message="the acknowledgement")
    finally:
        worker.stop()
    assert "WorkerLostError" in worker.output()


@pytest.mark.slow
def test_a_whole_worker_killed_mid_task_leaves_it_to_the_next_worker_once(
    effects_tables: None, broker: Broker, tmp_path: Path
) -> None:
    """SIGKILL to the worker and its children together: nobody is left to put the message back.
    It waits, unacknowledged, in Redis; once the visibility timeout has passed the next worker
    takes it and completes it, once."""
    queue, key = f"fault-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    first = Worker(broker, queue, f"{queue}-a", "prefork", tmp_path)
    try:
        _send(broker, queue, key)
        wait_until(lambda: len(_starts(key)) == 1, timeout=60, message="the task to start")
        killed_at = time.monotonic()
        first.kill_everything()
    finally:
        first.stop()
    time.sleep(TASK_SECONDS + 0.5)
    assert _effects(key) == []  # the killed run never reached its effect
    # The message is neither lost nor back in the queue yet: it waits, unacknowledged.
    assert broker.queued(queue) == []
    assert broker.unacked() == 1

    second = Worker(broker, queue, f"{queue}-b", "prefork", tmp_path)
    try:
        wait_until(lambda: _effects(key) != [], timeout=45, message="the next worker to complete the task")
        assert time.monotonic() - killed_at >= VISIBILITY_TIMEOUT
        assert len(_starts(key)) == 2
        assert _effects(key) == [1]
        # Acknowledged once done: a whole visibility timeout later, nobody has run it again.
        time.sleep(VISIBILITY_TIMEOUT + 1.5)
        assert len(_starts(key)) == 2
        assert _effects(key) == [1]
    finally:
        second.stop()


# --- static checks: no delay outlasts the visibility timeout --------------------------------------


def _product_sources() -> Iterator[Path]:
    for path in BASE_DIR.glob("*/**/*.py"):
        if {".venv", "tests", "node_modules", "var"} & set(path.relative_to(BASE_DIR).parts):
            continue
        yield path


def test_every_countdown_and_eta_in_the_code_is_a_literal_below_the_visibility_timeout() -> None:
    """An AST walk (not a pattern): a ``countdown=``/``eta=`` keyword anywhere in product code must
    be a number below ``CELERY_VISIBILITY_TIMEOUT`` seconds; a computed value (a variable, an
    expression, a datetime for ``eta``) cannot be checked here and is refused, so it is reviewed and
    bounded in code first. tests/korlantas/test_celery.py has the regex check of literals; this one
    also catches ``countdown=DELAY`` or ``apply_async(..., eta=...)``."""
    offending = []
    for path in _product_sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg not in ("countdown", "eta"):
                    continue
                value = keyword.value
                literal = isinstance(value, ast.Constant) and isinstance(value.value, int | float)
                if keyword.arg == "eta" or not literal:
                    offending.append(f"{path.relative_to(BASE_DIR)}:{node.lineno} {keyword.arg}")
                elif float(value.value) >= settings.CELERY_VISIBILITY_TIMEOUT:  # type: ignore[attr-defined]
                    offending.append(f"{path.relative_to(BASE_DIR)}:{node.lineno} countdown too long")
    assert offending == []


def test_every_retry_delay_and_time_limit_stays_below_the_visibility_timeout() -> None:
    """Automatic retries are countdowns too: the longest backoff, the default retry delay and
    the hard time limit of every registered task stay below the visibility timeout, and the
    broker and result backend share it (Celery's advice when changing it)."""
    celery_app.loader.import_default_modules()
    timeout = celery_app.conf.broker_transport_options["visibility_timeout"]
    assert timeout == settings.CELERY_VISIBILITY_TIMEOUT
    assert celery_app.conf.task_acks_late
    assert celery_app.conf.task_reject_on_worker_lost
    for task in celery_app.tasks.values():
        if task.name.startswith("celery."):
            continue
        delays = [task.default_retry_delay or 0, task.time_limit or celery_app.conf.task_time_limit]
        if getattr(task, "retry_backoff", False):
            delays.append(getattr(task, "retry_backoff_max", None) or 600)  # Celery's default cap is 600 s
        assert max(delays) < timeout, task.name
