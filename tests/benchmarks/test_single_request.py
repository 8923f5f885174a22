"""`benchmarks/single_request.py` without the benchmark database: it offers every read page
of `make bench` under the scenario's name, requests each as the locustfile does, and reports
the figures it promises."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks import scenarios, single_request


def test_every_read_scenario_and_floor_is_a_page_under_its_name() -> None:
    expected = {s.name for s in scenarios.SCENARIOS if s.kind in ("floor", "read")}
    assert set(single_request.pages()) == expected
    data: dict[str, Any] = {
        "session_cookie": "sessionid",
        "citizen_session": "c",
        "officer_session": "o",
        "supervisor_session": "s",
        "search_references": ["PGS-2611-7QK3M2"],
        "review_public_ids": ["00000000-0000-0000-0000-000000000001"],
        "verification_tokens": ["t"],
        "service_filter": "sim_new",
        "detail_public_id": "00000000-0000-0000-0000-000000000002",
    }
    assert set(single_request.requesters(data)) == expected
    assert "submit_and_pay" not in single_request.pages()


def test_choosing_pages_keeps_the_given_order_and_refuses_unknown_or_write_ones() -> None:
    assert single_request.choose("review,queue_first") == ["review", "queue_first"]
    assert single_request.choose("") == list(single_request.pages())
    for wrong in ("queue_firts", "submit_and_pay"):
        with pytest.raises(SystemExit):
            single_request.choose(wrong)


def test_the_table_gives_cpu_and_queries_and_the_share_of_the_pages_floor() -> None:
    results = [
        single_request.Figures("floor_signed_in", [3.0, 3.0], [2.0, 2.0], [2, 2]),
        single_request.Figures("queue_first", [12.0, 14.0], [8.0, 8.0], [6, 6]),
        single_request.Figures("review", [20.0, 22.0], [10.0, 10.0], [14, 15]),
    ]
    table = single_request.table(results)
    assert "| queue_first | 13.0 | 13.0 | 8.0 | 6 | 25% |" in table
    assert "| review | 21.0 | 21.0 | 10.0 | 14.5 ([14, 15]) | 20% |" in table
