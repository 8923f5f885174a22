"""The citizen's appointment pages: the handling office's free slots, booking,
rescheduling, cancelling until the cut-off, a seat gone meanwhile, the appointment on the
application page, someone else's application (404), and a number of queries that does not grow
with the slots."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from applications import registry
from applications.appointments import CHANGE_CUTOFF, booking_create, slot_publish
from applications.models import Application, Booking
from offices.models import AppointmentSlot, Office
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import SERVICE_CODE, ServiceUnderTest, act, make_application, to_status
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

# A Monday, 09:00 in Jakarta.
START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
PHYSICAL = AppointmentSlot.Kind.PHYSICAL_CHECK
NIK = "3171014507900003"


def booking_url(application: Application) -> str:
    return f"/warga/permohonan/{application.public_id}/jadwal/"


def cancel_url(application: Application) -> str:
    return f"/warga/permohonan/{application.public_id}/jadwal/batal/"


def detail_url(application: Application) -> str:
    return f"/warga/permohonan/{application.public_id}/"


@pytest.fixture
def clock_at() -> Iterator[Callable[[dt.datetime], None]]:
    with time_machine.travel(START, tick=False) as traveller:
        yield lambda moment: traveller.move_to(moment)


@pytest.fixture
def client(client: Client) -> Client:
    """Pages in English, the msgids these tests read."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def applicant(db: None) -> User:
    return make_profile(NIK, full_name="Siti Rahmawati").user


@pytest.fixture
def signed_in(client: Client, applicant: User) -> Client:
    client.force_login(applicant)
    return client


@pytest.fixture
def awaiting(
    service: ServiceUnderTest, clock_at: Any, samsat: Office, officer: User, applicant: User
) -> Application:
    """The applicant's application, scheduled for an appointment by the officer."""
    service.appointment = True
    application = to_status(
        make_application(applicant), "in_review", citizen=applicant, officer=officer, office=samsat
    )
    return act(application, "schedule", officer)


def publish(
    office: Office,
    *,
    days: float = 3,
    capacity: int = 2,
    kind: str = PHYSICAL,
    actor: User | None = None,
) -> AppointmentSlot:
    return slot_publish(
        office=office,
        kind=kind,
        starts_at=START + dt.timedelta(days=days),
        duration_minutes=30,
        capacity=capacity,
        actor=actor or make_staff(roles.OFFICER, office=office),
    )


def slot_values(response: Any) -> list[str]:
    return [row.value for section in response.context["sections"] for day in section.days for row in day.rows]


def test_urls_are_named() -> None:
    some = "6f1c4c1e-8d0a-4d57-9a37-2c1b1b6f9e01"
    assert reverse("applications:booking", args=[some]) == f"/warga/permohonan/{some}/jadwal/"
    assert reverse("applications:booking_cancel", args=[some]) == f"/warga/permohonan/{some}/jadwal/batal/"


# --- the list of free slots ---------------------------------------------------------------


def test_lists_open_future_slots_of_route_offices_only(
    awaiting: Application, samsat: Office, officer: User, applicant: User, signed_in: Client, clock_at: Any
) -> None:
    Office.objects.filter(pk=samsat.pk).update(
        street_address="Jl. Uji No. 7", address_source="https://example.org/samsat"
    )
    open_slot = publish(samsat, days=3, capacity=3, actor=officer)
    later = publish(samsat, days=4, actor=officer)
    full = publish(samsat, days=3.5, capacity=1, actor=officer)
    AppointmentSlot.objects.filter(pk=full.pk).update(booked=1)
    cancelled = publish(samsat, days=3.2, actor=officer)
    AppointmentSlot.objects.filter(pk=cancelled.pk).update(is_cancelled=True)
    started = publish(samsat, days=0.5, actor=officer)
    satpas = OfficeFactory(kind=Office.Kind.SATPAS)
    not_on_route = publish(satpas, kind=AppointmentSlot.Kind.THEORY_EXAM)
    closed_office = OfficeFactory(kind=Office.Kind.SAMSAT)
    at_closed = publish(closed_office)
    Office.objects.filter(pk=closed_office.pk).update(is_active=False)
    clock_at(START + dt.timedelta(days=1))  # ``started`` is in the past now
    signed_in.force_login(applicant)  # a day later: a new session

    response = signed_in.get(booking_url(awaiting))
    assert response.status_code == 200
    assert slot_values(response) == [str(open_slot.public_id), str(later.public_id)]
    days = [day for section in response.context["sections"] for day in section.days]
    assert [day.date for day in days] == [dt.date(2026, 11, 5), dt.date(2026, 11, 6)]
    body = response.content.decode()
    for hidden in (full, cancelled, started, not_on_route, at_closed):
        assert str(hidden.public_id) not in body
    assert samsat.name in body
    assert "Jl. Uji No. 7" in body
    assert "Vehicle physical check" in body
    assert "09:00–09:30 WIB" in body  # the office's local time
    assert "3 seats left" in body
    assert 'type="radio" name="slot"' in body


def test_only_the_handling_office_and_the_kinds_the_service_needs_now(
    awaiting: Application, samsat: Office, officer: User, signed_in: Client, service: ServiceUnderTest
) -> None:
    # The office that reviews the application examines it; another office of the same kind
    # on the route is not offered.
    other_samsat = OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda, code="samsat-lain")
    elsewhere = publish(other_samsat, days=2)
    check = publish(samsat, days=3, actor=officer)
    biometric = publish(samsat, days=4, kind=AppointmentSlot.Kind.BIOMETRIC, actor=officer)
    assert slot_values(signed_in.get(booking_url(awaiting))) == [
        str(check.public_id),
        str(biometric.public_id),
    ]

    registry.unregister_service(SERVICE_CODE)
    registry.register_service(
        dataclasses.replace(service.definition, appointment_kinds=lambda a: (AppointmentSlot.Kind.BIOMETRIC,))
    )
    assert slot_values(signed_in.get(booking_url(awaiting))) == [str(biometric.public_id)]
    response = signed_in.post(booking_url(awaiting), {"slot": str(elsewhere.public_id)})
    assert not Booking.objects.filter(application=awaiting).exists()
    assert response.status_code == 200


def test_empty_state_says_what_to_do(awaiting: Application, samsat: Office, signed_in: Client) -> None:
    response = signed_in.get(booking_url(awaiting))
    body = response.content.decode()
    assert "No free slots in the next weeks." in body
    assert "check again in a day or two" in body
    assert samsat.name in body  # whom to contact
    assert 'name="slot"' not in body


@pytest.mark.usefixtures("clock_at")
def test_application_not_awaiting_an_appointment_is_explained(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, signed_in: Client
) -> None:
    application = to_status(
        make_application(applicant), "in_review", citizen=applicant, officer=officer, office=samsat
    )
    slot = publish(samsat, actor=officer)
    for response in (
        signed_in.get(booking_url(application)),
        signed_in.post(booking_url(application), {"slot": slot.public_id}),
    ):
        assert response.status_code == 200
        body = response.content.decode()
        assert "This application is not waiting for an appointment" in body
        assert 'name="slot"' not in body
    assert not Booking.objects.exists()


# --- booking, rescheduling, cancelling ----------------------------------------------------


def test_book_a_slot_then_see_it_on_the_application_page(
    awaiting: Application, samsat: Office, officer: User, signed_in: Client
) -> None:
    slot = publish(samsat, actor=officer)
    detail = signed_in.get(detail_url(awaiting)).content.decode()
    assert ">Book an appointment</a>" in detail
    assert booking_url(awaiting) in detail

    response = signed_in.post(booking_url(awaiting), {"slot": slot.public_id})
    assert response.status_code == 302
    assert response["Location"] == detail_url(awaiting)
    booking = Booking.objects.get(application=awaiting)
    assert (booking.slot_id, booking.state) == (slot.pk, "booked")
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 1

    page = signed_in.get(detail_url(awaiting)).content.decode()
    assert "Your appointment is booked." in page
    assert "Thursday, 5 November 2026" in page
    assert "09:00–09:30 WIB" in page
    assert samsat.name in page
    assert "Vehicle physical check" in page
    assert "e-KTP" in page
    assert awaiting.reference in page
    assert "You can change or cancel it until 4 November 2026 09:00 WIB." in page
    assert cancel_url(awaiting) in page
    assert ">Book an appointment</a>" not in page


def test_no_choice_or_an_unknown_slot_is_a_field_error(
    awaiting: Application, samsat: Office, officer: User, signed_in: Client
) -> None:
    publish(samsat, actor=officer)
    assert "Choose a time." in signed_in.post(booking_url(awaiting), {}).content.decode()
    unknown = signed_in.post(booking_url(awaiting), {"slot": "6f1c4c1e-8d0a-4d57-9a37-2c1b1b6f9e01"})
    assert "Choose one of the times listed." in unknown.content.decode()
    assert not Booking.objects.exists()


def test_reschedule_moves_the_booking(
    awaiting: Application, samsat: Office, officer: User, applicant: User, signed_in: Client
) -> None:
    old, new = publish(samsat, days=3, actor=officer), publish(samsat, days=4, actor=officer)
    first = booking_create(application_id=awaiting.pk, slot_id=old.pk, citizen=applicant)

    page = signed_in.get(booking_url(awaiting))
    assert "Change your appointment" in page.content.decode()
    assert slot_values(page) == [str(new.public_id)]  # the booked slot is not offered again

    response = signed_in.post(booking_url(awaiting), {"slot": new.public_id})
    assert response.status_code == 302
    assert Booking.objects.get(pk=first.pk).state == "cancelled"
    assert Booking.objects.get(application=awaiting, state="booked").slot_id == new.pk
    assert [AppointmentSlot.objects.get(pk=s.pk).booked for s in (old, new)] == [0, 1]
    assert "Your appointment is changed." in signed_in.get(detail_url(awaiting)).content.decode()


def test_cancel_frees_the_seat(
    awaiting: Application, samsat: Office, officer: User, applicant: User, signed_in: Client
) -> None:
    slot = publish(samsat, actor=officer)
    booking = booking_create(application_id=awaiting.pk, slot_id=slot.pk, citizen=applicant)

    response = signed_in.post(cancel_url(awaiting))
    assert response.status_code == 302
    assert response["Location"] == booking_url(awaiting)
    assert Booking.objects.get(pk=booking.pk).state == "cancelled"
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 0
    assert Application.objects.get(pk=awaiting.pk).status == "awaiting_appointment"
    page = signed_in.get(booking_url(awaiting))
    assert "Your appointment is cancelled." in page.content.decode()
    assert slot_values(page) == [str(slot.public_id)]

    again = signed_in.post(cancel_url(awaiting))
    assert again.status_code == 302
    assert "There is no appointment to cancel." in signed_in.get(booking_url(awaiting)).content.decode()


def test_after_the_cutoff_nothing_can_change(
    awaiting: Application,
    samsat: Office,
    officer: User,
    applicant: User,
    signed_in: Client,
    clock_at: Callable[[dt.datetime], None],
) -> None:
    slot, other = publish(samsat, days=3, actor=officer), publish(samsat, days=4, actor=officer)
    booking = booking_create(application_id=awaiting.pk, slot_id=slot.pk, citizen=applicant)
    clock_at(slot.starts_at - CHANGE_CUTOFF + dt.timedelta(minutes=1))
    signed_in.force_login(applicant)  # two days later: a new session

    page = signed_in.get(booking_url(awaiting))
    body = page.content.decode()
    assert "Changes are no longer possible" in body
    assert "until 24 hours before it starts" in body
    assert 'name="slot"' not in body
    assert cancel_url(awaiting) not in body
    detail = signed_in.get(detail_url(awaiting)).content.decode()
    assert "can no longer be changed or cancelled here" in detail
    assert cancel_url(awaiting) not in detail

    moved = signed_in.post(booking_url(awaiting), {"slot": other.public_id})
    assert "Bookings can only be changed until 24 hours before the appointment." in moved.content.decode()
    signed_in.post(cancel_url(awaiting))
    assert "Bookings can only be changed" in signed_in.get(booking_url(awaiting)).content.decode()
    assert Booking.objects.get(pk=booking.pk).state == "booked"
    assert [AppointmentSlot.objects.get(pk=s.pk).booked for s in (slot, other)] == [1, 0]


def test_a_seat_gone_meanwhile_shows_the_list_again(
    awaiting: Application, samsat: Office, officer: User, signed_in: Client
) -> None:
    """Two browsers saw the last seat; the second to post gets a message, not a booking."""
    last_seat = publish(samsat, days=3, capacity=1, actor=officer)
    another = publish(samsat, days=4, actor=officer)
    rival = make_profile("3171011203850001").user
    rivals_application = act(
        to_status(
            make_application(rival, "D 1 XY"), "in_review", citizen=rival, officer=officer, office=samsat
        ),
        "schedule",
        officer,
    )
    rivals_browser = Client()
    rivals_browser.force_login(rival)
    assert str(last_seat.public_id) in slot_values(signed_in.get(booking_url(awaiting)))
    assert str(last_seat.public_id) in slot_values(rivals_browser.get(booking_url(rivals_application)))

    assert (
        rivals_browser.post(booking_url(rivals_application), {"slot": last_seat.public_id}).status_code == 302
    )
    response = signed_in.post(booking_url(awaiting), {"slot": last_seat.public_id})
    assert response.status_code == 200
    assert "This slot has just been fully booked. Choose another time." in response.content.decode()
    assert slot_values(response) == [str(another.public_id)]
    assert list(Booking.objects.filter(slot=last_seat).values_list("application_id", flat=True)) == [
        rivals_application.pk
    ]
    assert not Booking.objects.filter(application=awaiting).exists()
    assert AppointmentSlot.objects.get(pk=last_seat.pk).booked == 1


# --- who may -------------------------------------------------------------------------------


def test_someone_elses_application_is_404_everywhere(
    awaiting: Application, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    slot, other = publish(samsat, days=3, actor=officer), publish(samsat, days=4, actor=officer)
    booking = booking_create(application_id=awaiting.pk, slot_id=slot.pk, citizen=applicant)
    client.force_login(make_profile("3171011203850001").user)

    assert client.get(booking_url(awaiting)).status_code == 404
    assert client.post(booking_url(awaiting), {"slot": other.public_id}).status_code == 404
    assert client.get(cancel_url(awaiting)).status_code == 405
    assert client.post(cancel_url(awaiting)).status_code == 404
    assert Booking.objects.get(application=awaiting, state="booked").pk == booking.pk
    assert [AppointmentSlot.objects.get(pk=s.pk).booked for s in (slot, other)] == [1, 0]


def test_staff_are_refused(awaiting: Application, samsat: Office, client: Client) -> None:
    sign_in_with_mfa(client, make_staff(roles.SUPERVISOR, office=samsat))
    assert client.get(booking_url(awaiting)).status_code == 403
    assert client.post(cancel_url(awaiting)).status_code == 403


# --- queries -------------------------------------------------------------------------------


def _queries_for_booking_page(client: Client, application: Application) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(booking_url(application))
    assert response.status_code == 200
    return len(captured), len(slot_values(response))


def test_the_number_of_queries_does_not_grow_with_the_slots(
    awaiting: Application, samsat: Office, officer: User, signed_in: Client
) -> None:
    publish(samsat, days=2, actor=officer)
    with_one = _queries_for_booking_page(signed_in, awaiting)
    for number in range(9):
        publish(samsat, days=3 + number, actor=officer)
    with_ten = _queries_for_booking_page(signed_in, awaiting)
    assert (with_one[1], with_ten[1]) == (1, 10)
    assert with_ten[0] == with_one[0] == 6  # with the header's unread count


def _queries_for_detail_page(client: Client, application: Application) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(detail_url(application))
    assert response.status_code == 200
    return len(captured)


def test_the_application_page_asks_for_the_booking_only_when_there_is_one(
    awaiting: Application, samsat: Office, officer: User, applicant: User, signed_in: Client
) -> None:
    without = _queries_for_detail_page(signed_in, awaiting)
    booking_create(application_id=awaiting.pk, slot_id=publish(samsat, actor=officer).pk, citizen=applicant)
    with_booking = _queries_for_detail_page(signed_in, awaiting)
    # The application (with whether it has a live booking), attachments, history, the panels'
    # and timeline's own reads, the header's roles and unread count; the booking only when booked.
    assert with_booking == without + 1
    for number in range(3):
        publish(samsat, days=4 + number, actor=officer)
    assert _queries_for_detail_page(signed_in, awaiting) == with_booking
