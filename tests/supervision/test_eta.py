"""Honest queue position and estimated decision date (supervision.eta), with constructed histories
whose figures are worked out by hand below: working-day due dates, the throughput window, the
estimate, and the accuracy of past estimates (holidays included).

Histories are made through the real services under ``time_machine``; only the promised dates of
the accuracy test are written straight into ``QueueEstimate`` (the test constructs the promise
that was given at queue entry — the service would compute it from an older history)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import roles
from accounts.models import User
from applications import events
from applications.models import Application
from korlantas.lib.clock import JAKARTA
from offices.models import Holiday, Office
from supervision import eta
from supervision.models import QueueEstimate
from tests.accounts.factories import make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import SERVICE_CODE, ServiceUnderTest, act, make_application, to_status
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

# The applications tests' fixtures: its test service (5 working days), a Samsat, a BPKB unit of
# the same Polda, its officer and a citizen.
service = applications_conftest.service
samsat = applications_conftest.samsat
bpkb_unit = applications_conftest.bpkb_unit
officer = applications_conftest.officer
citizen = applications_conftest.citizen


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in Jakarta."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


# Monday 15 June 2026, 10:00 in Jakarta.
NOW = at(2026, 6, 15)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def other_samsat(db: None) -> Office:
    return OfficeFactory(kind=Office.Kind.SAMSAT)


def holidays(*days: dt.date) -> None:
    for day in days:
        Holiday.objects.create(date=day, name=f"Libur {day}")


def decided(
    moment: dt.datetime, citizen: User, officer: User, office: Office, subject: str, action: str = "approve"
) -> Application:
    """An application submitted, paid, claimed and decided at ``moment``, through the services."""
    with time_machine.travel(moment, tick=False):
        application = to_status(
            make_application(citizen, subject), "in_review", citizen=citizen, officer=officer, office=office
        )
        if action == "reject":
            return act(application, "reject", officer, note="Unreadable scan", reason="documents_invalid")
        return act(application, "approve", officer)


def waiting(
    moment: dt.datetime, citizen: User, officer: User, office: Office, subject: str, status: str = "queued"
) -> Application:
    with time_machine.travel(moment, tick=False):
        return to_status(
            make_application(citizen, subject), status, citizen=citizen, officer=officer, office=office
        )


# --- the estimate -------------------------------------------------------------------------


@pytest.fixture
def history(
    service: ServiceUnderTest, samsat: Office, officer: User, citizen: User, other_samsat: Office
) -> None:
    """Holidays: Wed 20 May, Mon 1 June, Wed 17 June 2026.

    The 20 working days before Mon 15 June, walking back: 12, 11, 10, 9, 8 June (5), 5, 4, 3,
    2 June (9; 1 June is a holiday), 29, 28, 27, 26, 25 May (14), 22, 21 May (16; 20 May is a
    holiday), 19, 18, 15, 14 May (20). The window is [Thu 14 May 00:00, Mon 15 June 00:00) WIB.
    """
    holidays(dt.date(2026, 5, 20), dt.date(2026, 6, 1), dt.date(2026, 6, 17))
    # Eight decisions of the Samsat in the window, a rejection among them.
    decided(at(2026, 5, 14, 0, 30), citizen, officer, samsat, "IN 1")  # its first half hour
    for number, day in enumerate([dt.date(2026, 5, 25), dt.date(2026, 5, 29), dt.date(2026, 6, 2)]):
        decided(at(day.year, day.month, day.day), citizen, officer, samsat, f"IN {number + 2}")
    decided(at(2026, 6, 5), citizen, officer, samsat, "IN 5")
    decided(at(2026, 6, 9), citizen, officer, samsat, "IN 6")
    decided(at(2026, 6, 11), citizen, officer, samsat, "IN 7", action="reject")
    decided(at(2026, 6, 12, 23, 0), citizen, officer, samsat, "IN 8")  # 16:00 UTC, still 12 June here
    # Not counted: the half hour before the window, today, and another office's decision.
    decided(at(2026, 5, 13, 23, 30), citizen, officer, samsat, "OUT 1")
    decided(at(2026, 6, 15, 8, 0), citizen, officer, samsat, "OUT 2")
    decided(at(2026, 6, 10), citizen, make_staff(roles.OFFICER, office=other_samsat), other_samsat, "OUT 3")


def test_window_start_walks_back_twenty_working_days(history: None, samsat: Office) -> None:
    # See the ``history`` fixture: the 20th working day before 15 June is Thu 14 May.
    assert eta.window_start(dt.date(2026, 6, 15)) == dt.date(2026, 5, 14)
    today = dt.date(2026, 6, 15)
    assert eta.decisions_in_window(office_id=samsat.pk, service_code=SERVICE_CODE, today=today) == 8


def test_position_and_date_recorded_on_payment_and_shown_to_the_applicant(
    history: None,
    samsat: Office,
    officer: User,
    citizen: User,
    other_samsat: Office,
    client: Client,
    django_assert_num_queries: Any,
) -> None:
    # Due dates (5 working days after submission; 17 June is a holiday):
    #   D paid Mon 8 June → 9, 10, 11, 12, 15 → due 15 June; claimed: in review, ahead.
    #   A paid Wed 10 June → 11, 12, 15, 16, 18 → due 18 June; queued, ahead.
    #   R paid Tue 9 June → due 16 June; revision requested: waits for the citizen, not ahead.
    #   B paid Fri 12 June → 15, 16, 18, 19, 22 → due 22 June; queued, ahead.
    #   P paid Thu 11 June at another Samsat: another queue.
    #   T paid Mon 15 June → 16, 18, 19, 22, 23 → due 23 June.
    d = waiting(at(2026, 6, 8, 9), citizen, officer, samsat, "D", status="in_review")
    a = waiting(at(2026, 6, 10, 9), citizen, officer, samsat, "A")
    r = waiting(at(2026, 6, 9, 9), citizen, officer, samsat, "R", status="in_review")
    with time_machine.travel(at(2026, 6, 9, 11), tick=False):
        act(r, "request_revision", officer, note="Check the colour", flagged_fields=["colour"])
    b = waiting(at(2026, 6, 12, 9), citizen, officer, samsat, "B")
    waiting(at(2026, 6, 11, 9), citizen, make_staff(roles.OFFICER, office=other_samsat), other_samsat, "P")
    with time_machine.travel(NOW, tick=False):
        t = waiting(NOW, citizen, officer, samsat, "T")
        c = waiting(NOW, citizen, officer, samsat, "C")  # same moment, same due date, after T (id)
    assert [x.due_date for x in (d, a, b, t, c)] == [
        dt.date(2026, 6, 15),
        dt.date(2026, 6, 18),
        dt.date(2026, 6, 22),
        dt.date(2026, 6, 23),
        dt.date(2026, 6, 23),
    ]

    # T: position 1 + D, A, B = 4. Rate 8 / 20 = 0.4 a day → ceil(4 / 0.4) = 10 working days after
    # 15 June: 16, (17 holiday), 18, 19, 22, 23, 24, 25, 26, 29, 30 → Tue 30 June.
    # C: position 5 → ceil(5 / 0.4) = 13 → ..., 30 June (10), 1, 2, 3 July → Fri 3 July.
    estimate_t = QueueEstimate.objects.get(application=t)
    assert (estimate_t.office_id, estimate_t.service_code) == (samsat.pk, SERVICE_CODE)
    assert (estimate_t.position, estimate_t.estimated_date) == (4, dt.date(2026, 6, 30))
    assert estimate_t.estimated_at == NOW
    estimate_c = QueueEstimate.objects.get(application=c)
    assert (estimate_c.position, estimate_c.estimated_date) == (5, dt.date(2026, 7, 3))

    with time_machine.travel(NOW, tick=False):
        # Position, holidays of the window, decisions, holidays ahead: four, whatever the rows.
        with django_assert_num_queries(4):
            panel = eta.citizen_panel(t, citizen)
        assert panel is not None
        assert (panel.context["position"], panel.context["estimated_date"]) == (4, dt.date(2026, 6, 30))

        client.cookies["django_language"] = "en"
        client.force_login(citizen)
        body = client.get(reverse("applications:detail", args=[t.public_id])).content.decode()
    assert "Your place in the queue" in body
    assert "Tuesday, 30 June 2026" in body
    assert str(eta.METHOD) in body
    # Another person never gets the panel; nor does an application that no longer waits.
    assert eta.citizen_panel(t, make_staff(roles.OFFICER, office=samsat)) is None
    assert eta.citizen_panel(Application.objects.get(subject="IN 8"), citizen) is None


def test_no_decision_in_the_window_means_no_date_and_no_record(
    service: ServiceUnderTest, samsat: Office, officer: User, citizen: User, client: Client
) -> None:
    # A decision 21 working days back (Fri 15 May 2026, no holidays) is just outside the window.
    decided(at(2026, 5, 15), citizen, officer, samsat, "OLD")
    t = waiting(NOW, citizen, officer, samsat, "T")
    assert not QueueEstimate.objects.filter(application=t).exists()
    with time_machine.travel(NOW, tick=False):
        estimate = eta.estimate_for(t)
        assert estimate is not None
        assert (estimate.position, estimate.decided_in_window, estimate.estimated_date) == (1, 0, None)
        client.cookies["django_language"] = "en"
        client.force_login(citizen)
        body = client.get(reverse("applications:detail", args=[t.public_id])).content.decode()
    assert "No estimate yet" in body
    assert str(eta.NO_ESTIMATE) in body


def test_the_panel_costs_the_same_queries_with_one_or_six_ahead(
    service: ServiceUnderTest, samsat: Office, officer: User, citizen: User, django_assert_num_queries: Any
) -> None:
    decided(at(2026, 6, 10), citizen, officer, samsat, "DONE")
    first = waiting(at(2026, 6, 11), citizen, officer, samsat, "FIRST")
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(4):
        assert eta.citizen_panel(first, citizen) is not None
    for number in range(5):
        waiting(at(2026, 6, 10, 11), citizen, officer, samsat, f"AHEAD {number}")
    last = waiting(at(2026, 6, 12), citizen, officer, samsat, "LAST")
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(4):
        panel = eta.citizen_panel(last, citizen)
    # FIRST and five more (all due earlier) are ahead of LAST.
    assert panel is not None
    assert panel.context["position"] == 7


def test_the_queue_order_breaks_ties_by_creation_then_id(
    service: ServiceUnderTest, samsat: Office, officer: User, citizen: User
) -> None:
    # Three submitted the same day: the same due date; created one after the other.
    apps = [
        waiting(at(2026, 6, 11, 9, minute), citizen, officer, samsat, f"S{minute}") for minute in (1, 2, 3)
    ]
    with time_machine.travel(NOW, tick=False):
        assert [eta.position_of(application) for application in apps] == [1, 2, 3]
    # An application without a due date comes last.
    Application.objects.filter(pk=apps[0].pk).update(due_date=None)  # test-only: no service clears it
    apps[0].refresh_from_db()
    assert [eta.position_of(application) for application in apps] == [3, 1, 2]


def test_forward_replaces_the_estimate_with_the_next_offices(
    service: ServiceUnderTest,
    samsat: Office,
    bpkb_unit: Office,
    officer: User,
    citizen: User,
) -> None:
    bpkb_officer = make_staff(roles.OFFICER, office=bpkb_unit)
    # The BPKB unit decides two forwarded applications (10 and 11 June); the Samsat decides one.
    for day, subject in ((10, "F1"), (11, "F2")):
        with time_machine.travel(at(2026, 6, day), tick=False):
            application = waiting(at(2026, 6, day), citizen, officer, samsat, subject, status="in_review")
            application = act(application, "forward", officer, office=bpkb_unit)
            act(application, "claim", bpkb_officer)
            act(application, "approve", bpkb_officer)
    decided(at(2026, 6, 11, 14), citizen, officer, samsat, "S1")
    # No holidays. At the Samsat: position 1, rate 1/20 → 20 working days after Mon 15 June:
    # 16-19 June (4), 22-26 June (9), 29 June-3 July (14), 6-10 July (19), 13 July (20) → Mon 13 July.
    x = waiting(NOW, citizen, officer, samsat, "X")
    assert QueueEstimate.objects.get(application=x).estimated_date == dt.date(2026, 7, 13)
    with time_machine.travel(NOW, tick=False):
        x = act(x, "claim", officer)
        act(x, "forward", officer, office=bpkb_unit)
    # At the BPKB unit: position 1, rate 2/20 → 10 working days: 16-19 (4), 22-26 (9), 29 June (10).
    estimate = QueueEstimate.objects.get(application=x)
    assert (estimate.office_id, estimate.position, estimate.estimated_date) == (
        bpkb_unit.pk,
        1,
        dt.date(2026, 6, 29),
    )
    assert QueueEstimate.objects.filter(application=x).count() == 1


def test_forward_to_an_office_without_decisions_drops_the_estimate(
    service: ServiceUnderTest, samsat: Office, bpkb_unit: Office, officer: User, citizen: User
) -> None:
    decided(at(2026, 6, 11), citizen, officer, samsat, "S1")
    x = waiting(NOW, citizen, officer, samsat, "X", status="in_review")
    assert QueueEstimate.objects.filter(application=x, office=samsat).exists()
    with time_machine.travel(NOW, tick=False):
        act(x, "forward", officer, office=bpkb_unit)
    assert not QueueEstimate.objects.filter(application=x).exists()


def test_recording_twice_keeps_one_row(
    service: ServiceUnderTest, samsat: Office, officer: User, citizen: User
) -> None:
    decided(at(2026, 6, 11), citizen, officer, samsat, "S1")
    x = waiting(NOW, citizen, officer, samsat, "X")
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        row = eta.estimate_record(application=x)
    assert row is not None
    assert QueueEstimate.objects.filter(application=x).count() == 1
    assert QueueEstimate.objects.get(application=x).estimated_at == NOW + dt.timedelta(hours=1)


def test_listeners_are_registered_once() -> None:
    eta.register()  # again, as a reload would
    assert events.in_transaction_listeners("pay").count(eta._on_queue_entry) == 1
    assert events.in_transaction_listeners("forward").count(eta._on_queue_entry) == 1
    assert eta.citizen_panel in events.citizen_panel_providers()


# --- accuracy -----------------------------------------------------------------------------


def promised(application: Application, office: Office, day: dt.date) -> None:
    """Test-only: the date promised at queue entry, constructed for this history."""
    QueueEstimate.objects.update_or_create(
        application=application,
        defaults={"office": office, "service_code": SERVICE_CODE, "position": 1, "estimated_date": day},
    )


def test_accuracy_of_the_last_30_days_in_working_days(
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    citizen: User,
    other_samsat: Office,
    django_assert_num_queries: Any,
) -> None:
    # Holidays Mon 1 June and Thu 4 June 2026. Now: Mon 15 June 10:00 WIB; 30 days back is
    # Sat 16 May 10:00 WIB.
    holidays(dt.date(2026, 6, 1), dt.date(2026, 6, 4))
    # 1. Decided Fri 12 June, promised 12 June: on time, 0 working days off.
    promised(decided(at(2026, 6, 12, 14), citizen, officer, samsat, "A1"), samsat, dt.date(2026, 6, 12))
    # 2. Decided Tue 2 June, promised Fri 29 May: late; (29 May, 2 June] = Sat, Sun, holiday, Tue → 1.
    promised(decided(at(2026, 6, 2), citizen, officer, samsat, "A2"), samsat, dt.date(2026, 5, 29))
    # 3. Decided Wed 3 June, promised Wed 10 June: early; (3, 10 June] = 4 (holiday), 5, 8, 9, 10 → 4.
    promised(decided(at(2026, 6, 3), citizen, officer, samsat, "A3"), samsat, dt.date(2026, 6, 10))
    # 4. Decided Tue 9 June 00:30 WIB (Mon 8 June 17:30 UTC), promised Mon 8 June: late by the
    #    Jakarta date; (8, 9 June] → 1.
    promised(decided(at(2026, 6, 9, 0, 30), citizen, officer, samsat, "A4"), samsat, dt.date(2026, 6, 8))
    # Not measured: decided before the 30 days, still waiting, another office's.
    promised(decided(at(2026, 5, 15), citizen, officer, samsat, "OLD"), samsat, dt.date(2026, 5, 1))
    promised(waiting(at(2026, 6, 12), citizen, officer, samsat, "WAIT"), samsat, dt.date(2026, 6, 20))
    other_officer = make_staff(roles.OFFICER, office=other_samsat)
    # 5. Other office: decided Wed 10 June, promised Mon 1 June; (1, 10 June] = 2, 3, 5, 8, 9, 10 → 6.
    promised(
        decided(at(2026, 6, 10), citizen, other_officer, other_samsat, "B1"),
        other_samsat,
        dt.date(2026, 6, 1),
    )

    with time_machine.travel(NOW, tick=False):
        with django_assert_num_queries(1):
            accuracy = eta.accuracy_for(office_ids=[samsat.pk])
        # Measured 4; on time 1 and 3; mean error (0 + 1 + 4 + 1) / 4 = 1.5.
        assert accuracy == eta.EtaAccuracy(measured=4, on_time=2, mean_abs_error_days=1.5)
        with django_assert_num_queries(1):
            both = eta.accuracy_for(office_ids=[samsat.pk, other_samsat.pk])
        # Five measured, the same two on time; (0 + 1 + 4 + 1 + 6) / 5 = 2.4.
        assert both == eta.EtaAccuracy(measured=5, on_time=2, mean_abs_error_days=2.4)
        with django_assert_num_queries(1):
            nothing = eta.accuracy_for(office_ids=[])
        assert nothing == eta.EtaAccuracy(measured=0, on_time=0, mean_abs_error_days=None)


def test_accuracy_is_one_query_with_one_or_six_rows(
    service: ServiceUnderTest, samsat: Office, officer: User, citizen: User, django_assert_num_queries: Any
) -> None:
    promised(decided(at(2026, 6, 10), citizen, officer, samsat, "R0"), samsat, dt.date(2026, 6, 10))
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(1):
        assert eta.accuracy_for(office_ids=[samsat.pk]).measured == 1
    for number in range(1, 6):
        promised(
            decided(at(2026, 6, 10), citizen, officer, samsat, f"R{number}"), samsat, dt.date(2026, 6, 12)
        )
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(1):
        accuracy = eta.accuracy_for(office_ids=[samsat.pk])
    # Six measured, all on time; five of them 2 working days early (11, 12 June): 10 / 6.
    assert (accuracy.measured, accuracy.on_time) == (6, 6)
    assert accuracy.mean_abs_error_days == pytest.approx(10 / 6)
