"""The portal under test for the browser journeys: real processes with the ``e2e`` profile.

``LivePortal`` owns, for one pytest session:

* a PostgreSQL database of its own, named after the test run's database plus ``_e2e``, created
  on the machine's server, migrated and seeded (reference data and demo accounts) with
  ``manage.py migrate`` and ``manage.py seed``, dropped at the end;
* a Redis key prefix of its own on the machine's Redis (``korlantas-e2e-<run id>``), whose keys
  are deleted at the end;
* a var dir in a temporary folder: mail and SMS land in ``var/mail`` and ``var/sms`` as files
  (the e2e profile's backends), uploads and rendered documents in ``var/media``;
* the web server (``manage.py runserver --noreload``, as ``make run`` serves it) on a free port
  and a Celery worker for the three queues, both with ``DJANGO_ENV=e2e``; beat only on request.

``restart(clock_offset_seconds=…)`` stops both processes and starts them again with the e2e
clock moved forward (``CLOCK_OFFSET_SECONDS`` is read once, at start).

Nothing here touches the machine's services beyond its own database and keys.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import hmac
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import IO
from urllib.parse import quote

import redis

from tests.utils import BASE_DIR, free_port, subprocess_env, wait_until

QUEUES = "default,pdf,notifications"
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def _database_url(params: dict, name: str) -> str:
    """A postgres:// URL for database ``name`` with the connection details of ``params``."""
    user = quote(params.get("USER") or "", safe="")
    password = params.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = params.get("HOST") or "127.0.0.1"
    # A Unix socket directory is a path: percent-encoded, as settings.py expects it.
    host = quote(host, safe="") if host.startswith("/") else host
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{name}"


def _fetch(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the process group this process leads (its children too), then SIGKILL."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        # Children the worker forked (prefork pool) are in the same group: make sure none is left.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.log_file.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class LivePortal:
    """One live portal for the whole session; see the module docstring."""

    root: Path
    database_params: dict
    database_name: str
    redis_url: str
    redis_key_prefix: str
    port: int = field(default_factory=free_port)
    clock_offset_seconds: int = 0
    beat: bool = False
    processes: list[Process] = field(default_factory=list)
    generation: int = 0

    # --- where things are ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def var_dir(self) -> Path:
        return self.root / "var"

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def sms_dir(self) -> Path:
        return self.var_dir / "sms"

    @property
    def template_log(self) -> Path:
        """The names of the templates the portal's processes rendered, one a line."""
        return self.root / "templates-rendered.txt"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def database_url(self) -> str:
        return _database_url(self.database_params, self.database_name)

    def env(self) -> dict[str, str]:
        env = subprocess_env(
            DJANGO_ENV="e2e",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            REDIS_KEY_PREFIX=self.redis_key_prefix,
            KORLANTAS_VAR_DIR=str(self.var_dir),
            PORTAL_HOST=f"127.0.0.1:{self.port}",
            CLOCK_OFFSET_SECONDS=str(self.clock_offset_seconds),
            # The portal's own log lines, not Python's buffering, decide what the log file shows.
            PYTHONUNBUFFERED="1",
            # Each template rendered is named in a file (tests/e2e/instrument/sitecustomize.py).
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(BASE_DIR / "tests" / "e2e" / "instrument"), os.environ.get("PYTHONPATH")])
            ),
            KORLANTAS_E2E_TEMPLATE_LOG=str(self.template_log),
        )
        # The e2e portal is not part of the pytest run's database and key naming.
        env.pop("KORLANTAS_TEST_RUN_ID", None)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        return env

    # --- the database ----------------------------------------------------------------------

    def _admin_connection(self):  # type: ignore[no-untyped-def]
        import psycopg2

        params = self.database_params
        connection = psycopg2.connect(
            dbname="postgres",
            user=params.get("USER") or None,
            password=params.get("PASSWORD") or None,
            host=params.get("HOST") or None,
            port=params.get("PORT") or None,
            connect_timeout=5,
        )
        connection.autocommit = True
        return connection

    def create_database(self) -> None:
        from psycopg2 import sql

        connection = self._admin_connection()
        try:
            with connection.cursor() as cursor:
                name = sql.Identifier(self.database_name)
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
        finally:
            connection.close()

    def drop_database(self) -> None:
        from psycopg2 import sql

        connection = self._admin_connection()
        try:
            with connection.cursor() as cursor:
                name = sql.Identifier(self.database_name)
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        finally:
            connection.close()

    def manage(self, *args: str, timeout: float = 300) -> str:
        """Run ``manage.py`` with the portal's environment; its output, or an error that shows it."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    # --- Redis -----------------------------------------------------------------------------

    def delete_redis_keys(self) -> None:
        client = redis.Redis.from_url(self.redis_url)
        try:
            keys = list(client.scan_iter(match=f"{self.redis_key_prefix}:*", count=500))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
        finally:
            client.close()

    # --- the processes ---------------------------------------------------------------------

    def _spawn(self, name: str, command: list[str]) -> Process:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}-{self.generation}.log"
        log_file = log_path.open("wb")
        popen = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # Its own process group: stop() ends the worker's pool children with it.
            start_new_session=True,
        )
        process = Process(name, popen, log_path, log_file)
        self.processes.append(process)
        return process

    def start(self) -> None:
        for sub in ("mail", "sms", "media"):
            (self.var_dir / sub).mkdir(parents=True, exist_ok=True)
        self.generation += 1
        worker_command = [
            sys.executable, "-m", "celery", "-A", "korlantas", "worker", "--queues", QUEUES,
            "--concurrency", "1", "--without-mingle", "--without-gossip", "--loglevel", "INFO",
            "--hostname", f"e2e-{self.port}@%h",
        ]  # fmt: skip
        if self.beat:
            worker_command += ["--beat", "--schedule", str(self.root / "celerybeat-schedule")]
        worker = self._spawn("worker", worker_command)
        web = self._spawn(
            "web", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"]
        )

        def still_running() -> None:
            for process in (web, worker):
                if process.popen.poll() is not None:
                    raise RuntimeError(
                        f"the e2e {process.name} exited with status {process.popen.returncode}:\n"
                        f"{process.log_tail()}"
                    )

        def healthy() -> bool:
            still_running()
            try:
                status, body = _fetch(self.url("/healthz"), timeout=3)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return False
            return status == 200 and json.loads(body)["status"] == "ok"

        wait_until(healthy, timeout=120, interval=0.3, message=f"the e2e web server ({web.log_path})")
        # The worker takes tasks once it says so; journeys wait for their results anyway, but a
        # worker that cannot start should fail here, with its log, not as a missing e-mail later.
        wait_until(
            lambda: still_running() or "ready." in worker.log_path.read_text(errors="replace"),
            timeout=120,
            interval=0.3,
            message=f"the e2e Celery worker ({worker.log_path})",
        )

    def stop(self) -> None:
        while self.processes:
            self.processes.pop().stop()

    def restart(self, *, clock_offset_seconds: int | None = None, beat: bool | None = None) -> None:
        """Stop the web server and the worker and start them again, the clock moved if asked.

        ``CLOCK_OFFSET_SECONDS`` is read when a process starts, so moving the clock is a restart.
        The database, the var dir and the browsers' sessions are kept (sessions are in the
        database; an offset past the 30-minute idle limit signs everybody out).
        """
        if clock_offset_seconds is not None:
            if clock_offset_seconds < 0:
                raise ValueError("the e2e clock moves forward only")
            self.clock_offset_seconds = clock_offset_seconds
        if beat is not None:
            self.beat = beat
        self.stop()
        self.start()

    def advance_clock(self, seconds: int) -> None:
        """Move the portal's clock ``seconds`` further forward (a restart), for good."""
        self.restart(clock_offset_seconds=self.clock_offset_seconds + seconds)

    @contextlib.contextmanager
    def clock_moved(self, seconds: int) -> Iterator[None]:
        """The portal's clock ``seconds`` further forward inside the block, back afterwards.

        Two restarts. What the portal wrote meanwhile keeps its (future) timestamps, so a journey
        that moves time should only read afterwards what it made itself.
        """
        before = self.clock_offset_seconds
        self.restart(clock_offset_seconds=before + seconds)
        try:
            yield
        finally:
            self.restart(clock_offset_seconds=before)

    def logs(self) -> dict[str, Path]:
        return {path.stem: path for path in sorted(self.log_dir.glob("*.log"))}

    # --- mail and SMS ----------------------------------------------------------------------

    def mails(self) -> list[EmailMessage]:
        """Every e-mail the portal wrote, oldest first (one file per connection, possibly several
        messages in it, separated as Django's file backend writes them)."""
        messages: list[EmailMessage] = []
        files = sorted(self.mail_dir.glob("*.log"), key=lambda path: (path.stat().st_mtime_ns, path.name))
        for path in files:
            for chunk in path.read_bytes().split(MAIL_SEPARATOR):
                if chunk.strip():
                    message = email.message_from_bytes(chunk.strip(b"\n"), policy=email.policy.default)
                    messages.append(message)  # type: ignore[arg-type]
        return messages

    def sms(self) -> list[dict[str, str]]:
        """Every SMS the portal wrote, oldest first: ``{"to", "key", "body"}``."""
        found = []
        files = sorted(self.sms_dir.glob("*.txt"), key=lambda path: (path.stat().st_mtime_ns, path.name))
        for path in files:
            head, _, body = path.read_text().partition("\n\n")
            fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
            found.append({"to": fields.get("To", ""), "key": fields.get("Key", ""), "body": body.strip()})
        return found

    def wait_for_mail(self, to: str, *, since: int = 0, timeout: float = 60) -> EmailMessage:
        """The newest e-mail to ``to`` among those written after the first ``since``."""
        found: list[EmailMessage] = []

        def arrived() -> bool:
            found[:] = [m for m in self.mails()[since:] if to.lower() in str(m["To"]).lower()]
            return bool(found)

        wait_until(arrived, timeout=timeout, interval=0.3, message=f"an e-mail to {to} in {self.mail_dir}")
        return found[-1]

    def wait_for_sms(self, to: str, *, since: int = 0, timeout: float = 60) -> dict[str, str]:
        """The newest SMS to ``to`` (a number as the portal writes it, e.g. +62812…) after ``since``."""
        found: list[dict[str, str]] = []

        def arrived() -> bool:
            found[:] = [m for m in self.sms()[since:] if m["to"] == to]
            return bool(found)

        wait_until(arrived, timeout=timeout, interval=0.3, message=f"an SMS to {to} in {self.sms_dir}")
        return found[-1]


def mail_text(message: EmailMessage) -> str:
    """The plain-text body of an e-mail."""
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"')]+", text)


# --- staff second factor ------------------------------------------------------------------------

TOTP_PERIOD = 30
_last_window: dict[str, int] = {}


def totp_code(secret: str, at: float | None = None) -> str:
    """The RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret at a moment (now by default)."""
    counter = int(time.time() if at is None else at) // TOTP_PERIOD
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.digest(key, struct.pack(">Q", counter), "sha1")
    offset = digest[-1] & 0x0F
    value = (int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def fresh_totp_code(email_address: str) -> str:
    """A code for a demo staff account that this session has not used yet.

    A code is accepted once (allauth remembers it for its 30 s window), so a second sign-in of
    the same account in the same window waits for the next one. A code with less than 3 s left
    is skipped too: it could expire between typing and checking.
    """
    from accounts.demo import demo_totp_secret

    while True:
        now = time.time()
        window = int(now) // TOTP_PERIOD
        left = TOTP_PERIOD - (now % TOTP_PERIOD)
        if _last_window.get(email_address) != window and left > 3:
            _last_window[email_address] = window
            return totp_code(demo_totp_secret(email_address), at=now)
        time.sleep(left + 0.05)


@contextlib.contextmanager
def live_portal_for(
    root: Path, database_params: dict, database_name: str, redis_url: str, prefix: str
) -> Iterator[LivePortal]:
    """Create, migrate and seed the database, start the processes; undo everything at the end."""
    portal = LivePortal(
        root=root,
        database_params=database_params,
        database_name=database_name,
        redis_url=redis_url,
        redis_key_prefix=prefix,
    )
    portal.create_database()
    try:
        portal.manage("migrate", "--noinput", "-v", "0")
        (root / "seed.txt").write_text(portal.manage("seed"))
        portal.start()
        yield portal
    finally:
        portal.stop()
        portal.drop_database()
        portal.delete_redis_keys()
