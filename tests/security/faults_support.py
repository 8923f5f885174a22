"""Helpers of the fault tests (tests/security/test_faults_*.py): a broker that can be stopped and
started again on the same port, the test process's Celery app pointed at it, and a stand-in worker
that runs exactly the messages the broker holds.

Every service here is started by the test itself on a free loopback port; the machine's shared
Redis and PostgreSQL are never stopped, flushed or reconfigured.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import redis
from django.conf import settings
from kombu import pools as kombu_pools

from korlantas.celery import app as celery_app
from tests.utils import free_port, wait_until


@dataclass
class Broker:
    """A private redis-server on a fixed free port: ``stop()`` is the outage, ``start()`` the
    return (same port, empty: a Redis without persistence loses what it held)."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, timeout=10, message="the throwaway redis-server")
        _reset_connections()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        _reset_connections()

    def answers(self) -> bool:
        try:
            client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def queued(self, queue: str) -> list[dict[str, Any]]:
        """The messages waiting in ``queue`` (kombu keeps a list per queue, behind this run's
        key prefix), oldest first, without taking them."""
        client = self.client()
        try:
            raw = client.lrange(_queue_key(queue), 0, -1)
        finally:
            client.close()
        # kombu pushes on the left and pops on the right: the oldest is last.
        return [json.loads(item) for item in reversed(raw)]

    def unacked(self) -> int:
        """Messages handed to a worker and not acknowledged yet (kombu's ``unacked`` hash)."""
        client = self.client()
        try:
            return int(client.hlen(f"{settings.REDIS_KEY_PREFIX}:unacked"))
        finally:
            client.close()


def _queue_key(queue: str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}:{queue}"


def _reset_connections() -> None:
    """Forget the broker connections pooled in this process (they point at a server that is gone
    or was restarted): kombu's pool registry, and the app's references to its pools."""
    kombu_pools.reset()
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def celery_sending_to(broker: Broker) -> Iterator[None]:
    """Tasks sent by this process go to ``broker`` as real messages (the test profile runs
    them in-process otherwise; see korlantas/settings.py and tests/korlantas/test_celery.py)."""
    conf = celery_app.conf
    original = (conf.broker_url, conf.task_always_eager)
    _reset_connections()
    conf.broker_url = broker.url
    conf.task_always_eager = False
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = original
        _reset_connections()


@dataclass(frozen=True)
class Sent:
    task: str
    args: list[Any]
    kwargs: dict[str, Any]


def decode(message: dict[str, Any]) -> Sent:
    """A Celery protocol 2 message as kombu's Redis transport stores it."""
    body = message["body"]
    if message["properties"].get("body_encoding") == "base64":
        body = base64.b64decode(body)
    args, kwargs, _embed = json.loads(body)
    return Sent(task=message["headers"]["task"], args=args, kwargs=kwargs)


def drain(broker: Broker, queue: str) -> list[Sent]:
    """Be the worker for one pass: take every message ``queue`` holds and run its task in this
    process (as ``apply`` does: no broker involved). Returns what ran, in order."""
    client = broker.client()
    ran: list[Sent] = []
    try:
        while (raw := client.rpop(_queue_key(queue))) is not None:
            sent = decode(json.loads(raw))
            celery_app.tasks[sent.task].apply(args=sent.args, kwargs=sent.kwargs, throw=True)
            ran.append(sent)
    finally:
        client.close()
    return ran
