"""`make bench`: the portal under load, measured against the framework's floor.

    .venv/bin/python -m benchmarks.bench [--duration 30] [--write-duration 60] [--workers 2]
                                         [--users 8] [--latency-users 2] [--latency-duration 15]
                                         [--scenarios queue_first,review] [--drafts 3000]
    .venv/bin/python -m benchmarks.bench --growth     # `make bench-growth`

1. Prepares, in the benchmark database (``BENCH_DATABASE_URL``, default ``korlantas_bench``),
   what the load needs (benchmarks/fixtures.py): sessions, review targets, and complete drafts
   in bulk (one made by the services, the others copies of its rows).
2. Collects static files, then serves the portal with gunicorn under benchmarks.settings
   (DEBUG off, Redis cache, the portal's middleware, whitenoise) on 127.0.0.1.
3. Runs locust headless per scenario (benchmarks/scenarios.py), sampling the RSS of every
   gunicorn worker: each read scenario twice, ``--users`` for ``--duration`` seconds (at
   saturation: throughput) then ``--latency-users`` (default: one per worker) for
   ``--latency-duration`` (unqueued: latency); the submission for ``--write-duration``. The
   mixed profile runs last on a second server with the real rate limits and one trusted proxy.
4. Writes the tables between the markers of docs/benchmarks.md (``--no-write``: prints them).

``--growth`` instead compares the queue pages on ``--small-database-url`` (10,000
applications, made by ``make bench-data`` if missing) and ``--database-url``: the mean CPU ms
of single requests (benchmarks/single_request.py) and locust's unqueued p50, and writes their
ratio between the growth markers.

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


def prepare(database_url: str, drafts: int, mixed_drafts: int) -> dict[str, Any]:
    os.environ.update(bench_environment(database_url))
    import django

    django.setup()
    from benchmarks import fixtures

    data = fixtures.prepare_reads()
    started = time.monotonic()
    data["drafts"] = fixtures.prepare_drafts(drafts)
    data["mixed_drafts"] = fixtures.prepare_drafts(mixed_drafts, without=(fixtures.UPLOADED_IN_LOAD,))
    data["drafts_seconds"] = round(time.monotonic() - started, 1)
    photo = WORK_DIR / "photo.jpg"
    photo.write_bytes(fixtures._jpeg())
    data["photo_path"] = str(photo)
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
    "mixed_profile": ("mixed_drafts", "no draft prepared (--mixed-drafts 0)"),
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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    def number(name: str, default: str) -> int:
        return int(os.environ.get(name, default))

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=number("BENCH_DURATION", "30"))
    parser.add_argument(
        "--write-duration",
        type=int,
        default=number("BENCH_WRITE_DURATION", "60"),
        help="seconds of the submission and mixed scenarios",
    )
    parser.add_argument("--workers", type=int, default=number("BENCH_WORKERS", str(os.cpu_count() or 2)))
    parser.add_argument("--users", type=int, default=number("BENCH_USERS", "8"))
    parser.add_argument(
        "--latency-users",
        type=int,
        default=number("BENCH_LATENCY_USERS", "0"),
        help="users of the unqueued pass of each read scenario (default: --workers; 0: no such pass)",
    )
    parser.add_argument("--latency-duration", type=int, default=number("BENCH_LATENCY_DURATION", "15"))
    parser.add_argument("--scenarios", default=os.environ.get("BENCH_SCENARIOS", ""))
    parser.add_argument("--drafts", type=int, default=number("BENCH_DRAFTS", "3000"))
    parser.add_argument("--mixed-drafts", type=int, default=number("BENCH_MIXED_DRAFTS", "1500"))
    parser.add_argument("--port", type=int, default=number("BENCH_PORT", "8765"))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--output", type=Path, default=BASE_DIR / "docs" / "benchmarks.md")
    parser.add_argument(
        "--label", default="", help="a line about the data or machine, printed above the table"
    )
    parser.add_argument("--no-write", action="store_true", help="print the table instead of writing it")
    parser.add_argument(
        "--growth",
        action="store_true",
        help="compare the queue pages on --small-database-url and --database-url instead",
    )
    parser.add_argument(
        "--small-database-url", default=os.environ.get("BENCH_SMALL_DATABASE_URL", SMALL_DATABASE_URL)
    )
    parser.add_argument("--small-size", type=int, default=number("BENCH_SMALL_SIZE", "10000"))
    parser.add_argument("--single-requests", type=int, default=number("BENCH_SINGLE_REQUESTS", "100"))
    parser.add_argument("--probe", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not os.environ.get("BENCH_LATENCY_USERS") and args.latency_users == 0:
        args.latency_users = args.workers
    return args


SMALL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/korlantas_bench_10k"


class Server:
    """gunicorn under benchmarks.settings on 127.0.0.1 (``overrides``: extra environment)."""

    def __init__(self, args: argparse.Namespace, environment: dict[str, str], name: str) -> None:
        self.host = f"http://127.0.0.1:{args.port}"
        self.log = (WORK_DIR / f"gunicorn.{name}.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603  # nosec B603 # fixed argv
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
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"{self.host}/bench/floor/")
        except BaseException:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.log.close()
            raise

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> float:
        """Stops the server; returns the largest worker's RSS (MiB) just before."""
        rss = max(RssSampler(self.pid).worker_rss() or [0.0])
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
        return rss


def collect_static(environment: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603  # nosec B603 # fixed argv
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=environment,
        check=True,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.probe:
        return probe(args)
    if args.growth:
        return growth(args)
    from benchmarks import report, scenarios

    chosen = scenarios.select(args.scenarios)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    environment = bench_environment(args.database_url)
    print(f"preparing fixtures in {args.database_url.rsplit('/', 1)[-1]} …", flush=True)
    kinds = {s.kind for s in chosen}
    data = prepare(
        args.database_url,
        args.drafts if "write" in kinds else 0,
        args.mixed_drafts if "mixed" in kinds else 0,
    )
    fixtures_path = WORK_DIR / "fixtures.json"
    fixtures_path.write_text(json.dumps(data))
    print(
        f"  {data['applications']} applications; office queue {data['queue_size']}; "
        f"{len(data['drafts'])} + {len(data['mixed_drafts'])} drafts in {data['drafts_seconds']} s",
        flush=True,
    )
    collect_static(environment)
    results: list[report.Result] = []
    skipped: list[str] = []
    rss_after = 0.0
    # The mixed profile runs last, on a server of its own with the real rate limits.
    for group, overrides in (
        ([s for s in chosen if s.kind != "mixed"], {}),
        (
            [s for s in chosen if s.kind == "mixed"],
            {"BENCH_RATE_LIMIT_FACTOR": "1", "BENCH_TRUSTED_PROXY_COUNT": "1"},
        ),
    ):
        runnable = []
        for scenario in group:
            missing = missing_fixture(scenario.name, data)
            if missing:
                skipped.append(f"{scenario.title}: {missing}")
                print(f"skipped {scenario.name}: {missing}", flush=True)
            else:
                runnable.append(scenario)
        if not runnable:
            continue
        server = Server(args, {**environment, **overrides}, "mixed" if overrides else "main")
        try:
            for scenario in runnable:
                results.append(run_scenario(scenario, args, server, environment, fixtures_path))
                print(report.table(results[-1:], passes(args)).splitlines()[-1], flush=True)
        finally:
            rss_after = max(rss_after, server.stop())
            drop_enqueued_tasks(environment)
    content = report.section(
        results=results, header_lines=header(args, data, rss_after, skipped, results), passes=passes(args)
    )
    if args.no_write:
        print(content)
    else:
        report.write_between_markers(args.output, content)
        print(f"written to {args.output}")
    return 0


def passes(args: argparse.Namespace) -> Any:
    from benchmarks import report

    return report.Passes(users=args.users, unqueued_users=args.latency_users)


def header(
    args: argparse.Namespace, data: dict[str, Any], rss_after: float, skipped: list[str], results: list[Any]
) -> list[str]:
    load = os.getloadavg()
    lines = [
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores; "
        f"database `{data['database']}` with {data['applications']:,} applications"
        + (f" ({args.label})" if args.label else "")
        + ".",
        "",
        f"* {args.workers} gunicorn workers (sync); locust runs on the same machine, users with no wait. "
        f"Read scenarios: {args.users} users for {args.duration} s (at saturation: req/s, share of "
        f"floor), then {args.latency_users} users for {args.latency_duration} s (unqueued: "
        "one request per worker at a time, the latency without waiting for a worker)."
        if args.latency_users
        else f"* {args.workers} gunicorn workers (sync), {args.users} locust users with no wait, "
        f"{args.duration} s per read scenario; locust runs on the same machine.",
        f"* Submission and mixed profile: {args.users} users for {args.write_duration} s. Drafts prepared "
        f"in bulk before the run: {len(data['drafts']):,} complete ones for the submission, "
        f"{len(data['mixed_drafts']):,} without their photo for the mixed profile "
        f"({data['drafts_seconds']} s for all).",
        f"* Officer's office: {data['queue_size']:,} applications in its queue; the citizen has "
        f"{data['citizen_applications']} applications, the application page shows "
        f"{data['detail_status_changes']} status changes.",
        f"* Worker RSS after the run: {rss_after:.0f} MiB (largest worker). "
        f"Load average at the end: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
        "* Latencies are locust's (rounded buckets); share of floor = req/s ÷ the floor's req/s at "
        "saturation (anonymous floor for the public page, signed-in floor for the others). "
        "Errors include the 429s, which are also counted apart.",
    ]
    if any(result.scenario.kind == "mixed" for result in results):
        lines.append(
            "* Mixed profile: the real rate limits (not multiplied) and a server that trusts one proxy "
            "(`ALLAUTH_TRUSTED_PROXY_COUNT=1`); each citizen (3 of 4 users) takes one draft without its "
            "photo and, from its own address in `X-Forwarded-For`, opens the documents page, uploads "
            "the photo, submits and pays; the officers (1 of 4) list the queue's first page."
        )
    lines += [f"* Skipped — {line}." for line in skipped]
    return lines


def run_scenario(
    scenario: Any,
    args: argparse.Namespace,
    server: Server,
    environment: dict[str, str],
    fixtures_path: Path,
) -> Any:
    from benchmarks import report

    duration = args.write_duration if scenario.kind in ("write", "mixed") else args.duration
    saturated = run_pass(scenario, args.users, duration, "", server, environment, fixtures_path)
    unqueued = None
    if scenario.kind in ("read", "floor") and args.latency_users:
        unqueued = run_pass(
            scenario,
            args.latency_users,
            args.latency_duration,
            ".unqueued",
            server,
            environment,
            fixtures_path,
        )
    units, note = None, ""
    if scenario.kind in ("write", "mixed"):
        fixtures = json.loads(fixtures_path.read_text())
        drafts = len(fixtures["drafts" if scenario.kind == "write" else "mixed_drafts"])
        units, note = write_rate(
            saturated.counted["completed"],
            drafts,
            saturated.figures,
            min(saturated.elapsed, duration),
            duration,
        )
    return report.Result(
        scenario=scenario,
        figures=saturated.figures,
        queries_per_request=saturated.queries_per_request,
        peak_rss_mib=saturated.peak_rss,
        units_per_second=units,
        note=note,
        unqueued=unqueued.figures if unqueued else None,
        rate_limited=saturated.counted.get("rate_limited", 0),
        by_request=saturated.by_request if scenario.kind == "mixed" else {},
    )


class Pass:
    def __init__(
        self,
        figures: Any,
        by_request: dict[str, Any],
        counted: dict[str, Any],
        elapsed: float,
        peak_rss: float,
    ) -> None:
        self.figures, self.by_request, self.counted = figures, by_request, counted
        self.elapsed, self.peak_rss = elapsed, peak_rss

    @property
    def queries_per_request(self) -> float | None:
        total, requests = 0, 0
        for name, (queries, count) in self.counted["queries"].items():
            if "CSRF" in name:
                continue
            total, requests = total + queries, requests + count
        return (total / requests) if requests else None


def run_pass(
    scenario: Any,
    users: int,
    duration: int,
    tag: str,
    server: Server,
    environment: dict[str, str],
    fixtures_path: Path,
) -> Pass:
    from benchmarks import report

    prefix = WORK_DIR / f"{scenario.name}{tag}"
    queries_path = WORK_DIR / f"{scenario.name}{tag}.queries.json"
    queries_path.unlink(missing_ok=True)
    sampler = RssSampler(server.pid)
    sampler.start()
    started = time.monotonic()
    with (WORK_DIR / f"{scenario.name}{tag}.locust.log").open("w") as locust_log:
        run_locust(
            scenario,
            users,
            duration,
            server.host,
            environment,
            fixtures_path,
            prefix,
            queries_path,
            locust_log,
        )
    elapsed = time.monotonic() - started
    sampler.running = False
    sampler.join()
    stats = Path(f"{prefix}_stats.csv")
    counted: dict[str, Any] = (
        json.loads(queries_path.read_text())
        if queries_path.exists()
        else {"queries": {}, "completed": 0, "rate_limited": 0}
    )
    return Pass(
        report.read_locust_stats(stats), report.read_locust_rows(stats), counted, elapsed, sampler.peak
    )


def write_rate(
    completed: int, drafts: int, figures: Any, seconds: float, duration: float | None = None
) -> tuple[float, str]:
    """Complete units per second, and a note saying over how long the rate was sustained.

    Locust's req/s spans its first to its last request, so when every draft was used the
    seconds they lasted are requests ÷ req/s, and the rate is taken over those seconds only
    (dividing by the whole duration would count the idle end)."""
    if completed < drafts or figures.rps <= 0 or not figures.requests:
        whole = duration or seconds
        return completed / seconds, (
            f"sustained for the whole {whole:.0f} s ({completed:,} completed of {drafts:,} prepared drafts)"
        )
    lasted = figures.requests / figures.rps
    return completed / lasted, (
        f"all {drafts} drafts used in about {lasted:.0f} s: complete/s is over those seconds, "
        "not sustained for the whole run"
    )


def run_locust(
    scenario: Any,
    users: int,
    duration: int,
    host: str,
    environment: dict[str, str],
    fixtures_path: Path,
    prefix: Path,
    queries_path: Path,
    log: IO[str],
) -> None:
    from benchmarks.scenarios import user_classes

    subprocess.run(  # noqa: S603  # nosec B603 # fixed argv
        [
            str(BIN / "locust"),
            "-f",
            str(BASE_DIR / "benchmarks" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{duration}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "5",
            *user_classes(scenario),
        ],
        cwd=BASE_DIR,
        env={**environment, "BENCH_FIXTURES": str(fixtures_path), "BENCH_QUERIES_OUT": str(queries_path)},
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


# --- growth: the queue at 1,000,000 vs 10,000 applications ------------------------------------


def probe(args: argparse.Namespace) -> int:
    """(A subprocess of ``growth``.) Single-request figures of the queue pages on one database,
    through benchmarks/single_request.py's requests, as JSON on the last line of stdout."""
    os.environ.update(bench_environment(args.database_url))
    import django

    django.setup()
    import statistics

    from django.db import connection

    from benchmarks import fixtures, scenarios, single_request

    single_request.ensure_static_manifest()
    data = fixtures.prepare_reads()
    calls = single_request.requesters(data)
    out: dict[str, Any] = {"applications": _count(connection, "applications_application"), "pages": {}}
    for page in scenarios.GROWTH_SCENARIOS:
        figures = single_request.measure(page, calls[page], args.single_requests, 10)
        out["pages"][page] = {
            "cpu_ms": statistics.fmean(figures.cpu_ms),
            "wall_ms": statistics.fmean(figures.wall_ms),
        }
    data_path = WORK_DIR / f"fixtures.{args.probe}.json"
    data_path.write_text(json.dumps({**data, "drafts": [], "mixed_drafts": []}))
    out["fixtures"] = str(data_path)
    out["queue_size"] = data["queue_size"]
    connection.close()
    print(json.dumps(out))
    return 0


def database_exists(database_url: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(database_url).close()
    except psycopg2.OperationalError:
        return False
    return True


def growth(args: argparse.Namespace) -> int:
    """The queue pages on the small and the large database: the mean CPU ms of one request
    (``--single-requests`` of them, benchmarks/single_request.py) and locust's unqueued p50."""
    from benchmarks import report, scenarios

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    if not database_exists(args.small_database_url):
        print(f"creating {args.small_database_url.rsplit('/', 1)[-1]} (make bench-data) …", flush=True)
        subprocess.run(  # noqa: S603  # nosec B603 # fixed argv
            [
                "/usr/bin/make",
                "bench-data",
                f"SIZE={args.small_size}",
                f"BENCH_DATABASE_URL={args.small_database_url}",
            ],
            cwd=BASE_DIR,
            check=True,
        )
    measured: dict[str, dict[str, Any]] = {}
    for label, url in (("small", args.small_database_url), ("large", args.database_url)):
        print(f"single requests on {url.rsplit('/', 1)[-1]} …", flush=True)
        done = subprocess.run(  # noqa: S603  # nosec B603 # fixed argv
            [
                str(BIN / "python"),
                "-m",
                "benchmarks.bench",
                "--probe",
                label,
                "--database-url",
                url,
                "--single-requests",
                str(args.single_requests),
            ],
            cwd=BASE_DIR,
            env=bench_environment(url),
            check=True,
            capture_output=True,
            text=True,
        )
        measured[label] = json.loads(done.stdout.strip().splitlines()[-1])
        environment = bench_environment(url)
        collect_static(environment)
        server = Server(args, environment, f"growth-{label}")
        p50: dict[str, float | None] = {}
        try:
            # Fresh workers load templates and open connections on their first requests.
            run_pass(
                scenarios.BY_NAME[scenarios.GROWTH_SCENARIOS[0]],
                args.latency_users,
                3,
                f".growth-{label}.warmup",
                server,
                environment,
                Path(measured[label]["fixtures"]),
            )
            for name in scenarios.GROWTH_SCENARIOS:
                scenario = scenarios.BY_NAME[name]
                result = run_pass(
                    scenario,
                    args.latency_users,
                    args.latency_duration,
                    f".growth-{label}",
                    server,
                    environment,
                    Path(measured[label]["fixtures"]),
                )
                p50[name] = result.figures.p50 if result.figures.requests else None
        finally:
            server.stop()
            drop_enqueued_tasks(environment)
        measured[label]["p50"] = p50
    small, large = measured["small"], measured["large"]
    rows = [
        report.GrowthRow(
            page=scenarios.BY_NAME[name].title,
            small_cpu_ms=small["pages"][name]["cpu_ms"],
            large_cpu_ms=large["pages"][name]["cpu_ms"],
            small_p50=small["p50"].get(name),
            large_p50=large["p50"].get(name),
        )
        for name in scenarios.GROWTH_SCENARIOS
    ]
    load = os.getloadavg()
    content = report.growth_section(
        rows=rows,
        small=small["applications"],
        large=large["applications"],
        header_lines=[
            f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores: "
            f"`{args.small_database_url.rsplit('/', 1)[-1]}` ({small['applications']:,} applications, "
            f"office queue {small['queue_size']:,}) vs `{args.database_url.rsplit('/', 1)[-1]}` "
            f"({large['applications']:,}, office queue {large['queue_size']:,}). "
            f"Load average at the end: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
            "",
            f"* CPU ms: mean of {args.single_requests} requests after 10 to warm up, one process, "
            "Django's test client (benchmarks/single_request.py's requests); the goal is judged on this "
            "ratio (CPU time is what the shared machine disturbs least).",
            f"* Locust p50: {args.latency_users} users (one per worker) for {args.latency_duration} s "
            "against gunicorn on each database.",
        ],
    )
    if args.no_write:
        print(content)
    else:
        report.write_between_markers(args.output, content, begin=report.GROWTH_BEGIN, end=report.GROWTH_END)
        print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
