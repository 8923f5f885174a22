"""The figures of a `make bench` run and the tables it writes into docs/benchmarks.md.

Locust writes ``<prefix>_stats.csv``; ``read_locust_stats`` takes its "Aggregated" row and
``read_locust_rows`` every request's row. The run's tables go between ``BEGIN`` and ``END``,
the growth comparison (``make bench-growth``) between ``GROWTH_BEGIN`` and ``GROWTH_END``; the
rest of the file is left alone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.scenarios import Scenario

BEGIN = "<!-- bench:begin (written by benchmarks/bench.py; do not edit by hand) -->"
END = "<!-- bench:end -->"
GROWTH_BEGIN = "<!-- bench-growth:begin (written by benchmarks/bench.py --growth; do not edit by hand) -->"
GROWTH_END = "<!-- bench-growth:end -->"
# The growth goal: a queue page at 1,000,000 rows at most this many times its time at 10,000.
GROWTH_GOAL = 1.5


@dataclass(frozen=True)
class LocustFigures:
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    figures: LocustFigures
    queries_per_request: float | None
    peak_rss_mib: float
    # Write scenarios: complete units of work (e.g. applications submitted and paid) per second.
    units_per_second: float | None = None
    note: str = ""
    # Read scenarios: the second pass with as many users as workers (no queueing in the server).
    unqueued: LocustFigures | None = None
    # Responses 429 (rate limited), counted apart from the other errors.
    rate_limited: int = 0
    # The mixed profile: each request's own figures, by locust's request name.
    by_request: dict[str, LocustFigures] = field(default_factory=dict)


@dataclass(frozen=True)
class Passes:
    """The users and seconds of the two passes, for the column headings and the header."""

    users: int
    unqueued_users: int


@dataclass(frozen=True)
class GrowthRow:
    page: str
    small_cpu_ms: float
    large_cpu_ms: float
    small_p50: float | None = None
    large_p50: float | None = None

    @property
    def cpu_ratio(self) -> float:
        return self.large_cpu_ms / self.small_cpu_ms if self.small_cpu_ms else float("inf")

    @property
    def p50_ratio(self) -> float | None:
        if self.small_p50 is None or self.large_p50 is None or not self.small_p50:
            return None
        return self.large_p50 / self.small_p50


def _figures(row: dict[str, str]) -> LocustFigures:
    def percentile(name: str) -> float:
        return float(row[name] if row[name] != "N/A" else 0)

    return LocustFigures(
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        rps=float(row["Requests/s"]),
        p50=percentile("50%"),
        p95=percentile("95%"),
        p99=percentile("99%"),
    )


def read_locust_stats(path: Path) -> LocustFigures:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return _figures(next(row for row in rows if row["Name"] == "Aggregated"))


def read_locust_rows(path: Path) -> dict[str, LocustFigures]:
    """Each request name's figures (not the aggregate)."""
    with path.open(newline="") as handle:
        return {row["Name"]: _figures(row) for row in csv.DictReader(handle) if row["Name"] != "Aggregated"}


def share_of_floor(result: Result, floors: dict[str, Result]) -> float | None:
    floor = floors.get(result.scenario.floor)
    if result.scenario.kind != "read" or floor is None or floor.figures.rps <= 0:
        return None
    return result.figures.rps / floor.figures.rps


def _latencies(figures: LocustFigures | None) -> str:
    if figures is None:
        return ""
    return f"{figures.p50:.0f} / {figures.p95:.0f} / {figures.p99:.0f}"


def table(results: list[Result], passes: Passes = Passes(8, 2)) -> str:
    floors = {result.scenario.name: result for result in results if result.scenario.kind == "floor"}
    lines = [
        f"| scenario | req/s | p50 / p95 / p99 ms at saturation ({passes.users} users) "
        f"| p50 / p95 / p99 ms unqueued ({passes.unqueued_users} users) | requests | errors | of which 429 "
        "| queries/request | peak worker RSS MiB | share of floor | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        figures = result.figures
        share = share_of_floor(result, floors)
        rps = f"{figures.rps:.1f}"
        if result.units_per_second is not None:
            rps += f" ({result.units_per_second:.1f} complete/s)"
        queries = "" if result.queries_per_request is None else f"{result.queries_per_request:.1f}"
        lines.append(
            f"| {result.scenario.title} | {rps} | {_latencies(figures)} | {_latencies(result.unqueued)} "
            f"| {figures.requests} | {figures.failures} | {result.rate_limited} | {queries} "
            f"| {result.peak_rss_mib:.0f} | {'' if share is None else f'{share:.0%}'} "
            f"| {result.scenario.goal}"
            f"{' — ' + result.note if result.note else ''} |"
        )
    return "\n".join(lines)


def requests_table(result: Result) -> str:
    """A mixed scenario's requests one by one (errors include the 429s)."""
    lines = [
        f"{result.scenario.title}, request by request:",
        "",
        "| request | requests | errors | req/s | p50 / p95 / p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, figures in sorted(result.by_request.items()):
        lines.append(
            f"| {name} | {figures.requests} | {figures.failures} | {figures.rps:.1f} "
            f"| {_latencies(figures)} |"
        )
    return "\n".join(lines)


def section(*, results: list[Result], header_lines: list[str], passes: Passes = Passes(8, 2)) -> str:
    parts = [BEGIN, *header_lines, "", table(results, passes)]
    for result in results:
        if result.by_request:
            parts += ["", requests_table(result)]
    return "\n".join([*parts, END])


def growth_table(rows: list[GrowthRow], *, small: int, large: int) -> str:
    lines = [
        f"Queue page at {large:,} vs {small:,} rows: ratio (goal ≤ {GROWTH_GOAL}×).",
        "",
        f"| page | CPU ms per request at {small:,} | at {large:,} | ratio "
        f"| locust p50 ms unqueued at {small:,} | at {large:,} | ratio | goal met (CPU ratio) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        p50_ratio = row.p50_ratio
        lines.append(
            f"| {row.page} | {row.small_cpu_ms:.1f} | {row.large_cpu_ms:.1f} | {row.cpu_ratio:.2f}× "
            f"| {'' if row.small_p50 is None else f'{row.small_p50:.0f}'} "
            f"| {'' if row.large_p50 is None else f'{row.large_p50:.0f}'} "
            f"| {'' if p50_ratio is None else f'{p50_ratio:.2f}×'} "
            f"| {'yes' if row.cpu_ratio <= GROWTH_GOAL else 'no'} |"
        )
    return "\n".join(lines)


def growth_section(*, rows: list[GrowthRow], small: int, large: int, header_lines: list[str]) -> str:
    return "\n".join(
        [GROWTH_BEGIN, *header_lines, "", growth_table(rows, small=small, large=large), GROWTH_END]
    )


def write_between_markers(path: Path, content: str, *, begin: str = BEGIN, end: str = END) -> None:
    """Replace what lies between the markers (inclusive) with ``content``, or append it."""
    text = path.read_text() if path.exists() else ""
    start, stop = text.find(begin), text.find(end)
    if start != -1 and stop != -1:
        text = text[:start] + content + text[stop + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + content + "\n"
    path.write_text(text)
