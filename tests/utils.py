"""Helpers shared by tests: free ports, throwaway services, Jakarta dates."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import redis

JAKARTA = ZoneInfo("Asia/Jakarta")
BASE_DIR = Path(__file__).resolve().parent.parent


def jakarta(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An aware moment on a Jakarta wall clock — what time-machine tests travel to."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate, timeout: float, interval: float = 0.2, message: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


@contextmanager
def throwaway_redis() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A private redis-server on a free port, for tests that need Redis to fail.

    The machine's shared Redis is never stopped by a test; this one is.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"

    def answers() -> bool:
        try:
            return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    try:
        wait_until(answers, timeout=10, message="throwaway redis-server")
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def subprocess_env(**overrides: str) -> dict[str, str]:
    """The environment for a child Python process of this test run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))}
    env.update(overrides)
    return env


def in_thread(target, results: dict, key: str):  # type: ignore[no-untyped-def]
    """Run ``target`` in a thread with its own database connection; its result or
    exception lands in ``results[key]``."""
    import threading

    from django.db import connection

    def run() -> None:
        try:
            results[key] = target()
        except Exception as exc:  # noqa: BLE001 - reported to the main thread
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_for_a_lock_wait(what: str, timeout: float = 10.0) -> None:
    """Return once some session of this test database waits for a lock (pg_locks)."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"{what} never waited for the row lock")
