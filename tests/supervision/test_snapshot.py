"""The public performance figures' refresh (issue 10, point 6): a constructed history across two
offices and two services, its figures computed by hand below, idempotency and deleted pairs.

The history is built through the real services (submit, pay, claim, approve/reject, issue; the
shipments printed, packed, confirmed, assigned, picked up, taken out, delivered or failed and
returned) at one frozen moment; only the timestamps a service cannot set in the past
(``paid_at``, ``decided_at``, ``due_date``, ``handed_over_at``, ``returned_at``) are then moved
back with a queryset ``.update()`` in the test, as commented where it happens.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.db import transaction

from accounts import roles
from accounts.models import User
from applications import registry
from applications.models import Application
from applications.services import application_create
from delivery import items
from delivery.models import Shipment
from delivery.services import shipment_transition
from offices.models import Office
from supervision.models import OfficeServiceStat
from supervision.snapshot import refresh_office_stats
from tests.accounts.factories import make_profile, make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import SERVICE_CODE, act
from tests.delivery import conftest as delivery_conftest
from tests.delivery.citizen_helpers import fail_once, on_the_road, three_failed_attempts
from tests.delivery.test_handover import deliver, the_code
from tests.offices.factories import OfficeFactory

# The test service of the applications tests (standard: 5 working days), shipping plates.
service = applications_conftest.service
shipping = delivery_conftest.shipping

SECOND_SERVICE = "test_licence"
# Saturday 28 November 2026, 07:15 UTC = 14:15 WIB; "today" in Jakarta is 28 November.
NOW = dt.datetime(2026, 11, 28, 7, 15, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 28)


def _plates(application: Application) -> tuple[str, ...]:
    return ("plates",)


@pytest.fixture
def second_service(shipping: None) -> Iterator[str]:
    """A second service (standard: 3 working days), a copy of the test service under its own code."""
    definition = dataclasses.replace(
        registry.get_service(SERVICE_CODE),
        code=SECOND_SERVICE,
        name="Test licence",
        reference_prefix="TSL",
        standard_working_days=3,
    )
    registry.register_service(definition)
    items.register_items(SECOND_SERVICE, _plates)
    yield SECOND_SERVICE
    items.unregister_items(SECOND_SERVICE)
    registry.unregister_service(SECOND_SERVICE)


@dataclass
class Desk:
    """An office and the people who work there."""

    office: Office
    officer: User
    dispatcher: User
    courier: User


@dataclass
class History:
    a: Desk
    b: Desk
    citizens: list[User]
    apps: dict[str, Application] = field(default_factory=dict)


# Citizens of the history: names, NIKs and phone numbers the public page must never show.
CITIZENS = (
    ("3171014507900003", "Siti Rahmawati", "+6281234567801"),
    ("3273022312850004", "Budi Santoso", "+6281234567802"),
    ("3578035001790005", "Dewi Lestari", "+6281234567803"),
)


def _desk(office: Office) -> Desk:
    return Desk(
        office=office,
        officer=make_staff(roles.OFFICER, office=office),
        dispatcher=make_staff(roles.DISPATCHER, office=office),
        courier=make_staff(roles.COURIER, office=office),
    )


def _submitted(citizen: User, code: str, subject: str, desk: Desk) -> Application:
    application = application_create(
        applicant=citizen, service_code=code, subject=subject, delivery_choice="courier"
    )
    return act(application, "submit", citizen, office=desk.office)


def _decided(citizen: User, code: str, subject: str, desk: Desk, *, approve: bool) -> Application:
    application = act(_submitted(citizen, code, subject, desk), "pay", None)
    application = act(application, "claim", desk.officer)
    if not approve:
        return act(
            application, "reject", desk.officer, note="Documents unreadable.", reason="documents_invalid"
        )
    application = act(application, "approve", desk.officer)
    return act(application, "issue", desk.officer)


def _set_history(
    application: Application, *, decided_at: dt.datetime, paid_hours: int | None, due: dt.date
) -> None:
    # The services stamp "now": the test moves the decision, the payment and the due date back
    # (timestamps only; the status stays what the services made it).
    Application.objects.filter(pk=application.pk).update(
        decided_at=decided_at,
        paid_at=None if paid_hours is None else decided_at - dt.timedelta(hours=paid_hours),
        due_date=due,
    )


def _shipment(application: Application) -> Shipment:
    return Shipment.objects.get(application=application)


def _delivered(application: Application, desk: Desk, holder: User, *, attempts: int, at: dt.datetime) -> None:
    shipment = on_the_road(_shipment(application), desk.dispatcher, holder, desk.courier)
    for _failed in range(attempts - 1):
        shipment = fail_once(shipment, desk.courier)
    shipment_transition(shipment_id=shipment.pk, action="go_out", actor=desk.courier)
    deliver(shipment, desk.courier, the_code(shipment), received_by_name="Penerima")
    # The hand-over happened on ``at`` (timestamp only).
    Shipment.objects.filter(pk=shipment.pk).update(handed_over_at=at)


def _returned(application: Application, desk: Desk, holder: User, *, at: dt.datetime) -> None:
    shipment = three_failed_attempts(_shipment(application), desk.dispatcher, holder, desk.courier)
    shipment_transition(
        shipment_id=shipment.pk,
        action="return_to_office",
        actor=desk.dispatcher,
        data={"label_code": shipment.label_code},
    )
    # Scanned back in on ``at`` (timestamp only).
    Shipment.objects.filter(pk=shipment.pk).update(returned_at=at)


def wib(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def build_history() -> History:
    """Office A (two services) and office B (one), in two Poldas.

    Office A, test permit (standard 5 working days):
      decisions in the last 90 days (since 30 Aug 2026 07:15 UTC), payment → decision:
        d1 approved 18 Nov 14:15 WIB, paid 12 h before, due 18 Nov      → within
        d2 rejected  8 Nov 14:15 WIB, paid 36 h before, due 10 Nov      → within
        d3 approved 30 Oct 01:30 WIB (29 Oct 18:30 UTC), paid 60 h before, due 29 Oct
                                                                         → late (in Jakarta it is the 30th)
        d4 approved 19 Oct 14:15 WIB, paid 100 h before, due 25 Oct     → within
        old approved 29 Aug 14:15 WIB (91 days ago)                      → outside the window
      decided 4, within 3 → 75 %; median of 12, 36, 60, 100 h = (36 + 60) / 2 = 48 h = 2.0 days
      open: q1 queued due 27 Nov (past due), q2 in review due 28 Nov (today: not past due),
            p1 waiting for payment (not open work), approved-then-issued ones are not open either
        backlog 2, overdue 1
      courier shipments: d1 delivered at the 1st attempt (20 Nov), d3 delivered at the 2nd
        attempt (3 Nov), d4 returned after 3 failed attempts (24 Oct), old delivered on
        25 Aug (outside the window)
        ended 3 = 2 delivered + 1 returned → 2/3 = 67 %; at the first attempt 1/3 = 33 %
    Office A, test licence (standard 3): q4 queued due 1 Dec → backlog 1, overdue 0, no decision.
    Office B, test permit:
        e1 approved 23 Nov 14:15 WIB, paid 24 h before, due 24 Nov → within; delivered 1st attempt
        e2 rejected 22 Nov 14:15 WIB, payment moment unknown (paid_at empty: left out of the
           median), due 30 Nov → within
      decided 2, within 2 → 100 %; median of 24 h alone = 24 h = 1.0 day; backlog 0;
      ended 1, delivered 1, first attempt 1 → 100 %, 100 %
    """
    a = _desk(OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Kota Uji A"))
    b = _desk(OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Kota Uji B"))
    citizens = [
        make_profile(nik, full_name=name, phone=phone, phone_verified=True).user
        for nik, name, phone in CITIZENS
    ]
    siti, budi, dewi = citizens
    history = History(a=a, b=b, citizens=citizens)
    apps = history.apps
    with time_machine.travel(NOW, tick=False):
        apps["d1"] = _decided(siti, SERVICE_CODE, "B 1001 AA", a, approve=True)
        apps["d2"] = _decided(siti, SERVICE_CODE, "B 1002 AA", a, approve=False)
        apps["d3"] = _decided(budi, SERVICE_CODE, "B 1003 AA", a, approve=True)
        apps["d4"] = _decided(budi, SERVICE_CODE, "B 1004 AA", a, approve=True)
        apps["old"] = _decided(dewi, SERVICE_CODE, "B 1005 AA", a, approve=True)
        apps["q1"] = act(_submitted(siti, SERVICE_CODE, "B 1006 AA", a), "pay", None)
        apps["q2"] = act(act(_submitted(budi, SERVICE_CODE, "B 1007 AA", a), "pay", None), "claim", a.officer)
        apps["p1"] = _submitted(dewi, SERVICE_CODE, "B 1008 AA", a)
        apps["q4"] = act(_submitted(dewi, SECOND_SERVICE, "B 1009 AA", a), "pay", None)
        apps["e1"] = _decided(siti, SERVICE_CODE, "D 2001 BB", b, approve=True)
        apps["e2"] = _decided(budi, SERVICE_CODE, "D 2002 BB", b, approve=False)

        _set_history(
            apps["d1"], decided_at=wib(2026, 11, 18, 14, 15), paid_hours=12, due=dt.date(2026, 11, 18)
        )
        _set_history(
            apps["d2"], decided_at=wib(2026, 11, 8, 14, 15), paid_hours=36, due=dt.date(2026, 11, 10)
        )
        _set_history(
            apps["d3"], decided_at=wib(2026, 10, 30, 1, 30), paid_hours=60, due=dt.date(2026, 10, 29)
        )
        _set_history(
            apps["d4"], decided_at=wib(2026, 10, 19, 14, 15), paid_hours=100, due=dt.date(2026, 10, 25)
        )
        _set_history(
            apps["old"], decided_at=wib(2026, 8, 29, 14, 15), paid_hours=1000, due=dt.date(2026, 9, 5)
        )
        _set_history(
            apps["e1"], decided_at=wib(2026, 11, 23, 14, 15), paid_hours=24, due=dt.date(2026, 11, 24)
        )
        _set_history(
            apps["e2"], decided_at=wib(2026, 11, 22, 14, 15), paid_hours=None, due=dt.date(2026, 11, 30)
        )
        # Due dates of the open work (timestamps only).
        Application.objects.filter(pk=apps["q1"].pk).update(due_date=dt.date(2026, 11, 27))
        Application.objects.filter(pk=apps["q2"].pk).update(due_date=TODAY)
        Application.objects.filter(pk=apps["q4"].pk).update(due_date=dt.date(2026, 12, 1))

        _delivered(apps["d1"], a, siti, attempts=1, at=wib(2026, 11, 20, 11))
        _delivered(apps["d3"], a, budi, attempts=2, at=wib(2026, 11, 3, 11))
        _returned(apps["d4"], a, budi, at=wib(2026, 10, 24, 16))
        _delivered(apps["old"], a, dewi, attempts=1, at=wib(2026, 8, 25, 11))
        _delivered(apps["e1"], b, siti, attempts=1, at=wib(2026, 11, 25, 10))
    return history


@pytest.fixture
def history(second_service: str, db: None) -> History:
    return build_history()


def refresh() -> int:
    with time_machine.travel(NOW, tick=False):
        return refresh_office_stats()


def figures() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (stat.office.name, stat.service_code): {
            "backlog": stat.backlog,
            "overdue": stat.overdue,
            "decided": stat.decided_90d,
            "within": stat.within_standard_90d,
            "median_hours": stat.median_decision_hours_90d,
            "ended": stat.shipments_ended_90d,
            "delivered": stat.delivered_90d,
            "first_attempt": stat.delivered_first_attempt_90d,
        }
        for stat in OfficeServiceStat.objects.select_related("office")
    }


EXPECTED = {
    ("Samsat Kota Uji A", SERVICE_CODE): {
        "backlog": 2,  # q1, q2
        "overdue": 1,  # q1 (27 Nov < 28 Nov)
        "decided": 4,  # d1..d4
        "within": 3,  # d1, d2, d4
        "median_hours": 48,  # (36 + 60) / 2
        "ended": 3,  # d1, d3 delivered + d4 returned
        "delivered": 2,
        "first_attempt": 1,  # d1
    },
    ("Samsat Kota Uji A", SECOND_SERVICE): {
        "backlog": 1,
        "overdue": 0,
        "decided": 0,
        "within": 0,
        "median_hours": None,
        "ended": 0,
        "delivered": 0,
        "first_attempt": 0,
    },
    ("Samsat Kota Uji B", SERVICE_CODE): {
        "backlog": 0,
        "overdue": 0,
        "decided": 2,  # e1, e2
        "within": 2,
        "median_hours": 24,  # e1 only: e2 has no payment moment
        "ended": 1,
        "delivered": 1,
        "first_attempt": 1,
    },
}


def test_the_history_is_what_the_services_made(history: History) -> None:
    statuses = {name: Application.objects.get(pk=app.pk).status for name, app in history.apps.items()}
    assert statuses == {
        "d1": "completed",
        "d2": "rejected",
        "d3": "completed",
        "d4": "issued",  # its plates came back to the office
        "old": "completed",
        "q1": "queued",
        "q2": "in_review",
        "p1": "pending_payment",
        "q4": "queued",
        "e1": "completed",
        "e2": "rejected",
    }
    attempts = {
        name: (_shipment(history.apps[name]).status, _shipment(history.apps[name]).attempts)
        for name in ("d1", "d3", "d4", "old", "e1")
    }
    assert attempts == {
        "d1": ("delivered", 1),
        "d3": ("delivered", 2),
        "d4": ("returned_to_office", 3),
        "old": ("delivered", 1),
        "e1": ("delivered", 1),
    }
    # A shipment belongs to the office that issued the document.
    assert _shipment(history.apps["e1"]).office_id == history.b.office.pk


def test_the_refresh_computes_the_hand_made_figures(history: History) -> None:
    assert refresh() == 3
    assert figures() == EXPECTED
    stamps = set(OfficeServiceStat.objects.values_list("computed_at", flat=True))
    assert stamps == {NOW}


def _kinds(captured: Any) -> list[str]:
    return [query["sql"].split()[0] for query in captured.captured_queries]


def test_the_refresh_uses_a_constant_number_of_queries(
    history: History, django_assert_num_queries: Any
) -> None:
    # Open work, decisions, shipments (three grouped SELECTs), the upsert and the delete; the
    # durable block is a savepoint inside the test's transaction (SAVEPOINT, RELEASE).
    expected = ["SAVEPOINT", "SELECT", "SELECT", "SELECT", "INSERT", "DELETE", "RELEASE"]
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(7) as captured:
        refresh_office_stats()
    assert sorted(_kinds(captured)) == sorted(expected)
    # Three more decided applications in a third office change no query.
    c = _desk(OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Kota Uji C"))
    with time_machine.travel(NOW, tick=False):
        for number in range(3):
            _decided(history.citizens[0], SERVICE_CODE, f"F {3000 + number} CC", c, approve=False)
        with django_assert_num_queries(7) as captured:
            assert refresh_office_stats() == 4
    assert sorted(_kinds(captured)) == sorted(expected)


def test_running_it_twice_gives_the_same_rows(history: History) -> None:
    refresh()
    first = {row["id"]: row for row in OfficeServiceStat.objects.values()}
    assert refresh() == 3
    second = {row["id"]: row for row in OfficeServiceStat.objects.values()}
    assert second == first


def test_a_pair_without_figures_is_deleted_and_a_new_one_appears(history: History) -> None:
    refresh()
    with time_machine.travel(NOW, tick=False):
        # Office A's only test-licence application is cancelled: that pair has no figure left.
        act(history.apps["q4"], "cancel", history.citizens[2])
        # Office B gets its first test-licence application in the queue, due today.
        arrived = act(_submitted(history.citizens[1], SECOND_SERVICE, "D 2003 BB", history.b), "pay", None)
        Application.objects.filter(pk=arrived.pk).update(due_date=TODAY)  # timestamp only
    kept = OfficeServiceStat.objects.get(office=history.a.office, service_code=SERVICE_CODE).pk
    assert refresh() == 3
    got = figures()
    assert ("Samsat Kota Uji A", SECOND_SERVICE) not in got
    assert got[("Samsat Kota Uji B", SECOND_SERVICE)]["backlog"] == 1
    assert got[("Samsat Kota Uji B", SECOND_SERVICE)]["overdue"] == 0
    assert OfficeServiceStat.objects.get(office=history.a.office, service_code=SERVICE_CODE).pk == kept


def test_the_window_moves_with_time(history: History) -> None:
    # Fifteen days later (13 Dec 2026 07:15 UTC) the window starts on 14 Sep 07:15 UTC: d4 (19 Oct)
    # is still inside; nothing new was decided; q1 and q2 are both past due now.
    with time_machine.travel(NOW + dt.timedelta(days=15), tick=False):
        refresh_office_stats()
    got = figures()[("Samsat Kota Uji A", SERVICE_CODE)]
    assert (got["decided"], got["median_hours"], got["backlog"], got["overdue"]) == (4, 48, 2, 2)
    # Fifty-two days later (19 Jan 2027 07:15 UTC; window from 21 Oct 07:15 UTC): d4 (19 Oct)
    # is out, d3 (29 Oct) still in → decided 3 (d1, d2, d3), within 2 (d1, d2), the median of
    # 12, 36, 60 h = 36 h; the returned d4 parcel (24 Oct 09:00 UTC) is still in: ended 3.
    with time_machine.travel(NOW + dt.timedelta(days=52), tick=False):
        refresh_office_stats()
    got = figures()[("Samsat Kota Uji A", SERVICE_CODE)]
    assert (got["decided"], got["within"], got["median_hours"], got["ended"]) == (3, 2, 36, 3)


def test_an_empty_portal_writes_nothing(db: None) -> None:
    assert refresh() == 0
    assert not OfficeServiceStat.objects.exists()


def test_publishes_its_version_once_committed(
    history: History, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.cache import cache

    from supervision.snapshot import FIGURES_VERSION_KEY

    cache.delete(FIGURES_VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        refresh()
    assert cache.get(FIGURES_VERSION_KEY) is None  # nothing before the commit
    with transaction.atomic():
        for callback in callbacks:
            callback()
    assert cache.get(FIGURES_VERSION_KEY) == NOW.isoformat()
