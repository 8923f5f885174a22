"""Every lifecycle step a citizen should hear about (issue 5, point 6) queues its message in the
step's own transaction, with the right template, ids only, and what the citizen needs to know
(the reason of a rejection, the note and deadline of a revision, the appointment's time)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import transaction

from accounts.models import User
from applications import events, registry
from applications.appointments import (
    booking_cancel,
    booking_create,
    booking_record_attendance,
    booking_reschedule,
    slot_publish,
)
from applications.events import TransitionEvent
from applications.models import Application, Booking, RevisionRequest, StatusChange
from notifications import catalogue
from notifications.models import Message
from notifications.receivers import ACTION_MESSAGES
from offices.models import AppointmentSlot, Office
from tests.applications.conftest import SERVICE_CODE, ServiceUnderTest, act, make_application, to_status

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Jakarta


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def appointments(service: ServiceUnderTest) -> ServiceUnderTest:
    """The test service, needing an appointment for every application."""
    registry.unregister_service(SERVICE_CODE)
    registry.register_service(dataclasses.replace(service.definition, needs_appointment=lambda a: True))
    service.appointment = True
    return service


def messages_of(application: Application) -> list[tuple[str, str, bool]]:
    return sorted(
        Message.objects.filter(context__application_id=application.pk).values_list(
            "template_key", "channel", "critical"
        )
    )


def keys_of(application: Application) -> list[str]:
    return sorted({key for key, _channel, _critical in messages_of(application)})


def email_of(application: Application, key: str) -> Message:
    return Message.objects.get(context__application_id=application.pk, template_key=key, channel="email")


def render(row: Message, language: str = "en") -> catalogue.Rendered:
    """The message as sent, in English (the msgids) unless asked otherwise."""
    row.language = language
    return catalogue.render(row)


def in_review(citizen: User, officer: User, samsat: Office, subject: str = "B 1234 ABC") -> Application:
    return to_status(
        make_application(citizen, subject), "in_review", citizen=citizen, officer=officer, office=samsat
    )


def test_every_action_a_citizen_hears_about_has_a_message() -> None:
    assert ACTION_MESSAGES == {
        "submit": "application_submitted",
        "request_revision": "revision_requested",
        "schedule": "appointment_needed",
        "approve": "application_approved",
        "reject": "application_rejected",
        "issue": "application_issued",
        "expire": "application_expired",
        "cancel": "application_cancelled",
        "lapse_revision": "revision_lapsed",
        "lapse_appointment": "appointment_lapsed",
    }


def test_submit(service: ServiceUnderTest, citizen: User, samsat: Office) -> None:
    application = act(make_application(citizen), "submit", citizen, office=samsat)
    assert messages_of(application) == [
        ("application_submitted", "email", False),
        ("application_submitted", "inapp", False),
    ]
    row = Message.objects.get(template_key="application_submitted", channel="email")
    assert row.context == {"application_id": application.pk}
    content = render(row)
    assert "registration proof" in content.text
    assert f"/warga/permohonan/{application.public_id}/" in content.text


def test_the_message_rolls_back_with_a_refused_transition(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    def payments_down(event: TransitionEvent) -> None:
        raise RuntimeError("no bill")

    events.listen("submit", payments_down, phase="in_transaction")
    try:
        with pytest.raises(RuntimeError, match="no bill"):
            act(make_application(citizen), "submit", citizen, office=samsat)
    finally:
        events.unlisten("submit", payments_down)
    assert not Message.objects.exists()


def test_uninteresting_steps_send_nothing(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = in_review(citizen, officer, samsat)  # submit, pay, claim
    act(application, "release", officer)
    assert keys_of(application) == ["application_submitted"]


def test_request_revision_tells_the_note_the_items_and_the_deadline(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    with time_machine.travel(dt.datetime(2026, 12, 21, 3, 0, tzinfo=dt.UTC), tick=False):
        application = in_review(citizen, officer, samsat)
        act(
            application,
            "request_revision",
            officer,
            note="Warna pada STNK berbeda & foto buram",
            flagged_fields=["colour"],
            flagged_documents=["supporting"],
        )
    revision = RevisionRequest.objects.get(application=application)
    row = email_of(application, "revision_requested")
    assert row.critical
    assert row.context == {"application_id": application.pk, "revision_request_id": revision.pk}
    content = render(row)
    assert "Warna pada STNK berbeda & foto buram" in content.text  # plain text: not HTML-escaped
    assert "Warna pada STNK berbeda &amp; foto buram" in content.html
    assert "- Colour" in content.text
    assert "- Supporting document" in content.text
    assert "4 January 2027, 10:00 WIB" in content.text  # 14 days later, Jakarta time
    # Dates follow the recipient's language (Django's own catalogue names the months).
    assert "4 Januari 2027, 10:00 WIB" in render(row, "id").text


def test_schedule_asks_to_book(
    appointments: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = act(in_review(citizen, officer, samsat), "schedule", officer)
    row = email_of(application, "appointment_needed")
    assert row.critical
    content = render(row)
    assert f"/warga/permohonan/{application.public_id}/jadwal/" in content.text
    assert "30 days" in content.text
    assert samsat.name in content.text


def test_approve_and_issue(service: ServiceUnderTest, citizen: User, officer: User, samsat: Office) -> None:
    application = to_status(
        make_application(citizen), "issued", citizen=citizen, officer=officer, office=samsat
    )
    assert keys_of(application) == ["application_approved", "application_issued", "application_submitted"]
    assert not email_of(application, "application_approved").critical
    assert email_of(application, "application_issued").critical


def test_reject_tells_the_reason_and_the_note(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = act(
        in_review(citizen, officer, samsat),
        "reject",
        officer,
        reason="documents_invalid",
        note="The KTP scan is unreadable.",
    )
    change = StatusChange.objects.get(application=application, action="reject")
    row = email_of(application, "application_rejected")
    assert row.critical
    assert row.context == {"application_id": application.pk, "status_change_id": change.pk}
    content = render(row)
    assert "Reason: Documents are not valid or not legible" in content.text
    assert "The KTP scan is unreadable." in content.text
    assert "The KTP scan is unreadable." in content.html


def test_cancel(service: ServiceUnderTest, citizen: User, samsat: Office) -> None:
    application = act(act(make_application(citizen), "submit", citizen, office=samsat), "cancel", citizen)
    assert keys_of(application) == ["application_cancelled", "application_submitted"]
    assert not email_of(application, "application_cancelled").critical


def test_a_discarded_draft_sends_nothing(service: ServiceUnderTest, citizen: User) -> None:
    application = act(make_application(citizen), "cancel", citizen)
    assert application.status == "cancelled"
    assert keys_of(application) == []


def test_expire(service: ServiceUnderTest, citizen: User, samsat: Office, clock: Any) -> None:
    application = act(make_application(citizen), "submit", citizen, office=samsat)
    clock.move_to(START + dt.timedelta(days=8))
    act(application, "expire", None)
    assert email_of(application, "application_expired").critical


def test_lapse_revision(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office, clock: Any
) -> None:
    application = act(
        in_review(citizen, officer, samsat),
        "request_revision",
        officer,
        note="Check",
        flagged_fields=["colour"],
    )
    clock.move_to(START + dt.timedelta(days=15))
    act(application, "lapse_revision", None)
    assert email_of(application, "revision_lapsed").critical
    assert "corrections" in render(email_of(application, "revision_lapsed")).text


def test_lapse_appointment(
    appointments: ServiceUnderTest, citizen: User, officer: User, samsat: Office, clock: Any
) -> None:
    application = act(in_review(citizen, officer, samsat), "schedule", officer)
    clock.move_to(START + dt.timedelta(days=31))
    act(application, "lapse_appointment", None)
    assert email_of(application, "appointment_lapsed").critical


# --- bookings -------------------------------------------------------------------------------


@pytest.fixture
def awaiting(
    appointments: ServiceUnderTest, citizen: User, officer: User, samsat: Office, clock: Any
) -> Application:
    return act(in_review(citizen, officer, samsat), "schedule", officer)


def slot(office: Office, officer: User, days: float) -> AppointmentSlot:
    return slot_publish(
        office=office,
        kind=AppointmentSlot.Kind.PHYSICAL_CHECK,
        starts_at=START + dt.timedelta(days=days),
        duration_minutes=30,
        capacity=2,
        actor=officer,
    )


def test_booking_changes_each_send_a_message(
    awaiting: Application, citizen: User, officer: User, samsat: Office
) -> None:
    first = booking_create(application_id=awaiting.pk, slot_id=slot(samsat, officer, 3).pk, citizen=citizen)
    row = email_of(awaiting, "booking_created")
    assert row.context == {"application_id": awaiting.pk, "booking_id": first.pk}
    content = render(row)
    assert "Thursday, 5 November 2026, 09:00 WIB" in content.text
    assert samsat.name in content.text
    assert "Vehicle physical check" in content.text

    second = booking_reschedule(booking_id=first.pk, new_slot_id=slot(samsat, officer, 4).pk, citizen=citizen)
    row = email_of(awaiting, "booking_rescheduled")
    assert row.context == {
        "application_id": awaiting.pk,
        "booking_id": second.pk,
        "previous_booking_id": first.pk,
    }
    content = render(row)
    assert "Friday, 6 November 2026, 09:00 WIB" in content.text
    assert "It replaces the appointment of Thursday, 5 November 2026, 09:00 WIB." in content.text

    booking_cancel(booking_id=second.pk, citizen=citizen)
    row = email_of(awaiting, "booking_cancelled")
    assert row.context == {"application_id": awaiting.pk, "booking_id": second.pk}
    assert "is cancelled" in render(row).text
    assert not row.critical


def test_attendance_and_a_second_no_show(
    awaiting: Application, citizen: User, officer: User, samsat: Office, clock: Any
) -> None:
    booking = booking_create(application_id=awaiting.pk, slot_id=slot(samsat, officer, 1).pk, citizen=citizen)
    clock.move_to(START + dt.timedelta(days=1, hours=1))
    booking_record_attendance(booking_id=booking.pk, officer=officer, attended=False)
    content = render(email_of(awaiting, "attendance_recorded"))
    assert content.subject.startswith("Missed appointment")
    assert "After a second missed appointment" in content.text

    again = booking_create(application_id=awaiting.pk, slot_id=slot(samsat, officer, 2).pk, citizen=citizen)
    clock.move_to(START + dt.timedelta(days=2, hours=1))
    booking_record_attendance(booking_id=again.pk, officer=officer, attended=False)
    assert Application.objects.get(pk=awaiting.pk).status == "rejected"
    assert (
        Message.objects.filter(
            context__application_id=awaiting.pk, template_key="attendance_recorded", channel="email"
        ).count()
        == 2
    )
    assert email_of(awaiting, "appointment_lapsed").critical


def test_attendance_with_an_outcome(
    awaiting: Application, citizen: User, officer: User, samsat: Office, clock: Any
) -> None:
    booking = booking_create(application_id=awaiting.pk, slot_id=slot(samsat, officer, 1).pk, citizen=citizen)
    clock.move_to(START + dt.timedelta(days=1, hours=1))
    booking_record_attendance(
        booking_id=booking.pk, officer=officer, attended=True, outcome="pass", notes="OK"
    )
    assert Booking.objects.get(pk=booking.pk).state == "attended"
    content = render(email_of(awaiting, "attendance_recorded"))
    assert "Result: Pass." in content.text
    assert "The officer continues the review." in content.text


def test_a_booking_event_rolls_back_with_the_booking(
    awaiting: Application, citizen: User, officer: User, samsat: Office
) -> None:
    def fails(**ids: int) -> None:
        raise RuntimeError("after the message")

    events.listen_event("booking_created", fails)
    try:
        with pytest.raises(RuntimeError, match="after the message"):
            booking_create(application_id=awaiting.pk, slot_id=slot(samsat, officer, 3).pk, citizen=citizen)
    finally:
        events.unlisten_event("booking_created", fails)
    assert not Booking.objects.filter(application=awaiting).exists()
    assert "booking_created" not in keys_of(awaiting)


@pytest.mark.django_db(transaction=True)
def test_events_are_emitted_inside_a_transaction_only() -> None:
    with pytest.raises(events.EventOutsideTransaction):
        events.emit_event("booking_created", application_id=1, booking_id=1)
    with pytest.raises(ValueError, match="unknown event"):
        events.emit_event("booking_exploded", application_id=1)
    with pytest.raises(TypeError), transaction.atomic():
        events.emit_event("booking_created", application_id="B 1234 ABC")  # type: ignore[arg-type]


def test_every_key_has_its_four_templates() -> None:
    from django.template.loader import get_template

    from notifications import catalogue

    for key in catalogue.registered_keys():
        for part in ("subject.txt", "body.txt", "body.html", "sms.txt"):
            get_template(f"notifications/{key}/{part}")
