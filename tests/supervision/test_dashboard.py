"""The supervisor dashboard (issue 10, point 1): a constructed history whose figures are worked
out by hand below, the Polda overview and its ``?office=`` narrowing, the scope between offices,
the CSV exports, the empty state and the page's query count (the same with 1 and with 6 rows per
bucket).

Histories are made through the real services under ``time_machine`` (submit, pay through
``settlement.payment_receive``, claim, approve or reject at the moments wanted), so every
timestamp is the one the services wrote; nothing is set by hand unless a comment says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from accounts import roles
from accounts.models import StaffMembership, User
from applications.models import Application
from korlantas.lib.clock import JAKARTA
from offices.models import Holiday, Office
from payments import receipts, staff_panels
from supervision import eta, metrics
from tests.accounts.factories import make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import act, make_application, make_polda_supervisor
from tests.delivery.office_support import page_queries
from tests.factories import UserFactory, sign_in_with_mfa
from tests.offices.factories import OfficeFactory
from tests.payments.helpers_staff import open_bill, pay

service = applications_conftest.service
samsat = applications_conftest.samsat

URL = "/staf/pengawasan/"
# Wednesday 18 March 2026, 10:00 in Jakarta: the dashboard's "today".
TODAY = dt.date(2026, 3, 18)
NOW = dt.datetime(2026, 3, 18, 10, 0, tzinfo=JAKARTA)
# The page's own queries (the session read aside): user, roles, offices in scope, backlog,
# past-due rows, their holidays, throughput, two duration reads, officers, payments,
# deliveries, the estimate accuracy; a Polda's overview adds one.
OFFICE_PAGE_QUERIES = 13
POLDA_PAGE_QUERIES = 14
# Within a minute, the same offices' figures come from the cache: user, roles, offices in scope.
CACHED_PAGE_QUERIES = 3

_subjects = itertools.count(100)


@pytest.fixture(autouse=True)
def _wired(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Payments' receipt kind and panels as its AppConfig registers them; files in a tmp folder;
    messages in English."""
    receipts.register_kind()
    staff_panels.register_panels()
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@pytest.fixture
def traveller() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as travelling:
        yield travelling


def at(traveller: Any, day: dt.date, hour: int, minute: int = 0) -> None:
    traveller.move_to(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=JAKARTA))


def submitted(citizen: User, office: Office) -> Application:
    return act(make_application(citizen, f"B {next(_subjects)} XY"), "submit", citizen, office=office)


def paid(citizen: User, office: Office) -> Application:
    """Submitted and paid now (the bank's report through the settlement, as the webhook does)."""
    application = submitted(citizen, office)
    pay(open_bill(application), f"REF-{application.pk}")
    return Application.objects.get(pk=application.pk)


def decided(
    traveller: Any,
    citizen: User,
    office: Office,
    officer: User,
    paid_at: dt.datetime,
    decided_at: dt.datetime,
    action: str = "approve",
) -> Application:
    traveller.move_to(paid_at)
    application = paid(citizen, office)
    traveller.move_to(decided_at)
    application = act(application, "claim", officer)
    extra = {"note": "No.", "reason": "documents_invalid"} if action == "reject" else {}
    return act(application, action, officer, **extra)


def jakarta(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=JAKARTA)


def signed_in(client: Client, user: User) -> Client:
    sign_in_with_mfa(client, user)
    client.cookies["django_language"] = "en"
    return client


def csv_rows(client: Client, query: str) -> list[list[str]]:
    response = client.get(URL + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.content.decode())))


@dataclass
class History:
    office: Office
    officer: User
    officer2: User
    other_office: Office  # another Polda's
    sister_office: Office  # the same Polda's
    references: dict[str, str]


@pytest.fixture
def history(service: Any, samsat: Office, traveller: Any) -> History:
    """Office X (``samsat``), its officers, and what happened there, worked out by hand.

    Holidays: Thursday 12 March (a weekday) and Saturday 14 March (a weekend: never counted).
    Submissions get a due date 5 working days after the day of submission (the test service).

    Decisions (each paid, claimed and decided through the services at the moments below):
      A1 paid 16 Mar 09:00, approved 10:00 → 1 h   (officer)
      A2 paid 16 Mar 09:00, approved 11:00 → 2 h   (officer)
      A3 paid 16 Mar 09:00, rejected 12:00 → 3 h   (officer)
      A4 paid 16 Mar 18:00, approved 17 Mar 04:00 → 10 h (officer2); 04:00 in Jakarta is
         16 Mar 21:00 UTC: it must count on the 17th, the Jakarta day.
    Still open:
      C0 submitted and paid Mon 16 Feb 23:00/23:30 (before the window's first day, 17 Feb):
         due Mon 23 Feb (17, 18, 19, 20, 23 Feb), queued.
      B1 submitted and paid Mon 2 Mar: due Mon 9 Mar (3, 4, 5, 6, 9 Mar), queued.
      B2 submitted and paid Mon 9 Mar: due Tue 17 Mar (10, 11, [12 holiday], 13, 16, 17), claimed
         by officer (in review).
      B3 submitted and paid Wed 11 Mar: due Thu 19 Mar (13, 16, 17, 18, 19), queued.
    """
    for day in (dt.date(2026, 3, 12), dt.date(2026, 3, 14)):
        Holiday.objects.create(
            date=day, name=f"Libur {day}", kind=Holiday.Kind.PUBLIC, source="administrator"
        )
    officer = make_staff(roles.OFFICER, office=samsat, email="andi@example.com")
    StaffMembership.objects.filter(user=officer).update(display_name="Budi Santoso")
    officer2 = make_staff(roles.OFFICER, office=samsat, email="citra@example.com")
    citizen = UserFactory()
    references: dict[str, str] = {}

    mon16 = dt.date(2026, 3, 16)
    references["A1"] = decided(
        traveller, citizen, samsat, officer, jakarta(mon16, 9), jakarta(mon16, 10)
    ).reference
    references["A2"] = decided(
        traveller, citizen, samsat, officer, jakarta(mon16, 9), jakarta(mon16, 11)
    ).reference
    references["A3"] = decided(
        traveller, citizen, samsat, officer, jakarta(mon16, 9), jakarta(mon16, 12), action="reject"
    ).reference
    references["A4"] = decided(
        traveller, citizen, samsat, officer2, jakarta(mon16, 18), jakarta(dt.date(2026, 3, 17), 4)
    ).reference

    at(traveller, dt.date(2026, 2, 16), 23)
    c0 = submitted(citizen, samsat)
    at(traveller, dt.date(2026, 2, 16), 23, 30)
    pay(open_bill(c0), f"REF-{c0.pk}")
    references["C0"] = c0.reference
    at(traveller, dt.date(2026, 3, 2), 9)
    references["B1"] = paid(citizen, samsat).reference
    at(traveller, dt.date(2026, 3, 9), 9)
    b2 = paid(citizen, samsat)
    act(b2, "claim", officer)
    references["B2"] = b2.reference
    at(traveller, dt.date(2026, 3, 11), 9)
    references["B3"] = paid(citizen, samsat).reference

    # Another Polda's office, with work of every kind that office X's pages must not show.
    other_office = OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Lain")
    other_officer = make_staff(roles.OFFICER, office=other_office)
    decided(traveller, citizen, other_office, other_officer, jakarta(mon16, 8), jakarta(mon16, 9))
    at(traveller, dt.date(2026, 3, 2), 9)
    paid(citizen, other_office)  # past due there
    # An office of X's own Polda, with one decision (5 h) and one open application.
    sister_office = OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda, name="Samsat Saudara")
    sister_officer = make_staff(roles.OFFICER, office=sister_office)
    decided(traveller, citizen, sister_office, sister_officer, jakarta(mon16, 8), jakarta(mon16, 13))
    at(traveller, dt.date(2026, 3, 17), 9)
    paid(citizen, sister_office)  # due 24 Mar: open, not past due

    traveller.move_to(NOW)
    return History(samsat, officer, officer2, other_office, sister_office, references)


def test_an_office_supervisors_figures_are_the_hand_worked_ones(
    client: Client, history: History, django_assert_num_queries: Any
) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=history.office)
    signed_in(client, supervisor)
    with django_assert_num_queries(OFFICE_PAGE_QUERIES, exact=False) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    assert len(page_queries(captured)) == OFFICE_PAGE_QUERIES
    page = response.content.decode()
    ref = history.references
    # The time the figures were read (10:00 in Jakarta), and the same page again from the cache.
    assert "Figures as of 10:00." in page
    with django_assert_num_queries(CACHED_PAGE_QUERIES, exact=False) as captured:
        again = client.get(URL)
    assert len(page_queries(captured)) == CACHED_PAGE_QUERIES
    assert (
        again.content.decode().split("</main>")[0].split("<main")[1]
        == page.split("</main>")[0].split("<main")[1]
    )

    # Backlog: queued C0, B1, B3, B2 in review, and A1, A2, A4 approved (waiting to be issued,
    # due 23 Mar) → 7 open, 3 of them past due (C0, B1, B2).
    assert csv_rows(client, "?export=backlog") == [
        [
            "Service",
            "Waiting for review",
            "In review",
            "Revision requested",
            "Awaiting appointment",
            "Approved",
            "Total",
            "Past due",
        ],
        ["Test permit", "3", "1", "0", "0", "3", "7", "3"],
    ]
    assert '<dd class="supervision-figure mb-0" id="figure-open">7</dd>' in page
    assert '<dd class="supervision-figure mb-0" id="figure-overdue">3</dd>' in page

    # Past due, longest first, in working days after the due date up to today (18 Mar):
    #   C0 due 23 Feb: 24–27 Feb (4) + 2–6 Mar (5) + 9–13 Mar less the 12th (4) + 16–18 Mar (3) = 16
    #   B1 due 9 Mar: 10, 11, 13, 16, 17, 18 (the 12th a holiday; the 14th a Saturday) = 6
    #   B2 due 17 Mar: 18 = 1
    overdue = csv_rows(client, "?export=overdue")
    assert overdue[0] == [
        "Reference",
        "Service",
        "Status",
        "Due date",
        "Working days overdue",
        "Assigned officer",
    ]
    assert overdue[1:] == [
        [ref["C0"], "Test permit", "Waiting for review", "2026-02-23", "16", ""],
        [ref["B1"], "Test permit", "Waiting for review", "2026-03-09", "6", ""],
        [ref["B2"], "Test permit", "In review", "2026-03-17", "1", "andi@example.com"],
    ]

    # Throughput: 30 days, 17 Feb to 18 Mar; A1–A3 on the 16th (one rejected), A4 on the 17th.
    throughput = csv_rows(client, "?export=throughput")
    assert throughput[0] == ["Day", "Decisions", "Approved", "Rejected"]
    assert len(throughput) == 1 + 30
    assert throughput[1][0] == "2026-02-17"
    assert throughput[-1][0] == "2026-03-18"
    by_day = {row[0]: row[1:] for row in throughput[1:]}
    assert by_day["2026-03-16"] == ["3", "2", "1"]
    assert by_day["2026-03-17"] == ["1", "1", "0"]
    assert sum(int(row[1]) for row in throughput[1:]) == 4
    assert '<dd class="supervision-figure mb-0" id="figure-decided">4</dd>' in page

    # Payment → decision over 1, 2, 3, 10 hours (n = 4):
    #   median: h = (4 − 1) × 0.5 = 1.5 → x[1] + 0.5 × (x[2] − x[1]) = 2 + 0.5 × 1 = 2.5 h
    #   90th:   h = (4 − 1) × 0.9 = 2.7 → x[2] + 0.7 × (x[3] − x[2]) = 3 + 0.7 × 7 = 7.9 h
    assert csv_rows(client, "?export=durations") == [
        ["Service", "Until", "Count", "Median", "90th percentile"],
        ["Test permit", "decision", "4", "2.5", "7.9"],
    ]

    # Officers: Budi Santoso (display name) claims B2 and decided A1–A3; the second officer,
    # with no display name, shows as their e-mail address and decided A4.
    assert csv_rows(client, "?export=officers") == [
        ["Officer", "Open claims", "Decisions"],
        ["Budi Santoso", "1", "3"],
        ["citra@example.com", "0", "1"],
    ]

    # Payments since 17 Feb 00:00 Jakarta: A1–A4, B1–B3 = 7 bills × Rp 25.000 = Rp 175.000.
    # C0 was paid on 16 Feb 23:30 Jakarta (16:30 UTC): before the window.
    assert csv_rows(client, "?export=payments") == [
        ["Service", "Bills", "Total (Rp)"],
        ["Test permit", "7", "175000"],
        ["All services", "7", "175000"],
    ]
    assert "Rp 175.000" in page

    # Nothing of the other offices, by number or by row.
    for name in ("Samsat Lain", "Samsat Saudara"):
        assert name not in page
    assert "Offices of the Polda" not in page
    assert client.get(URL + "?export=offices").status_code == 404


def test_a_polda_supervisor_sees_the_polda_and_narrows_to_one_office(
    client: Client, history: History, django_assert_num_queries: Any
) -> None:
    supervisor = make_polda_supervisor(history.office)
    signed_in(client, supervisor)
    with django_assert_num_queries(POLDA_PAGE_QUERIES, exact=False) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    assert len(page_queries(captured)) == POLDA_PAGE_QUERIES
    page = response.content.decode()
    assert "Samsat Lain" not in page

    # The Polda's offices: X as above; the sister office has its 5 h decision (13:00 − 08:00),
    # approved and so still open, and one queued application, due 24 Mar (18, 19, 20, 23, 24
    # after the 17th): not past due.
    offices = csv_rows(client, "?export=offices")
    assert offices[0] == [
        "Office",
        "Open",
        "Past due",
        "Decisions (30 days)",
        "Median payment → decision (hours)",
    ]
    assert sorted(offices[1:]) == sorted(
        [[history.office.name, "7", "3", "4", "2.5"], ["Samsat Saudara", "2", "0", "1", "5.0"]]
    )
    # The whole Polda: 7 + 2 open; 4 + 1 decisions; 5 decisions over 1, 2, 3, 5, 10 h → median 3 h,
    # 90th: h = 4 × 0.9 = 3.6 → 5 + 0.6 × (10 − 5) = 8 h.
    assert '<dd class="supervision-figure mb-0" id="figure-open">9</dd>' in page
    assert csv_rows(client, "?export=durations")[1] == ["Test permit", "decision", "5", "3.0", "8.0"]
    # Past due across the Polda lists the office of each row.
    assert csv_rows(client, "?export=overdue")[0][:2] == ["Reference", "Office"]

    narrowed = client.get(URL, {"office": str(history.sister_office.public_id)})
    assert narrowed.status_code == 200
    assert '<dd class="supervision-figure mb-0" id="figure-open">2</dd>' in narrowed.content.decode()
    assert "Offices of the Polda" not in narrowed.content.decode()
    # Its CSV links keep the office.
    assert f'href="?office={history.sister_office.public_id}&amp;export=backlog"' in narrowed.content.decode()
    rows = csv_rows(client, f"?office={history.sister_office.public_id}&export=officers")
    assert [row[1:] for row in rows[1:]] == [["0", "1"]]

    # Another Polda's office, or no office at all, is not found.
    assert client.get(URL, {"office": str(history.other_office.public_id)}).status_code == 404
    assert client.get(URL, {"office": "not-a-uuid"}).status_code == 404


def test_an_office_supervisor_cannot_narrow_to_another_office(client: Client, history: History) -> None:
    signed_in(client, make_staff(roles.SUPERVISOR, office=history.office))
    assert client.get(URL, {"office": str(history.office.public_id)}).status_code == 200
    assert client.get(URL, {"office": str(history.sister_office.public_id)}).status_code == 404
    assert client.get(URL, {"office": str(history.other_office.public_id)}).status_code == 404
    # The other office's supervisor sees their own office's work only.
    other = Client()
    signed_in(other, make_staff(roles.SUPERVISOR, office=history.other_office))
    rows = csv_rows(other, "?export=backlog")
    # That office's approved application (due 23 Mar) and its past-due queued one.
    assert rows[1][-2:] == ["2", "1"]
    assert history.references["C0"] not in other.get(URL).content.decode()


def test_an_unknown_export_is_not_found_and_formulas_are_neutralised(
    client: Client, service: Any, samsat: Office
) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    StaffMembership.objects.filter(user=supervisor).update(display_name="=cmd|' /C calc'!A0")
    officer = make_staff(roles.OFFICER, office=samsat)
    StaffMembership.objects.filter(user=officer).update(display_name="+SUM(A1)")
    citizen = UserFactory()
    application = act(make_application(citizen), "submit", citizen, office=samsat)
    act(application, "pay", None)
    act(Application.objects.get(pk=application.pk), "claim", officer)
    signed_in(client, supervisor)
    assert client.get(URL + "?export=secrets").status_code == 404
    rows = csv_rows(client, "?export=officers")
    assert rows[1] == ["'+SUM(A1)", "1", "0"]


def test_a_new_office_shows_nothing_yet(
    client: Client, samsat: Office, django_assert_num_queries: Any
) -> None:
    signed_in(client, make_staff(roles.SUPERVISOR, office=samsat))
    with django_assert_num_queries(OFFICE_PAGE_QUERIES, exact=False) as captured:
        response = client.get(URL)
    assert len(page_queries(captured)) == OFFICE_PAGE_QUERIES
    page = response.content.decode()
    assert response.status_code == 200
    for message in (
        "No open applications.",
        "Nothing is past its due date.",
        "No decisions in the last 30 days.",
        "Nothing yet.",
        "No decision with an estimate yet.",
    ):
        assert message in page
    assert "<svg" not in page
    assert page.count("<h1") == 1
    assert page.count('class="table-responsive"') == 7
    for name in ("backlog", "overdue", "throughput", "durations", "officers", "payments", "delivery"):
        assert f'href="?export={name}"' in page


def test_the_charts_are_svg_with_a_title_and_a_table_next_to_them(client: Client, history: History) -> None:
    signed_in(client, make_staff(roles.SUPERVISOR, office=history.office))
    page = client.get(URL).content.decode()
    assert page.count('role="img"') == 2
    assert 'aria-labelledby="chart-throughput-title chart-throughput-desc"' in page
    assert '<title id="chart-throughput-title">Decisions per day, last 30 days</title>' in page
    assert '<title id="chart-backlog-title">Open applications by service</title>' in page
    assert 'id="table-throughput"' in page
    assert 'id="table-backlog"' in page
    assert "<script" not in page.split("<main", 1)[1]


def _bucketful(traveller: Any, office: Office, officer: User, count: int) -> None:
    """``count`` applications in each bucket: decided, past due, claimed, still queued."""
    citizen = UserFactory()
    for _ in range(count):
        decided(
            traveller,
            citizen,
            office,
            officer,
            jakarta(dt.date(2026, 3, 16), 9),
            jakarta(dt.date(2026, 3, 16), 11),
        )
        at(traveller, dt.date(2026, 3, 2), 9)
        paid(citizen, office)
        at(traveller, dt.date(2026, 3, 9), 9)
        act(paid(citizen, office), "claim", officer)
        at(traveller, dt.date(2026, 3, 17), 9)
        paid(citizen, office)
    traveller.move_to(NOW)


@pytest.mark.parametrize("count", [1, 6])
def test_the_query_count_does_not_grow_with_the_rows(
    client: Client, service: Any, samsat: Office, traveller: Any, django_assert_num_queries: Any, count: int
) -> None:
    officers = [make_staff(roles.OFFICER, office=samsat) for _ in range(2)]
    for officer in officers:
        _bucketful(traveller, samsat, officer, count)
    for supervisor, expected in (
        (make_staff(roles.SUPERVISOR, office=samsat), OFFICE_PAGE_QUERIES),
        (make_polda_supervisor(samsat), POLDA_PAGE_QUERIES),
    ):
        browser = signed_in(Client(), supervisor)
        with django_assert_num_queries(expected, exact=False) as captured:
            response = browser.get(URL)
        assert response.status_code == 200
        assert len(page_queries(captured)) == expected
        assert f'id="figure-overdue">{2 * count * 2}</dd>' in response.content.decode()
        # Served from the cache, the page costs the same few queries whatever the rows.
        with django_assert_num_queries(CACHED_PAGE_QUERIES, exact=False) as captured:
            response = browser.get(URL)
        assert response.status_code == 200
        assert len(page_queries(captured)) == CACHED_PAGE_QUERIES
        assert f'id="figure-overdue">{2 * count * 2}</dd>' in response.content.decode()


def test_the_past_due_list_is_cut_and_says_so(client: Client, history: History) -> None:
    # The longest overdue first: C0 (due 23 Feb), then B1 (9 Mar); B2 (17 Mar) is cut.
    listed = metrics.overdue_items([history.office.pk], TODAY, limit=2)
    assert [item.reference for item in listed] == [history.references["C0"], history.references["B1"]]
    signed_in(client, make_staff(roles.SUPERVISOR, office=history.office))
    with patch.object(metrics, "OVERDUE_LIMIT", 2):
        page = client.get(URL).content.decode()
    assert "The 2 longest overdue of 3 are listed." in page


def test_the_estimate_accuracy_panel(client: Client, samsat: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in(client, make_staff(roles.SUPERVISOR, office=samsat))
    seen: list[list[int]] = []

    def accuracy_for(*, office_ids: Sequence[int]) -> eta.EtaAccuracy:
        seen.append(list(office_ids))
        return eta.EtaAccuracy(measured=4, on_time=3, mean_abs_error_days=0.5)

    monkeypatch.setattr(eta, "accuracy_for", accuracy_for)
    page = client.get(URL).content.decode()
    assert seen == [[samsat.pk]]
    # 3 of 4 on time: 3 × 100 / 4 = 75.0 %.
    assert "4 decisions had an estimate; 3 were decided on or before the estimated date (75.0 %)." in page
    assert "Average error: 0.5 working days." in page


def test_the_figures_are_a_minute_old_at_most_and_the_csv_shows_the_same(
    client: Client, service: Any, samsat: Office, traveller: Any
) -> None:
    """Read once, the figures serve the page and its CSV exports for a minute (with the time
    they were read), then are read again."""
    signed_in(client, make_staff(roles.SUPERVISOR, office=samsat))
    citizen = UserFactory()
    paid(citizen, samsat)
    page = client.get(URL).content.decode()
    assert '<dd class="supervision-figure mb-0" id="figure-open">1</dd>' in page
    assert "Figures as of 10:00." in page

    at(traveller, TODAY, 10, 0)
    traveller.shift(dt.timedelta(seconds=59))
    paid(citizen, samsat)  # a second open application, not yet in the figures
    page = client.get(URL).content.decode()
    assert '<dd class="supervision-figure mb-0" id="figure-open">1</dd>' in page
    assert "Figures as of 10:00." in page
    assert csv_rows(client, "?export=backlog")[1][-2] == "1"

    traveller.shift(dt.timedelta(seconds=61))  # 10:02: read again
    page = client.get(URL).content.decode()
    assert '<dd class="supervision-figure mb-0" id="figure-open">2</dd>' in page
    assert "Figures as of 10:02." in page
    assert csv_rows(client, "?export=backlog")[1][-2] == "2"


def test_each_set_of_offices_has_figures_of_its_own(client: Client, history: History) -> None:
    """The cache is per set of offices: an office's supervisor, the Polda's and the Polda's
    view of one office each see their own figures, whichever was read first."""
    polda = signed_in(Client(), make_polda_supervisor(history.office))
    office = signed_in(client, make_staff(roles.SUPERVISOR, office=history.office))
    open_figure = '<dd class="supervision-figure mb-0" id="figure-open">{}</dd>'
    assert open_figure.format(9) in polda.get(URL).content.decode()
    assert open_figure.format(7) in office.get(URL).content.decode()
    narrowed = polda.get(URL, {"office": str(history.sister_office.public_id)}).content.decode()
    assert open_figure.format(2) in narrowed
    assert open_figure.format(9) in polda.get(URL).content.decode()
