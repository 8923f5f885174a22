"""The figures of a `make bench` run and the table it writes into docs/benchmarks.md.

Locust writes ``<prefix>_stats.csv``; ``read_locust_stats`` takes its "Aggregated" row. The
table goes between ``BEGIN`` and ``END`` markers; the rest of the file is left alone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from benchmarks.scenarios import Scenario

BEGIN = "<!-- bench:begin (written by benchmarks/bench.py; do not edit by hand) -->"
END = "<!-- bench:end -->"


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


def read_locust_stats(path: Path) -> LocustFigures:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    row = next(row for row in rows if row["Name"] == "Aggregated")
    return LocustFigures(
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        rps=float(row["Requests/s"]),
        p50=float(row["50%"] if row["50%"] != "N/A" else 0),
        p95=float(row["95%"] if row["95%"] != "N/A" else 0),
        p99=float(row["99%"] if row["99%"] != "N/A" else 0),
    )


def share_of_floor(result: Result, floors: dict[str, Result]) -> float | None:
    floor = floors.get(result.scenario.floor)
    if result.scenario.kind != "read" or floor is None or floor.figures.rps <= 0:
        return None
    return result.figures.rps / floor.figures.rps


def table(results: list[Result]) -> str:
    floors = {result.scenario.name: result for result in results if result.scenario.kind == "floor"}
    lines = [
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | requests | errors | queries/request "
        "| peak worker RSS MiB | share of floor | goal |",
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
            f"| {result.scenario.title} | {rps} | {figures.p50:.0f} | {figures.p95:.0f} | {figures.p99:.0f} "
            f"| {figures.requests} | {figures.failures} | {queries} | {result.peak_rss_mib:.0f} "
            f"| {'' if share is None else f'{share:.0%}'} | {result.scenario.goal}"
            f"{' — ' + result.note if result.note else ''} |"
        )
    return "\n".join(lines)


def section(*, results: list[Result], header_lines: list[str]) -> str:
    return "\n".join([BEGIN, *header_lines, "", table(results), END])


def write_between_markers(path: Path, content: str) -> None:
    """Replace what lies between the markers (inclusive) with ``content``, or append it."""
    text = path.read_text() if path.exists() else ""
    start, end = text.find(BEGIN), text.find(END)
    if start != -1 and end != -1:
        text = text[:start] + content + text[end + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + content + "\n"
    path.write_text(text)
