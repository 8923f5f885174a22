"""`make bench`: the portal under load, measured against the framework's floor.

    .venv/bin/python -m benchmarks.bench [--duration 30] [--workers 2] [--users 8]
                                         [--scenarios queue_first,review] [--drafts 300]

1. Prepares, in the benchmark database (``BENCH_DATABASE_URL``, default ``korlantas_bench``),
   what the load needs (benchmarks/fixtures.py): sessions, review targets, complete drafts.
2. Collects static files, then serves the portal with gunicorn under benchmarks.settings
   (DEBUG off, Redis cache, the portal's middleware, whitenoise) on 127.0.0.1.
3. Runs locust headless for ``--duration`` seconds per scenario (benchmarks/scenarios.py),
   sampling the RSS of every gunicorn worker, and reads locust's CSV and the query counts.
4. Writes the table between the markers of docs/benchmarks.md (``--no-write``: prints it).

Redis keys go under ``REDIS_KEY_PREFIX`` (default ``korlantas-bench``); the tasks the run
enqueues (notifications, PDFs) are deleted at the end, since no worker runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess  # nosec B404 # runs gunicorn, locust and manage.py from this checkout
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK_DIR = BASE_DIR / "var" / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/korlantas_bench"


def bench_environment(database_url: str) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DJANGO_ENV": "development",
            "DEBUG": "false",
            "BENCH_DATABASE_URL": database_url,
            "REDIS_KEY_PREFIX": os.environ.get("REDIS_KEY_PREFIX", "korlantas-bench"),
            "KORLANTAS_VAR_DIR": str(WORK_DIR / "var"),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            "PYTHONPATH": str(BASE_DIR),
        }
    )
    return environment


class RssSampler(threading.Thread):
    """Peak RSS (MiB) of any gunicorn worker, sampled every 0.2 s."""

    def __init__(self, master_pid: int) -> None:
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self.peak = 0.0
        self.running = True

    def worker_rss(self) -> list[float]:
        import psutil

        try:
            children = psutil.Process(self.master_pid).children()
        except psutil.NoSuchProcess:
            return []
        sizes = []
        for child in children:
            try:
                sizes.append(child.memory_info().rss / 2**20)
            except psutil.NoSuchProcess:
                continue
        return sizes

    def run(self) -> None:
        while self.running:
            self.peak = max([self.peak, *self.worker_rss()])
            time.sleep(0.2)


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  # nosec B310 # loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url} within {timeout:.0f} s")


def prepare(database_url: str, drafts: int, need_drafts: bool) -> dict[str, Any]:
    os.environ.update(bench_environment(database_url))
    import django

    django.setup()
    from benchmarks import fixtures

    data = fixtures.prepare_reads()
    started = time.monotonic()
    data["drafts"] = fixtures.prepare_drafts(drafts) if need_drafts else []
    data["drafts_seconds"] = round(time.monotonic() - started, 1)
    from django.db import connection

    data["applications"] = _count(connection, "applications_application")
    data["database"] = connection.settings_dict["NAME"]
    connection.close()
    return data


# What each scenario needs from the fixtures, and what to say when the data has none of it.
NEEDS = {
    "queue_service": ("service_filter", "no application in the office's queue"),
    "queue_search": ("search_references", "no application in the office's queue"),
    "review": ("review_public_ids", "no application in the office's queue"),
    "application_detail": ("detail_public_id", "the citizen's applications have no status change"),
    "verification": ("verification_tokens", "no valid issued document in the database"),
    "submit_and_pay": ("drafts", "no draft prepared (--drafts 0)"),
}


def missing_fixture(name: str, data: dict[str, Any]) -> str:
    key, reason = NEEDS.get(name, ("", ""))
    return reason if key and not data.get(key) else ""


def _count(connection: Any, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  # nosec B608 # a fixed table name
        return int(cursor.fetchone()[0])


def drop_enqueued_tasks(environment: dict[str, str]) -> None:
    import redis

    prefix = environment["REDIS_KEY_PREFIX"]
    client = redis.Redis.from_url(environment.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "30")))
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
    )
    parser.add_argument("--users", type=int, default=int(os.environ.get("BENCH_USERS", "8")))
    parser.add_argument("--scenarios", default=os.environ.get("BENCH_SCENARIOS", ""))
    parser.add_argument("--drafts", type=int, default=int(os.environ.get("BENCH_DRAFTS", "300")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8765")))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--output", type=Path, default=BASE_DIR / "docs" / "benchmarks.md")
    parser.add_argument(
        "--label", default="", help="a line about the data or machine, printed above the table"
    )
    parser.add_argument("--no-write", action="store_true", help="print the table instead of writing it")
    args = parser.parse_args(argv)

    from benchmarks import report, scenarios

    chosen = scenarios.select(args.scenarios)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    environment = bench_environment(args.database_url)
    print(f"preparing fixtures in {args.database_url.rsplit('/', 1)[-1]} …", flush=True)
    data = prepare(args.database_url, args.drafts, any(s.kind == "write" for s in chosen))
    fixtures_path = WORK_DIR / "fixtures.json"
    fixtures_path.write_text(json.dumps(data))
    print(
        f"  {data['applications']} applications; office queue {data['queue_size']}; "
        f"{len(data['drafts'])} drafts in {data['drafts_seconds']} s",
        flush=True,
    )
    subprocess.run(  # noqa: S603  # nosec B603 # fixed argv
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=environment,
        check=True,
    )
    host = f"http://127.0.0.1:{args.port}"
    log = (WORK_DIR / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603  # nosec B603 # fixed argv
        [
            str(BIN / "gunicorn"),
            "korlantas.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        ],
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    results: list[report.Result] = []
    skipped: list[str] = []
    try:
        wait_until_up(f"{host}/bench/floor/")
        for scenario in chosen:
            missing = missing_fixture(scenario.name, data)
            if missing:
                skipped.append(f"{scenario.title}: {missing}")
                print(f"skipped {scenario.name}: {missing}", flush=True)
                continue
            results.append(run_scenario(scenario, args, host, environment, fixtures_path, server.pid))
            print(report.table(results[-1:]).splitlines()[-1], flush=True)
        rss_after = max(RssSampler(server.pid).worker_rss() or [0.0])
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        drop_enqueued_tasks(environment)
    load = os.getloadavg()
    header = [
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores; "
        f"database `{data['database']}` with {data['applications']:,} applications"
        + (f" ({args.label})" if args.label else "")
        + ".",
        "",
        f"* {args.workers} gunicorn workers (sync), {args.users} locust users with no wait, "
        f"{args.duration} s per scenario; locust runs on the same machine.",
        f"* Officer's office: {data['queue_size']:,} applications in its queue; the citizen has "
        f"{data['citizen_applications']} applications, the application page shows "
        f"{data['detail_status_changes']} status changes.",
        f"* Worker RSS after the run: {rss_after:.0f} MiB (largest worker). "
        f"Load average at the end: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
        "* Latencies are locust's (rounded buckets); share of floor = req/s ÷ the floor's req/s "
        "(anonymous floor for the public page, signed-in floor for the others).",
    ]
    header += [f"* Skipped — {line}." for line in skipped]
    content = report.section(results=results, header_lines=header)
    if args.no_write:
        print(content)
    else:
        report.write_between_markers(args.output, content)
        print(f"written to {args.output}")
    return 0


def run_scenario(
    scenario: Any,
    args: argparse.Namespace,
    host: str,
    environment: dict[str, str],
    fixtures_path: Path,
    pid: int,
) -> Any:
    from benchmarks import report

    prefix = WORK_DIR / scenario.name
    queries_path = WORK_DIR / f"{scenario.name}.queries.json"
    sampler = RssSampler(pid)
    sampler.start()
    started = time.monotonic()
    with (WORK_DIR / f"{scenario.name}.locust.log").open("w") as locust_log:
        run_locust(scenario, args, host, environment, fixtures_path, prefix, queries_path, locust_log)
    elapsed = time.monotonic() - started
    sampler.running = False
    sampler.join()
    figures = report.read_locust_stats(Path(f"{prefix}_stats.csv"))
    counted: dict[str, Any] = (
        json.loads(queries_path.read_text()) if queries_path.exists() else {"queries": {}, "completed": 0}
    )
    total, requests = 0, 0
    for name, (queries, count) in counted["queries"].items():
        if "CSRF" in name:
            continue
        total, requests = total + queries, requests + count
    units, note = None, ""
    if scenario.kind == "write":
        drafts = len(json.loads(fixtures_path.read_text())["drafts"])
        units, note = write_rate(counted["completed"], drafts, figures, min(elapsed, args.duration))
    return report.Result(
        scenario=scenario,
        figures=figures,
        queries_per_request=(total / requests) if requests else None,
        peak_rss_mib=sampler.peak,
        units_per_second=units,
        note=note,
    )


def write_rate(completed: int, drafts: int, figures: Any, seconds: float) -> tuple[float, str]:
    """Complete units per second, and a note when the drafts ran out before the end.

    Locust's req/s spans its first to its last request, so when every draft was used the
    seconds they lasted are requests ÷ req/s, and the rate is taken over those seconds only
    (dividing by the whole duration would count the idle end)."""
    if completed < drafts or figures.rps <= 0 or not figures.requests:
        return completed / seconds, ""
    lasted = figures.requests / figures.rps
    return completed / lasted, (
        f"all {drafts} drafts used in about {lasted:.0f} s: complete/s is over those seconds, "
        "not sustained for the whole run"
    )


def run_locust(
    scenario: Any,
    args: argparse.Namespace,
    host: str,
    environment: dict[str, str],
    fixtures_path: Path,
    prefix: Path,
    queries_path: Path,
    log: IO[str],
) -> None:
    subprocess.run(  # noqa: S603  # nosec B603 # fixed argv
        [
            str(BIN / "locust"),
            "-f",
            str(BASE_DIR / "benchmarks" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.users),
            "--run-time",
            f"{args.duration}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "5",
            scenario.user_class,
        ],
        cwd=BASE_DIR,
        env={**environment, "BENCH_FIXTURES": str(fixtures_path), "BENCH_QUERIES_OUT": str(queries_path)},
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


if __name__ == "__main__":
    raise SystemExit(main())
