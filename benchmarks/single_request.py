"""One request at a time: what each page of `make bench` costs alone, in one process.

    .venv/bin/python -m benchmarks.single_request [--pages queue_first,review] [--n 50]
                                                  [--warmup 5] [--profile review] [--sort tottime]
                                                  [--fixtures var/bench/single.json]

Django's test client under benchmarks.settings (DEBUG off, Redis cache, every middleware,
manifest-named static files) against the benchmark database (``BENCH_DATABASE_URL``, default
``korlantas_bench``), with the fixtures and sessions of ``make bench``
(benchmarks/fixtures.py ``prepare_reads``). For each page (the read scenarios and floors of
benchmarks/scenarios.py, same names; default: all of them), ``--warmup`` requests first, then
``--n`` timed ones; prints per page the mean and median wall ms, the mean CPU ms of this
process (``time.process_time``, the figure that decides a sync worker's throughput when the
machine is shared), and the queries per request (the bench middleware's header). ``--profile
PAGE`` then profiles ``--n`` more requests of that page (cProfile timed by CPU, top 25 by
``--sort``, default cumulative time).

No server, no load generator: a page's CPU ms is its cost on a worker, without queueing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks import scenarios
from benchmarks.bench import DEFAULT_DATABASE_URL, bench_environment

DEEP_PAGE = 999_999  # as the locustfile: the queue clamps a page past the end to its last page


@dataclass
class Figures:
    page: str
    wall_ms: list[float]
    cpu_ms: list[float]
    queries: list[int]


def pages() -> tuple[str, ...]:
    """The read scenarios and the floors, in run order."""
    return tuple(s.name for s in scenarios.SCENARIOS if s.kind in ("floor", "read"))


def choose(names: str) -> list[str]:
    available = pages()
    if not names.strip():
        return list(available)
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in available]
    if unknown:
        raise SystemExit(
            f"unknown or not a read page: {', '.join(unknown)} (choose from {', '.join(available)})"
        )
    return wanted


def requesters(data: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """One callable per page; each call makes that page's next request (as the locustfile does)."""
    from django.test import Client

    def client(session: str | None) -> Client:
        made = Client()
        if session:
            made.cookies[data["session_cookie"]] = data[session]
        return made

    anonymous, citizen, officer, supervisor = (
        client(None),
        client("citizen_session"),
        client("officer_session"),
        client("supervisor_session"),
    )
    references = itertools.cycle(data["search_references"] or [""])
    reviews = itertools.cycle(data["review_public_ids"] or [""])
    tokens = itertools.cycle(data["verification_tokens"] or [""])

    def search() -> Any:
        reference = next(references)
        response = officer.post("/staf/antrean/cari/", {"text": reference})
        if reference.encode() not in response.content:
            raise SystemExit(f"the search for {reference} did not show it")
        return response

    return {
        scenarios.FLOOR_ANONYMOUS: lambda: anonymous.get("/bench/floor/"),
        scenarios.FLOOR_SIGNED_IN: lambda: citizen.get("/bench/floor/"),
        "queue_first": lambda: officer.get("/staf/antrean/"),
        "queue_service": lambda: officer.get("/staf/antrean/", {"service": data["service_filter"]}),
        "queue_search": search,
        "queue_deep": lambda: officer.get("/staf/antrean/", {"page": DEEP_PAGE}),
        "review": lambda: officer.get(f"/staf/antrean/{next(reviews)}/"),
        "citizen_dashboard": lambda: citizen.get("/warga/"),
        "application_detail": lambda: citizen.get(f"/warga/permohonan/{data['detail_public_id']}/"),
        "supervisor_dashboard": lambda: supervisor.get("/staf/pengawasan/"),
        "verification": lambda: anonymous.get(f"/verify/{next(tokens)}/"),
    }


def request_once(page: str, call: Callable[[], Any]) -> tuple[float, float, int]:
    from benchmarks.middleware import QUERY_COUNT_HEADER

    wall, cpu = time.perf_counter(), time.process_time()
    response = call()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if response.status_code != 200:
        raise SystemExit(f"{page}: status {response.status_code} (an expired session of --fixtures?)")
    return wall * 1000, cpu * 1000, int(response.get(QUERY_COUNT_HEADER, "0"))


def measure(page: str, call: Callable[[], Any], n: int, warmup: int) -> Figures:
    for _ in range(warmup):
        request_once(page, call)
    figures = Figures(page, [], [], [])
    for _ in range(n):
        wall, cpu, queries = request_once(page, call)
        figures.wall_ms.append(wall)
        figures.cpu_ms.append(cpu)
        figures.queries.append(queries)
    return figures


def table(results: list[Figures]) -> str:
    floor_cpu = {
        f.page: statistics.fmean(f.cpu_ms)
        for f in results
        if f.page in (scenarios.FLOOR_ANONYMOUS, scenarios.FLOOR_SIGNED_IN)
    }
    lines = [
        "| page | mean ms | median ms | mean CPU ms | queries/request | floor CPU ÷ page CPU |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for f in results:
        cpu = statistics.fmean(f.cpu_ms)
        floor = scenarios.BY_NAME[f.page].floor
        share = f"{floor_cpu[floor] / cpu:.0%}" if floor in floor_cpu and cpu else ""
        queries = sorted(set(f.queries))
        shown = str(queries[0]) if len(queries) == 1 else f"{statistics.fmean(f.queries):.1f} ({queries})"
        lines.append(
            f"| {f.page} | {statistics.fmean(f.wall_ms):.1f} | {statistics.median(f.wall_ms):.1f}"
            f" | {cpu:.1f} | {shown} | {share} |"
        )
    return "\n".join(lines)


def profile(page: str, call: Callable[[], Any], n: int, sort: str = "cumulative") -> str:
    profiler = cProfile.Profile(time.process_time)  # CPU time: wall time on a shared machine wanders
    profiler.enable()
    for _ in range(n):
        call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(25)
    return out.getvalue()


def ensure_static_manifest() -> None:
    """The bench settings serve manifest-named files; collect them once if no run has."""
    from django.conf import settings
    from django.core.management import call_command

    if not (settings.STATIC_ROOT and os.path.exists(os.path.join(settings.STATIC_ROOT, "staticfiles.json"))):
        print("collecting static files (no manifest yet) …", file=sys.stderr, flush=True)
        call_command("collectstatic", "--noinput", verbosity=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pages", default="", help="comma-separated scenario names (default: every read page)"
    )
    parser.add_argument("--n", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per page first")
    parser.add_argument("--profile", default="", help="a page to profile afterwards (cProfile, top 25)")
    parser.add_argument("--sort", default="cumulative", help="the profile order: cumulative, tottime …")
    parser.add_argument(
        "--fixtures",
        default="",
        help="a JSON file to keep prepare_reads' result in and reuse on later runs (its sessions "
        "expire after the portal's idle time: delete the file then)",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    args = parser.parse_args(argv)
    chosen = choose(args.pages)
    if args.profile and args.profile not in pages():
        raise SystemExit(f"--profile: unknown page {args.profile}")

    os.environ.update(bench_environment(args.database_url))
    import django

    django.setup()
    from django.db import connection

    from benchmarks import fixtures

    ensure_static_manifest()
    if args.fixtures and os.path.exists(args.fixtures):
        with open(args.fixtures) as handle:
            data = json.load(handle)
    else:
        print(f"preparing fixtures in {connection.settings_dict['NAME']} …", file=sys.stderr, flush=True)
        data = fixtures.prepare_reads()
        if args.fixtures:
            with open(args.fixtures, "w") as handle:
                json.dump(data, handle)
    calls = requesters(data)
    results = [measure(page, calls[page], args.n, args.warmup) for page in chosen]
    print(
        f"{args.n} requests per page after {args.warmup} to warm up; one process, Django's test client, "
        f"benchmarks.settings, database {connection.settings_dict['NAME']}; office queue of "
        f"{data['queue_size']} applications. Load average: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}."
    )
    print(table(results))
    if args.profile:
        print(f"\ncProfile of {args.n} requests of {args.profile}, top 25 by {args.sort} time:")
        print(profile(args.profile, calls[args.profile], args.n, args.sort))
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
