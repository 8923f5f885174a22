"""`make bench`'s harness without load: the scenarios, the report writer, the bench settings'
raised rate limits and the floor view (docs/benchmarks.md, "The portal under load")."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from benchmarks import fixtures, report, scenarios, seed_data
from benchmarks.middleware import QUERY_COUNT_HEADER
from documents.models import IssuedDocument
from payments.receipts import KIND
from tests.factories import UserFactory

LOCUST_CSV = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,\
Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,\
99%,99.9%,99.99%,100%
GET,queue,120,0,21,23.5,10,90,15000,12.0,0.0,21,24,26,28,33,41,60,75,90,90,90
,Aggregated,120,2,21,23.5,10,90,15000,12.0,0.2,21,24,26,28,33,41,60,75,90,90,90
"""


def test_every_scenario_of_the_issue_is_defined_once_with_its_floor() -> None:
    names = [scenario.name for scenario in scenarios.SCENARIOS]
    assert len(names) == len(set(names))
    assert {
        "queue_first",
        "queue_service",
        "queue_search",
        "queue_deep",
        "review",
        "citizen_dashboard",
        "application_detail",
        "supervisor_dashboard",
        "verification",
        "submit_and_pay",
        "mixed_profile",
    } <= set(names)
    for scenario in scenarios.SCENARIOS:
        assert scenario.kind in ("floor", "read", "write", "mixed")
        if scenario.kind == "read":
            assert scenarios.BY_NAME[scenario.floor].kind == "floor"
    # The public page is compared with the anonymous floor, signed-in pages with the signed-in one.
    assert scenarios.BY_NAME["verification"].floor == scenarios.FLOOR_ANONYMOUS
    assert scenarios.BY_NAME["review"].floor == scenarios.FLOOR_SIGNED_IN


def test_choosing_scenarios_brings_their_floor_and_keeps_the_run_order() -> None:
    chosen = scenarios.select("verification,queue_first")
    assert [s.name for s in chosen] == [
        scenarios.FLOOR_ANONYMOUS,
        scenarios.FLOOR_SIGNED_IN,
        "queue_first",
        "verification",
    ]
    assert scenarios.select("") == scenarios.SCENARIOS
    with pytest.raises(ValueError, match="nope"):
        scenarios.select("nope")


def test_locust_figures_are_read_from_the_aggregated_row(tmp_path: Path) -> None:
    path = tmp_path / "run_stats.csv"
    path.write_text(LOCUST_CSV)
    figures = report.read_locust_stats(path)
    assert figures == report.LocustFigures(requests=120, failures=2, rps=12.0, p50=21, p95=41, p99=75)


def _result(name: str, rps: float, **kwargs: object) -> report.Result:
    figures = report.LocustFigures(requests=int(rps * 10), failures=0, rps=rps, p50=10, p95=20, p99=30)
    return report.Result(
        scenario=scenarios.BY_NAME[name],
        figures=figures,
        queries_per_request=kwargs.pop("queries", 5.0),
        peak_rss_mib=150,
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_table_gives_each_read_scenario_its_share_of_its_floor() -> None:
    results = [
        _result(scenarios.FLOOR_ANONYMOUS, 400),
        _result(scenarios.FLOOR_SIGNED_IN, 200),
        _result("queue_first", 50),
        _result("verification", 300),
        _result("submit_and_pay", 40, units_per_second=10.0, queries=None),
    ]
    rows = report.table(results).splitlines()
    assert len(rows) == 2 + len(results)
    # 50 / 200 = 25 %; 300 / 400 = 75 %; floors and writes have no share.
    assert "| 25% |" in rows[4]
    assert "| 75% |" in rows[5]
    assert rows[2].endswith("| 150 |  |  |")  # a floor: no share, no goal
    assert "40.0 (10.0 complete/s)" in rows[6]


def test_the_report_replaces_only_what_lies_between_its_markers(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nBefore.\n")
    report.write_between_markers(doc, report.section(results=[], header_lines=["first run"]))
    report.write_between_markers(doc, report.section(results=[], header_lines=["second run"]))
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nBefore.\n")
    assert text.count(report.BEGIN) == 1
    assert text.count(report.END) == 1
    assert "second run" in text
    assert "first run" not in text
    doc.write_text(text + "\nAfter.\n")
    report.write_between_markers(doc, report.section(results=[], header_lines=["third run"]))
    assert doc.read_text().endswith("\nAfter.\n")


def test_the_bench_settings_raise_every_rate_limit_by_the_factor() -> None:
    from benchmarks.settings import raised

    assert raised("10/m/user,60/h/user", 1000) == "10000/m/user,60000/h/user"
    assert raised("30/m/ip", 2) == "60/m/ip"


def test_the_load_generator_signs_callbacks_as_the_gateway_does() -> None:
    # The locustfile imports this one (importing locust here would monkey-patch the test process).
    from benchmarks.scenarios import sign_callback
    from payments import webhooks

    assert sign_callback("secret", "1700000000", b"{}") == webhooks.sign("secret", "1700000000", b"{}")


@pytest.mark.django_db
@override_settings(
    ROOT_URLCONF="benchmarks.urls",
    MIDDLEWARE=["benchmarks.middleware.QueryCountMiddleware", *settings.MIDDLEWARE],
    TEMPLATES=[
        {
            **settings.TEMPLATES[0],
            "DIRS": [*settings.TEMPLATES[0]["DIRS"], settings.BASE_DIR / "benchmarks" / "templates"],
        }
    ],
)
def test_the_floor_renders_through_the_middleware_and_reports_its_queries(client: Client) -> None:
    anonymous = client.get("/bench/floor/")
    assert anonymous.status_code == 200
    assert b"<h1>Floor</h1>" in anonymous.content
    assert anonymous[QUERY_COUNT_HEADER] == "0"
    assert anonymous["Content-Security-Policy"]  # the portal's middleware ran
    client.force_login(UserFactory())
    signed_in = client.get("/bench/floor/")
    assert signed_in.status_code == 200
    assert int(signed_in[QUERY_COUNT_HEADER]) >= 1  # the session and the user


def test_the_portal_urlconf_has_no_floor() -> None:
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve("/bench/floor/")


def test_a_scenario_whose_data_is_missing_is_skipped_with_the_reason() -> None:
    from benchmarks.bench import missing_fixture

    assert (
        missing_fixture("verification", {"verification_tokens": []})
        == "no valid issued document in the database"
    )
    assert missing_fixture("verification", {"verification_tokens": ["t"]}) == ""
    assert missing_fixture("queue_first", {}) == ""


@pytest.mark.django_db
def test_on_bench_data_without_documents_the_fixtures_issue_receipts_to_verify() -> None:
    # make bench-data loads paid bills but issues no document: the verification scenario would
    # have nothing to verify, so the fixtures issue receipts of paid bills through the service.
    call_command("seed", "--no-demo", verbosity=0, stdout=io.StringIO())
    seed_data.seed(100, out=None)
    assert not IssuedDocument.objects.exists()

    tokens = fixtures._verification_tokens(5)

    receipts = IssuedDocument.objects.filter(kind=KIND, status=IssuedDocument.Status.VALID)
    assert sorted(tokens) == sorted(receipts.values_list("verification_token", flat=True))
    assert len(tokens) == 5
    assert len({document.application_id for document in receipts}) == 5
    # Enough valid documents now: a second preparation issues none and verifies the same ones.
    assert sorted(fixtures._verification_tokens(5)) == sorted(tokens)
    assert IssuedDocument.objects.count() == 5


def test_when_the_drafts_run_out_the_write_rate_is_taken_over_the_seconds_they_lasted() -> None:
    # 320 requests at 88.9 req/s: the drafts lasted 320 / 88.9 = 3.6 s; 80 complete / 3.6 s = 22.2/s.
    from benchmarks.bench import write_rate

    figures = report.LocustFigures(requests=320, failures=0, rps=88.9, p50=80, p95=130, p99=150)
    rate, note = write_rate(80, 80, figures, 15.0)
    assert rate == pytest.approx(22.2, abs=0.05)
    assert "all 80 drafts used in about 4 s" in note
    # Drafts left at the end: complete applications over the whole run, 60 / 15 = 4.0/s, and
    # the table says the rate held for the whole run and how many drafts it used.
    assert write_rate(60, 80, figures, 15.0) == (
        4.0,
        "sustained for the whole 15 s (60 completed of 80 prepared drafts)",
    )
    assert write_rate(60, 80, figures, 14.2, 15)[1].startswith("sustained for the whole 15 s")


def test_the_table_labels_both_passes_and_counts_429s_apart() -> None:
    unqueued = report.LocustFigures(requests=30, failures=0, rps=60.0, p50=12, p95=18, p99=25)
    results = [
        _result(scenarios.FLOOR_SIGNED_IN, 200),
        report.Result(
            scenario=scenarios.BY_NAME["queue_first"],
            figures=report.LocustFigures(requests=500, failures=3, rps=50, p50=160, p95=190, p99=230),
            queries_per_request=6.0,
            peak_rss_mib=140,
            unqueued=unqueued,
            rate_limited=2,
        ),
    ]
    heading, _rule, _floor, queue = report.table(
        results, report.Passes(users=8, unqueued_users=2)
    ).splitlines()
    assert "p50 / p95 / p99 ms at saturation (8 users)" in heading
    assert "p50 / p95 / p99 ms unqueued (2 users)" in heading
    assert "| of which 429 |" in heading
    # req/s, saturated latencies, unqueued latencies, requests, errors, of which 429.
    assert "| 50.0 | 160 / 190 / 230 | 12 / 18 / 25 | 500 | 3 | 2 |" in queue
    assert "| 25% |" in queue


def test_a_mixed_scenario_lists_its_requests_one_by_one() -> None:
    figures = report.LocustFigures(requests=10, failures=0, rps=2.0, p50=40, p95=60, p99=80)
    result = report.Result(
        scenario=scenarios.BY_NAME[scenarios.MIXED_PROFILE],
        figures=figures,
        queries_per_request=None,
        peak_rss_mib=140,
        by_request={"upload a photo": figures, "queue, first page": figures},
    )
    text = report.section(results=[result], header_lines=["run"])
    assert "| upload a photo | 10 | 0 | 2.0 | 40 / 60 / 80 |" in text
    assert text.index("queue, first page") < text.index("upload a photo")  # sorted by name
    assert text.startswith(report.BEGIN)
    assert text.endswith(report.END)


def test_locust_rows_are_read_per_request(tmp_path: Path) -> None:
    path = tmp_path / "run_stats.csv"
    path.write_text(LOCUST_CSV)
    assert report.read_locust_rows(path) == {
        "queue": report.LocustFigures(requests=120, failures=0, rps=12.0, p50=21, p95=41, p99=75)
    }


def test_the_growth_table_gives_the_ratio_and_whether_the_goal_is_met(tmp_path: Path) -> None:
    rows = [
        report.GrowthRow("Officer queue, first page", 10.0, 14.0, small_p50=20, large_p50=22),
        report.GrowthRow("Officer queue, last page", 10.0, 16.0),
    ]
    text = report.growth_table(rows, small=10_000, large=1_000_000)
    assert text.startswith("Queue page at 1,000,000 vs 10,000 rows: ratio (goal ≤ 1.5×).")
    assert "| Officer queue, first page | 10.0 | 14.0 | 1.40× | 20 | 22 | 1.10× | yes |" in text
    assert "| Officer queue, last page | 10.0 | 16.0 | 1.60× |  |  |  | no |" in text
    # Its own markers: the run's table and the growth table replace only themselves.
    doc = tmp_path / "benchmarks.md"
    report.write_between_markers(doc, report.section(results=[], header_lines=["the run"]))
    growth = report.growth_section(rows=rows, small=10_000, large=1_000_000, header_lines=["growth 1"])
    report.write_between_markers(doc, growth, begin=report.GROWTH_BEGIN, end=report.GROWTH_END)
    growth = report.growth_section(rows=rows, small=10_000, large=1_000_000, header_lines=["growth 2"])
    report.write_between_markers(doc, growth, begin=report.GROWTH_BEGIN, end=report.GROWTH_END)
    text = doc.read_text()
    assert "the run" in text
    assert "growth 2" in text
    assert "growth 1" not in text


def test_the_defaults_run_the_goals_durations_and_an_unqueued_pass_per_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from benchmarks.bench import parse_args

    for name in ("BENCH_DURATION", "BENCH_WRITE_DURATION", "BENCH_LATENCY_USERS", "BENCH_DRAFTS"):
        monkeypatch.delenv(name, raising=False)
    args = parse_args(["--workers", "3"])
    assert (args.duration, args.write_duration, args.latency_users, args.latency_duration) == (30, 60, 3, 15)
    # 50 complete applications a second for 60 s.
    assert args.drafts >= 50 * 60
    monkeypatch.setenv("BENCH_LATENCY_USERS", "0")
    assert parse_args([]).latency_users == 0  # asked for no unqueued pass


def test_the_mixed_profile_runs_citizens_and_officers_each_from_their_own_address() -> None:
    mixed = scenarios.BY_NAME[scenarios.MIXED_PROFILE]
    assert scenarios.user_classes(mixed) == ["MixedCitizen", "MixedOfficer"]
    assert mixed.kind == "mixed"
    assert scenarios.SCENARIOS[-1] == mixed  # last: it needs a server of its own
    addresses = {scenarios.client_address(n) for n in range(70_000)}
    assert len(addresses) == 70_000
    assert scenarios.client_address(0) == "198.18.0.0"
    assert scenarios.client_address(2**17 - 1) == "198.19.255.255"
    with pytest.raises(ValueError, match="131,072"):
        scenarios.client_address(2**17)
