"""The public performance page ``/kinerja/`` (issue 10, point 6): no sign-in, aggregates only,
cached per language and filters under the version of the latest refresh.

The figures shown are those of the history in ``test_snapshot`` (computed by hand there and
repeated here as the page prints them).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from applications.models import Application
from delivery.models import Shipment
from offices.models import Office
from supervision.models import OfficeServiceStat
from supervision.snapshot import FIGURES_VERSION_KEY, refresh_office_stats
from tests.accounts.factories import make_profile
from tests.applications.conftest import SERVICE_CODE, act
from tests.offices.factories import OfficeFactory, PoldaFactory
from tests.supervision import test_snapshot
from tests.supervision.test_snapshot import CITIZENS, NOW, SECOND_SERVICE, History, build_history

service = test_snapshot.service
shipping = test_snapshot.shipping
second_service = test_snapshot.second_service

URL = reverse("supervision:performance")
# References look like ``TST-2611-5MR3AK``: prefix, year and month, six characters.
REFERENCE = re.compile(r"\b[A-Z]{2,5}-\d{4}-[A-Z0-9]{6}\b")


@pytest.fixture
def history(second_service: str, db: None, django_capture_on_commit_callbacks: Any) -> History:
    built = build_history()
    with django_capture_on_commit_callbacks(execute=True):  # the refresh publishes its version
        test_snapshot.refresh()
    return built


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def page(client: Client, query: str = "") -> str:
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


def cells(html: str) -> list[list[str]]:
    """The table rows as lists of cell texts (tags dropped, spaces collapsed)."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        # What only a screen reader reads ("no figure" for a dash) is left out.
        row = re.sub(r'<span class="visually-hidden">.*?</span>', "", row)
        texts = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", text).split()) for text in texts])
    return rows


def waiting(html: str) -> list[str]:
    return [row[4] for row in cells(html) if row[0].startswith("Samsat")]


def test_the_hand_made_figures_in_english(history: History, client: Client) -> None:
    html = page(english(client))
    rows = cells(html)
    assert rows[0] == [
        "Office",
        "Service",
        "Median days to decision",
        "Decided within the standard",
        "Waiting now",
        "Delivery",
    ]
    body = [row for row in rows if row[0].startswith("Samsat")]
    assert body == [
        # Office A, test licence: only one application waiting, nothing decided or delivered.
        ["Samsat Kota Uji A", "Test licence standard: 3 working days", "–", "–", "1", "–"],
        # Office A, test permit: median 48 h / 24 = 2.0 days; 3 of 4 within = 75 %; 2 waiting,
        # 1 past due; 2 of 3 ended deliveries = 66.7 → 67 %, 1 of 3 at the first attempt → 33 %.
        [
            "Samsat Kota Uji A",
            "Test permit standard: 5 working days",
            "2.0",
            "75 % (3 of 4)",
            "2 (1 past due)",
            "67 % of 3 deliveries; 33 % at the first attempt",
        ],
        # Office B, test permit: median 24 h = 1.0 day; 2 of 2 = 100 %; one delivery, at once.
        [
            "Samsat Kota Uji B",
            "Test permit standard: 5 working days",
            "1.0",
            "100 % (2 of 2)",
            "0",
            "100 % of 1 delivery; 100 % at the first attempt",
        ],
    ]
    # 28 Nov 2026 07:15 UTC is 14:15 in Jakarta.
    assert "Figures of 28 Nov 2026 14:15 WIB, refreshed every 15 minutes." in html
    # Grouped by Polda: one section and one captioned table per Polda, A's before B's.
    polda_a = history.a.office.polda
    polda_b = history.b.office.polda
    assert polda_a is not None
    assert polda_b is not None
    assert html.index(f">{polda_a.name}</h2>") < html.index(f">{polda_b.name}</h2>")
    assert html.count("<caption>") == 2
    assert html.count("<h1") == 1
    assert 'scope="row"' in html
    assert 'scope="col"' in html
    assert "table-responsive" in html
    assert "What the columns mean" in html
    # A dash is read out as "no figure".
    assert '<span aria-hidden="true">–</span><span class="visually-hidden">no figure</span>' in html


def test_indonesian_by_default(history: History, client: Client) -> None:
    html = page(client)
    assert '<html lang="id">' in html
    # Indonesian writes a decimal comma: 2,0 and 1,0 days.
    medians = [row[2] for row in cells(html) if row and row[0].startswith("Samsat")]
    assert medians == ["–", "2,0", "1,0"]
    # The cached English copy is not served to an Indonesian visitor, nor the reverse.
    assert '<html lang="en">' in page(english(Client()))
    assert [row[2] for row in cells(page(Client())) if row and row[0].startswith("Samsat")] == medians


def test_no_personal_data_on_the_page(history: History, client: Client) -> None:
    html = page(english(client)) + page(Client())
    applications = Application.objects.filter(pk__in=[app.pk for app in history.apps.values()])
    shipments = Shipment.objects.filter(application__in=applications)
    secrets: list[str] = []
    for nik, name, phone in CITIZENS:
        secrets += [nik, name, phone, phone.replace("+62", "0"), name.split()[0]]
    secrets += [citizen.email for citizen in history.citizens]
    secrets += [app.reference for app in applications] + [app.subject for app in applications]
    secrets += [str(app.public_id) for app in applications]
    secrets += [shipment.label_code for shipment in shipments] + [str(s.public_id) for s in shipments]
    secrets += ["Penerima", "Jl. Merdeka"]
    assert len(secrets) > 40
    for secret in secrets:
        assert secret not in html, secret
    assert not REFERENCE.search(html)
    assert not re.search(r"\d{16}", html)  # no NIK-like number at all
    assert "@example.id" not in html


def test_filters_by_polda_and_service(history: History, client: Client) -> None:
    english(client)
    polda_a = history.a.office.polda
    assert polda_a is not None
    only_a = [
        row[0:2] for row in cells(page(client, f"?polda={polda_a.code}")) if row[0].startswith("Samsat")
    ]
    assert only_a == [
        ["Samsat Kota Uji A", "Test licence standard: 3 working days"],
        ["Samsat Kota Uji A", "Test permit standard: 5 working days"],
    ]
    licence = [
        row[0:2] for row in cells(page(client, f"?layanan={SECOND_SERVICE}")) if row[0].startswith("Samsat")
    ]
    assert licence == [["Samsat Kota Uji A", "Test licence standard: 3 working days"]]
    html = page(client, f"?layanan={SECOND_SERVICE}&polda={polda_a.code}")
    assert f'<option value="{polda_a.code}" selected>' in html
    assert f'<option value="{SECOND_SERVICE}" selected>' in html
    # Unknown or malformed values are ignored: every office is shown.
    for query in ("?polda=tidak-ada", "?layanan=<script>", "?polda=" + "x" * 300):
        everything = [row for row in cells(page(client, query)) if row[0].startswith("Samsat")]
        assert len(everything) == 3
    # A Polda with figures for another service only: nothing for this choice.
    nothing = page(client, f"?layanan={SECOND_SERVICE}&polda={history.b.office.polda.code}")  # type: ignore[union-attr]
    assert "No office has figures for this choice." in nothing


def test_empty_state(db: None, client: Client) -> None:
    html = page(english(client))
    assert "No figures yet: they appear after the first refresh." in html
    assert "<table" not in html
    assert html.count("<h1") == 1


def stat_rows(count: int) -> None:
    """``count`` offices' figures as the refresh writes them (the page reads only this table)."""
    for number in range(count):
        office = OfficeFactory(kind=Office.Kind.SAMSAT, polda=PoldaFactory())
        OfficeServiceStat.objects.create(
            office=office,
            service_code=SERVICE_CODE,
            computed_at=NOW,
            backlog=number,
            decided_90d=4,
            within_standard_90d=3,
            median_decision_hours_90d=30,
        )


@pytest.mark.parametrize("count", [1, 6])
def test_one_query_cold_and_none_warm_whatever_the_rows(
    service: Any, db: None, client: Client, count: int, django_assert_num_queries: Any
) -> None:
    stat_rows(count)
    cache.delete(FIGURES_VERSION_KEY)
    # Cold: the figures with their offices and Poldas in one query; no session, no user.
    with django_assert_num_queries(1):
        html = page(client)
    assert html.count('<th scope="row">') == count
    # 30 hours = 1.25 days, written with one decimal rounded half up: 1,3 (Indonesian).
    assert {row[2] for row in cells(html) if row[0].startswith("Samsat")} == {"1,3"}
    # Warm, same language and filters: everything from the cache (the CSRF token of the
    # language form around it is the only difference).
    with django_assert_num_queries(0):
        assert cells(page(client)) == cells(html)
    # Another language or filter: rendered again from the cached figures, still no query.
    with django_assert_num_queries(0):
        page(english(Client()))
    with django_assert_num_queries(0):
        page(client, f"?layanan={SERVICE_CODE}")


def test_a_refresh_shows_at_once(
    history: History, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    english(client)
    assert waiting(page(client)) == ["1", "2 (1 past due)", "0"]
    with time_machine.travel(NOW + dt.timedelta(minutes=15), tick=False):
        # A new application joins office A's test-permit queue (a new citizen, through the services).
        newcomer = make_profile("3171014507900011", full_name="Rina Wati").user
        fresh = test_snapshot._submitted(newcomer, SERVICE_CODE, "B 1010 AA", history.a)
        act(fresh, "pay", None)
        with django_capture_on_commit_callbacks(execute=True):
            refresh_office_stats()
    after = page(client)
    assert waiting(after) == ["1", "3 (1 past due)", "0"]
    assert "Figures of 28 Nov 2026 14:30 WIB" in after


def test_without_a_version_in_the_cache_the_table_decides(history: History, client: Client) -> None:
    cache.delete(FIGURES_VERSION_KEY)
    english(client)
    assert "75 % (3 of 4)" in page(client)
    assert cache.get(FIGURES_VERSION_KEY) == NOW.isoformat()


def test_anonymous_visitors_get_no_session(db: None, client: Client) -> None:
    stat_rows(1)
    response = client.get(URL)
    assert response.status_code == 200
    assert not Session.objects.exists()
    # The only cookie is the CSRF cookie of the header's language form (base.html), not ours.
    assert sorted(response.cookies) == [settings.CSRF_COOKIE_NAME]


def test_signed_in_visitors_see_it_too(history: History, client: Client) -> None:
    client.force_login(history.citizens[0])
    html = page(english(client))
    assert "75 % (3 of 4)" in html
    # The menu around the cached figures is the visitor's own: not cached with them.
    assert history.citizens[0].email in html
    assert history.citizens[0].email not in page(english(Client()))


def test_only_get(db: None, client: Client) -> None:
    assert client.post(URL).status_code in (403, 405)


class BrokenCache:
    """A cache server that does not answer."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> None:
            raise ConnectionError("cache down")

        return fail


def test_a_failing_cache_costs_a_query_not_the_page(
    service: Any, db: None, client: Client, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    stat_rows(2)
    monkeypatch.setattr("supervision.views.public.cache", BrokenCache())
    for _visit in range(2):
        with django_assert_num_queries(1):
            html = page(english(client))
        assert html.count('<th scope="row">') == 2
