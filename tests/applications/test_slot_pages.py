"""The offices' appointment pages: an office's upcoming slots, publishing slots (once or on the
next working days, all or none), bad input kept with its errors, a slot's bookings (no NIK),
another office's slot (404), Polda supervisors, and queries that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from applications import appointments
from applications.appointments import SlotRefused, booking_create, slot_publish
from applications.models import Application
from audit.models import AuditEvent
from offices.models import AppointmentSlot, Holiday, Office, TimeZone
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import (
    ServiceUnderTest,
    act,
    make_application,
    make_polda_supervisor,
    to_status,
)
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory, ProvinceFactory, RegencyFactory

pytestmark = pytest.mark.django_db

# A Monday, 09:00 in Jakarta.
START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
PHYSICAL = AppointmentSlot.Kind.PHYSICAL_CHECK
SLOTS_URL = "/staf/jadwal/"
NIK = "3171014507900003"


def slot_url(slot: AppointmentSlot) -> str:
    return f"{SLOTS_URL}{slot.public_id}/"


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(START, tick=False):
        yield


@pytest.fixture
def client(client: Client) -> Client:
    """Pages in English, the msgids these tests read."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def staff_client(client: Client, officer: User) -> Client:
    sign_in_with_mfa(client, officer)
    return client


def publish(office: Office, actor: User, *, days: float = 3, capacity: int = 2) -> AppointmentSlot:
    return slot_publish(
        office=office,
        kind=PHYSICAL,
        starts_at=START + dt.timedelta(days=days),
        duration_minutes=30,
        capacity=capacity,
        actor=actor,
    )


def form_data(**overrides: Any) -> dict[str, Any]:
    return {
        "date": "2026-11-05",
        "start_time": "09:00",
        "kind": PHYSICAL,
        "duration_minutes": "30",
        "capacity": "8",
        "repeat_days": "0",
        **overrides,
    }


def booked_application(citizen: User, officer: User, office: Office, slot: AppointmentSlot) -> Application:
    application = act(
        to_status(make_application(citizen), "in_review", citizen=citizen, officer=officer, office=office),
        "schedule",
        officer,
    )
    booking_create(application_id=application.pk, slot_id=slot.pk, citizen=citizen)
    return application


def test_urls_are_named() -> None:
    assert reverse("applications:slots") == SLOTS_URL
    some = "6f1c4c1e-8d0a-4d57-9a37-2c1b1b6f9e01"
    assert reverse("applications:slot_detail", args=[some]) == f"{SLOTS_URL}{some}/"


# --- the office's slots -------------------------------------------------------------------


def test_officer_sees_the_upcoming_slots_of_their_office_only(
    samsat: Office, officer: User, staff_client: Client
) -> None:
    mine = publish(samsat, officer, days=3, capacity=4)
    AppointmentSlot.objects.filter(pk=mine.pk).update(booked=1)
    earlier_today = publish(samsat, officer, days=0.1)
    other_office = OfficeFactory(kind=Office.Kind.SAMSAT)
    theirs = publish(other_office, make_staff(roles.OFFICER, office=other_office))
    AppointmentSlot.objects.create(
        office=samsat, kind=PHYSICAL, starts_at=START - dt.timedelta(days=1), duration_minutes=30, capacity=1
    )

    response = staff_client.get(SLOTS_URL)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [earlier_today, mine]
    body = response.content.decode()
    assert samsat.name in body
    assert "Thu 5 Nov 2026" in body
    assert "09:00–09:30 WIB" in body
    assert "1 of 4" in body
    assert slot_url(mine) in body
    assert slot_url(theirs) not in body


def test_empty_state(staff_client: Client) -> None:
    assert "No upcoming slots." in staff_client.get(SLOTS_URL).content.decode()


def test_publish_a_slot_in_the_offices_local_time(service: ServiceUnderTest, client: Client) -> None:
    wita = ProvinceFactory(timezone=TimeZone.WITA)
    office = OfficeFactory(kind=Office.Kind.SAMSAT, regency=RegencyFactory(province=wita))
    supervisor = make_staff(roles.SUPERVISOR, office=office)
    sign_in_with_mfa(client, supervisor)

    response = client.post(SLOTS_URL, form_data(capacity="12", duration_minutes="45"))
    assert response.status_code == 302
    assert response["Location"] == SLOTS_URL
    slot = AppointmentSlot.objects.get()
    assert (slot.office, slot.kind, slot.capacity, slot.duration_minutes, slot.booked) == (
        office,
        PHYSICAL,
        12,
        45,
        0,
    )
    assert slot.starts_at == dt.datetime(2026, 11, 5, 1, 0, tzinfo=dt.UTC)  # 09:00 WITA
    assert AuditEvent.objects.filter(
        action="appointment.slot_published", object_id=str(slot.public_id), actor_id=supervisor.pk
    ).exists()
    page = client.get(SLOTS_URL).content.decode()
    assert "1 slot published." in page
    assert "09:00–09:45 WITA" in page


def test_repeat_on_the_next_working_days(samsat: Office, staff_client: Client) -> None:
    Holiday.objects.create(date=dt.date(2026, 11, 9), name="Hari uji")  # the Monday after
    # Friday 6 November, then the next three working days: Tuesday 10 to Thursday 12.
    response = staff_client.post(SLOTS_URL, form_data(date="2026-11-06", repeat_days="3"))
    assert response.status_code == 302
    starts = list(AppointmentSlot.objects.order_by("starts_at").values_list("starts_at", flat=True))
    assert [start.astimezone(samsat.timezone).date().day for start in starts] == [6, 10, 11, 12]
    assert {start.astimezone(samsat.timezone).time() for start in starts} == {dt.time(9, 0)}
    assert "4 slots published." in staff_client.get(SLOTS_URL).content.decode()


def test_a_refusal_part_way_publishes_nothing(
    samsat: Office, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_publish = appointments.slot_publish
    calls: list[dt.datetime] = []

    def second_refused(**kwargs: Any) -> AppointmentSlot:
        calls.append(kwargs["starts_at"])
        if len(calls) == 2:
            raise SlotRefused("invalid_slot", "Refused for the test.")
        return real_publish(**kwargs)

    monkeypatch.setattr(appointments, "slot_publish", second_refused)
    response = staff_client.post(SLOTS_URL, form_data(repeat_days="2"))
    assert response.status_code == 200
    assert "Refused for the test." in response.content.decode()
    assert len(calls) == 2
    assert not AppointmentSlot.objects.exists()


def test_a_closed_office_cannot_publish(samsat: Office, staff_client: Client) -> None:
    Office.objects.filter(pk=samsat.pk).update(is_active=False)
    response = staff_client.post(SLOTS_URL, form_data())
    assert response.status_code == 200
    assert "This office is closed." in response.content.decode()
    assert not AppointmentSlot.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date": "2026-11-01"}, "date", "This date has passed."),
        ({"date": "2026-11-02", "start_time": "08:30"}, "start_time", "This time has already passed today."),
        ({"capacity": "0"}, "capacity", "Ensure this value is greater than or equal to 1."),
        ({"duration_minutes": "601"}, "duration_minutes", "Ensure this value is less than or equal to 600."),
        ({"kind": "karaoke"}, "kind", "Select a valid choice."),
        ({"date": "tomorrow"}, "date", "Enter a valid date."),
        ({"repeat_days": "21"}, "repeat_days", "Ensure this value is less than or equal to 20."),
    ],
)
def test_bad_input_shows_field_errors_and_saves_nothing(
    staff_client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    data = form_data(**overrides)
    response = staff_client.post(SLOTS_URL, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in form.errors[field][0]
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body  # next to the field
    assert f'value="{data["capacity"]}"' in body  # what was typed is kept
    assert not AppointmentSlot.objects.exists()
    assert not AuditEvent.objects.filter(action="appointment.slot_published").exists()


# --- one slot's bookings ------------------------------------------------------------------


def test_slot_detail_lists_bookings_without_personal_data(
    service: ServiceUnderTest, samsat: Office, officer: User, staff_client: Client
) -> None:
    service.appointment = True
    profile = make_profile(NIK, full_name="Siti Rahmawati")
    slot = publish(samsat, officer, capacity=3)
    application = booked_application(profile.user, officer, samsat, slot)

    response = staff_client.get(slot_url(slot))
    assert response.status_code == 200
    assert [booking.application for booking in response.context["bookings"]] == [application]
    body = response.content.decode()
    assert application.reference in body
    assert "Booked" in body
    assert "1 of 3" in body
    assert reverse("applications:review", args=[application.public_id]) in body
    assert NIK not in body
    assert "Siti Rahmawati" not in body


def test_another_offices_slot_is_404(samsat: Office, client: Client) -> None:
    other_office = OfficeFactory(kind=Office.Kind.SAMSAT)
    theirs = publish(other_office, make_staff(roles.OFFICER, office=other_office))
    sign_in_with_mfa(client, make_staff(roles.SUPERVISOR, office=samsat))
    assert client.get(slot_url(theirs)).status_code == 404
    assert client.get(f"{SLOTS_URL}6f1c4c1e-8d0a-4d57-9a37-2c1b1b6f9e01/").status_code == 404


def test_polda_supervisor_gets_an_explanation_and_their_polda_slots(
    samsat: Office, officer: User, client: Client
) -> None:
    slot = publish(samsat, officer)
    elsewhere = OfficeFactory(kind=Office.Kind.SAMSAT)
    outside = publish(elsewhere, make_staff(roles.OFFICER, office=elsewhere))
    sign_in_with_mfa(client, make_polda_supervisor(samsat))

    response = client.get(SLOTS_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "rather than one office" in body
    assert samsat.polda is not None
    assert samsat.polda.name in body
    assert 'name="capacity"' not in body
    assert client.post(SLOTS_URL, form_data()).status_code == 200
    assert not AppointmentSlot.objects.exclude(pk__in=[slot.pk, outside.pk]).exists()
    assert client.get(slot_url(slot)).status_code == 200
    assert client.get(slot_url(outside)).status_code == 404


@pytest.mark.parametrize("role", [roles.DISPATCHER, roles.COURIER])
def test_other_staff_roles_are_refused(role: str, samsat: Office, officer: User, client: Client) -> None:
    slot = publish(samsat, officer)
    sign_in_with_mfa(client, make_staff(role, office=samsat))
    assert client.get(SLOTS_URL).status_code == 403
    assert client.post(SLOTS_URL, form_data()).status_code == 403
    assert client.get(slot_url(slot)).status_code == 403


def test_citizen_is_refused(samsat: Office, officer: User, client: Client) -> None:
    slot = publish(samsat, officer)
    client.force_login(make_profile(NIK).user)
    assert client.get(SLOTS_URL).status_code == 403
    assert client.get(slot_url(slot)).status_code == 403


# --- queries -------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_slots_page_queries_do_not_grow_with_the_slots(
    samsat: Office, officer: User, staff_client: Client
) -> None:
    publish(samsat, officer, days=1)
    with_one = _queries(staff_client, SLOTS_URL)
    for number in range(9):
        publish(samsat, officer, days=2 + number)
    with_ten = _queries(staff_client, SLOTS_URL)
    assert len(staff_client.get(SLOTS_URL).context["page"].object_list) == 10
    assert with_ten == with_one == 5


def test_the_slot_page_queries_do_not_grow_with_the_bookings(
    service: ServiceUnderTest, samsat: Office, officer: User, staff_client: Client
) -> None:
    service.appointment = True
    slot = publish(samsat, officer, capacity=10)
    booked_application(make_profile(NIK).user, officer, samsat, slot)
    with_one = _queries(staff_client, slot_url(slot))
    for number in range(9):
        citizen = make_profile(f"31710112038500{number + 10:02d}").user
        booked_application(citizen, officer, samsat, slot)
    with_ten = _queries(staff_client, slot_url(slot))
    assert len(staff_client.get(slot_url(slot)).context["bookings"]) == 10
    assert with_ten == with_one == 6
