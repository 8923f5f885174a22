"""Stop `make test` at once, with the fix, when PostgreSQL or Redis cannot be reached."""

from __future__ import annotations

import os
import sys

import environ
import psycopg2
import redis

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/korlantas")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": (
        "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no "
        "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
    ),
}


def check_postgres() -> str | None:
    config = environ.Env.db_url_config(DATABASE_URL)
    try:
        # Connect to the maintenance database: the test database does not exist yet.
        psycopg2.connect(
            dbname="postgres",
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            connect_timeout=3,
        ).close()
    except psycopg2.OperationalError as exc:
        return str(exc).strip().splitlines()[0]
    return None


def check_redis() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return str(exc)
    return None


def main() -> int:
    failed = False
    for name, url, check in (
        ("PostgreSQL", DATABASE_URL, check_postgres),
        ("Redis", REDIS_URL, check_redis),
    ):
        error = check()
        if error:
            failed = True
            shown = url.split("@")[-1]
            print(f"{name} is not reachable at {shown}: {error}", file=sys.stderr)
            print(f"  start it with: {HOW_TO_START[name]}", file=sys.stderr)
            env_name = "DATABASE_URL" if name == "PostgreSQL" else "REDIS_URL"
            print(f"  or point {env_name} at a running {name}.", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
