"""The dashboard's named reads one by one: deliveries (first attempt, overall, waiting for
collection, payment → hand-over), the working-day count of the past-due list, the window's
Jakarta boundaries, the charts' markup, and who supervises what.

Shipments reach their states through the real delivery services under ``time_machine``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from accounts import roles
from accounts.models import User
from applications.models import Application
from delivery import collection, services
from delivery.models import Shipment
from delivery.services import shipment_transition
from korlantas.lib.clock import JAKARTA
from offices import workdays
from offices.models import Holiday, Office
from supervision import charts, metrics
from supervision.scope import supervised_office_ids
from tests.accounts.factories import make_profile, make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import make_application, make_polda_supervisor, to_status
from tests.delivery import conftest as delivery_conftest
from tests.delivery.citizen_helpers import fail_once
from tests.delivery.test_handover import deliver, the_code
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory

service = applications_conftest.service
samsat = applications_conftest.samsat
officer = applications_conftest.officer
shipping = delivery_conftest.shipping
dispatcher = delivery_conftest.dispatcher
courier = delivery_conftest.courier

TODAY = dt.date(2026, 3, 18)
_subjects = itertools.count(500)


@pytest.fixture(autouse=True)
def _english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def jakarta(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=JAKARTA)


def issued_shipment(holder: User, officer: User, office: Office, choice: str = "courier") -> Shipment:
    application = make_application(holder, f"B {next(_subjects)} DL")
    # The delivery choice is the citizen's, made on a form these tests skip (as tests/delivery do).
    Application.objects.filter(pk=application.pk).update(delivery_choice=choice)
    application.refresh_from_db()
    application = to_status(application, "issued", citizen=holder, officer=officer, office=office)
    return Shipment.objects.get(application=application)


def on_the_road(shipment: Shipment, holder: User, dispatcher: User, courier: User) -> Shipment:
    services.shipment_mark_printed(shipment_id=shipment.pk, actor=dispatcher)
    services.shipment_mark_packed(shipment_id=shipment.pk, actor=dispatcher)
    services.shipment_confirm_address(shipment_id=shipment.pk, actor=holder)
    shipment_transition(shipment_id=shipment.pk, action="assign", actor=dispatcher, data={"courier": courier})
    return shipment_transition(
        shipment_id=shipment.pk, action="pick_up", actor=courier, data={"label_code": shipment.label_code}
    )


def go_out(shipment: Shipment, courier: User) -> Shipment:
    return shipment_transition(shipment_id=shipment.pk, action="go_out", actor=courier)


@pytest.mark.usefixtures("shipping")
def test_delivery_figures_and_payment_to_hand_over(
    samsat: Office, officer: User, dispatcher: User, courier: User, client: Client
) -> None:
    """S1 paid 16 Mar 08:00, delivered at the first attempt at 10:00 → 2 h.
    S2 paid 16 Mar 08:00, failed at 10:00, delivered at the second attempt 17 Mar 08:00 → 24 h.
    S3 failed three times and was scanned back in: returned, waiting at the office.
    S4 chose collection at the office: waiting, but never with a courier (not "returned").

    Ended by courier: S1, S2 delivered + S3 returned = 3.
    First attempt: 1 / 3 = 33.3 %; overall: 2 / 3 = 66.7 %. Waiting for collection: S3, S4 = 2.
    Payment → hand-over over 2 h and 24 h (n = 2):
      median: h = 1 × 0.5 = 0.5 → 2 + 0.5 × 22 = 13 h; 90th: h = 0.9 → 2 + 0.9 × 22 = 21.8 h.
    """
    holder = make_profile("3171014507900003", full_name="Siti Rahmawati", phone_verified=True).user
    with time_machine.travel(jakarta(dt.date(2026, 3, 16), 8), tick=False) as traveller:
        first = on_the_road(issued_shipment(holder, officer, samsat), holder, dispatcher, courier)
        second = on_the_road(issued_shipment(holder, officer, samsat), holder, dispatcher, courier)
        third = on_the_road(issued_shipment(holder, officer, samsat), holder, dispatcher, courier)
        fourth = issued_shipment(holder, officer, samsat, choice="collection")
        first = go_out(first, courier)
        second = go_out(second, courier)
        traveller.move_to(jakarta(dt.date(2026, 3, 16), 10))
        deliver(first, courier, the_code(first))
        shipment_transition(
            shipment_id=second.pk, action="fail_attempt", actor=courier, reason_code="not_home"
        )
        for _ in range(3):
            third = fail_once(third, courier)
        collection.shipment_scan_in(shipment_id=third.pk, actor=dispatcher, label_code=third.label_code)
        traveller.move_to(jakarta(dt.date(2026, 3, 17), 7))
        second = go_out(second, courier)
        traveller.move_to(jakarta(dt.date(2026, 3, 17), 8))
        deliver(second, courier, the_code(second))
        traveller.move_to(jakarta(TODAY, 10))

        states = dict(Shipment.objects.values_list("pk", "status"))
        assert [states[s.pk] for s in (first, second, third, fourth)] == [
            "delivered",
            "delivered",
            "returned_to_office",
            "ready_for_collection",
        ]
        window = metrics.Window(today=TODAY)
        figures = metrics.delivery([samsat.pk], window)
        assert (figures.delivered, figures.delivered_first_attempt, figures.returned) == (2, 1, 1)
        assert figures.awaiting_collection == 2
        assert figures.first_attempt_rate == pytest.approx(1 / 3)
        assert figures.overall_rate == pytest.approx(2 / 3)
        [duration] = metrics.payment_to_delivery([samsat.pk], window)
        assert duration.count == 2
        assert duration.median_seconds == pytest.approx(13 * 3600)
        assert duration.p90_seconds == pytest.approx(21.8 * 3600)
        # Another office sees none of it.
        elsewhere = OfficeFactory(kind=Office.Kind.SAMSAT)
        assert metrics.delivery([elsewhere.pk], window) == metrics.DeliveryFigures(0, 0, 0, 0)
        assert metrics.payment_to_delivery([elsewhere.pk], window) == []

        # The page shows the same, as a table and its CSV.
        sign_in_with_mfa(client, make_staff(roles.SUPERVISOR, office=samsat))
        client.cookies["django_language"] = "en"
        page = client.get("/staf/pengawasan/").content.decode()
        assert "33.3 %" in page
        assert "66.7 %" in page
        assert 'id="figure-awaiting">2</dd>' in page
        body = client.get("/staf/pengawasan/?export=delivery").content.decode()
        assert "Success at the first attempt,33.3" in body
        assert "Waiting for collection at the office now,2" in body
        durations = client.get("/staf/pengawasan/?export=durations").content.decode()
        assert "Test permit,delivery,2,13.0,21.8" in durations


def test_the_window_is_thirty_jakarta_days() -> None:
    window = metrics.Window(today=TODAY)
    assert window.first_day == dt.date(2026, 2, 17)
    assert len(window.dates()) == 30
    assert window.dates()[-1] == TODAY
    # Midnight in Jakarta is 17:00 UTC the day before.
    assert window.since == dt.datetime(2026, 2, 16, 17, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_working_days_with_given_holidays_match_the_workdays_helper() -> None:
    # Holidays on Thursday 12 March and Saturday 14 March 2026 (a weekend day: counts nothing).
    for day in (dt.date(2026, 3, 12), dt.date(2026, 3, 14)):
        Holiday.objects.create(date=day, name=str(day), kind=Holiday.Kind.PUBLIC, source="administrator")
    holidays = frozenset(Holiday.objects.values_list("date", flat=True))
    # By hand: after Mon 9 Mar up to Wed 18 Mar: 10, 11, 13, 16, 17, 18 = 6.
    assert workdays.working_days_between_given(dt.date(2026, 3, 9), TODAY, holidays) == 6
    # After Fri 13 Mar up to Mon 16 Mar: 16 = 1; the same day or before: 0.
    assert workdays.working_days_between_given(dt.date(2026, 3, 13), dt.date(2026, 3, 16), holidays) == 1
    assert workdays.working_days_between_given(TODAY, TODAY, holidays) == 0
    assert workdays.working_days_between_given(TODAY, dt.date(2026, 3, 1), holidays) == 0
    for start in (dt.date(2026, 2, 1) + dt.timedelta(days=offset) for offset in range(0, 45, 3)):
        assert workdays.working_days_between_given(start, TODAY, holidays) == workdays.working_days_between(
            start, TODAY
        )


def test_charts_are_labelled_svg_and_escape_their_labels() -> None:
    svg = charts.bar_chart(
        chart_id="c1",
        title="Open <applications>",
        description="One bar per service.",
        points=[charts.Point("<b>SIM</b>", 3), charts.Point("STNK", 0)],
    )
    assert svg.startswith('<svg class="supervision-chart"')
    assert 'role="img"' in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Open &lt;applications&gt;</title>' in svg
    assert "&lt;b&gt;SIM&lt;/b&gt;" in svg
    assert "<b>" not in svg
    long_name = charts.bar_chart(
        chart_id="c3", title="t", description="d", points=[charts.Point("Perpanjangan STNK lima tahunan", 1)]
    )
    # 23 characters kept ("Perpanjangan STNK lima " with its space), then the ellipsis: 24 in all.
    assert ">Perpanjangan STNK lima …</text>" in long_name
    columns = charts.column_chart(
        chart_id="c2",
        title="Per day",
        description="d",
        points=[charts.Point(f"{day:02d}/03", day % 4) for day in range(1, 31)],
    )
    assert columns.count("<rect") == 30
    # A bar of 3 on an axis topped at 5 (3 rounded up to 1, 2 or 5 × a power of ten).
    assert ">5</text>" in columns


def test_nice_axis_tops() -> None:
    assert [charts._nice_max(value) for value in (0, 1, 2, 3, 7, 10, 11, 26, 180)] == [
        1,
        1,
        2,
        5,
        10,
        10,
        20,
        50,
        200,
    ]


@pytest.mark.django_db
def test_who_supervises_which_offices(samsat: Office) -> None:
    sister = OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)
    elsewhere = OfficeFactory(kind=Office.Kind.SAMSAT)
    assert supervised_office_ids(make_staff(roles.SUPERVISOR, office=samsat)) == [samsat.pk]
    assert sorted(supervised_office_ids(make_polda_supervisor(samsat))) == sorted([samsat.pk, sister.pk])
    assert supervised_office_ids(make_staff(roles.OFFICER, office=samsat)) == []
    assert supervised_office_ids(make_staff(roles.DISPATCHER, office=elsewhere)) == []
