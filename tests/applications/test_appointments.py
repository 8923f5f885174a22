"""Appointments (issue point 5): slots, bookings, attendance and the appointment lapses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from accounts import roles
from accounts.models import User
from applications import appointments, registry
from applications.appointments import (
    BookingRefused,
    SlotFull,
    SlotRefused,
    applications_lapse_unbooked,
    booking_cancel,
    booking_create,
    booking_record_attendance,
    booking_reschedule,
    slot_publish,
)
from applications.models import Application, Booking, StatusChange
from applications.registry import ServiceDefinition
from applications.services import TransitionRefused
from audit.models import AuditEvent
from offices.models import AppointmentSlot, Office
from tests.accounts.factories import make_staff
from tests.applications.conftest import (
    SERVICE_CODE,
    ServiceUnderTest,
    act,
    make_application,
    make_polda_supervisor,
    to_status,
)
from tests.factories import UserFactory
from tests.offices.factories import OfficeFactory
from tests.utils import in_thread, wait_for_a_lock_wait

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
PHYSICAL = AppointmentSlot.Kind.PHYSICAL_CHECK


@pytest.fixture
def appointment_service(service: ServiceUnderTest) -> ServiceDefinition:
    """The test service, needing appointments (the core decides the appointment guards)."""
    registry.unregister_service(SERVICE_CODE)
    definition = dataclasses.replace(service.definition, needs_appointment=lambda a: True)
    return registry.register_service(definition)  # the ``service`` fixture unregisters it


@pytest.fixture
def clock_at() -> Iterator[Callable[[dt.datetime], None]]:
    with time_machine.travel(START, tick=False) as traveller:
        yield lambda moment: traveller.move_to(moment)


def _awaiting(citizen: User, officer: User, office: Office, subject: str = "B 1234 ABC") -> Application:
    application = to_status(
        make_application(citizen, subject), "in_review", citizen=citizen, officer=officer, office=office
    )
    return act(application, "schedule", officer)


def _slot(
    office: Office, actor: User, *, capacity: int = 2, days: float = 3, kind: str = PHYSICAL
) -> AppointmentSlot:
    return slot_publish(
        office=office,
        kind=kind,
        starts_at=START + dt.timedelta(days=days),
        duration_minutes=30,
        capacity=capacity,
        actor=actor,
    )


def _booked(slot: AppointmentSlot) -> int:
    return AppointmentSlot.objects.get(pk=slot.pk).booked


def _status(application: Application) -> str:
    return Application.objects.get(pk=application.pk).status


# --- non-transactional tests (frozen clock) ----------------------------------------------------


@pytest.mark.django_db
class TestSlotsAndBookings:
    @pytest.fixture(autouse=True)
    def _setup(
        self,
        appointment_service: ServiceDefinition,
        clock_at: Any,
        samsat: Office,
        citizen: User,
        officer: User,
    ) -> None:
        self.clock_at = clock_at
        self.samsat = samsat
        self.citizen = citizen
        self.officer = officer

    def test_publish_by_office_staff(self) -> None:
        slot = _slot(self.samsat, self.officer, capacity=3)
        assert (slot.office, slot.kind, slot.capacity, slot.booked) == (self.samsat, PHYSICAL, 3, 0)
        assert slot.ends_at == slot.starts_at + dt.timedelta(minutes=30)
        assert AuditEvent.objects.filter(
            action="appointment.slot_published", object_id=str(slot.public_id)
        ).exists()
        # A Polda supervisor publishes for every office of the Polda.
        assert _slot(self.samsat, make_polda_supervisor(self.samsat)).pk

    @pytest.mark.parametrize("who", ["other_office", "citizen", "no_role"])
    def test_publish_refused_to_others(self, who: str) -> None:
        actor = {
            "other_office": lambda: make_staff(roles.OFFICER, office=OfficeFactory()),
            "citizen": lambda: self.citizen,
            "no_role": lambda: make_staff(roles.DISPATCHER, office=self.samsat),
        }[who]()
        with pytest.raises(SlotRefused) as refused:
            _slot(self.samsat, actor)
        assert refused.value.code == "not_office_staff"
        assert not AppointmentSlot.objects.exists()

    @pytest.mark.parametrize(
        "overrides",
        [
            {"kind": "karaoke"},
            {"starts_at": START - dt.timedelta(hours=1)},
            {"starts_at": dt.datetime(2026, 12, 1, 9, 0)},  # naive
            {"capacity": 0},
            {"duration_minutes": 0},
        ],
    )
    def test_publish_refuses_invalid_slots(self, overrides: dict[str, Any]) -> None:
        arguments: dict[str, Any] = {
            "office": self.samsat,
            "kind": PHYSICAL,
            "starts_at": START + dt.timedelta(days=1),
            "duration_minutes": 30,
            "capacity": 1,
            "actor": self.officer,
        }
        with pytest.raises(SlotRefused) as refused:
            slot_publish(**(arguments | overrides))
        assert refused.value.code == "invalid_slot"

    def test_database_refuses_more_bookings_than_seats(self) -> None:
        slot = _slot(self.samsat, self.officer, capacity=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            AppointmentSlot.objects.filter(pk=slot.pk).update(booked=2)

    def test_book(self) -> None:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        slot = _slot(self.samsat, self.officer)
        booking = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen)
        assert (booking.state, booking.slot, booking.application) == ("booked", slot, application)
        assert _booked(slot) == 1
        event = AuditEvent.objects.get(action="appointment.booked", object_id=str(booking.public_id))
        assert event.actor_id == self.citizen.pk
        assert event.details == {"application": application.pk, "slot": slot.pk}
        assert _status(application) == "awaiting_appointment"

        with pytest.raises(BookingRefused) as refused:
            booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen)
        assert refused.value.code == "already_booked"
        assert _booked(slot) == 1

    def test_full_slot_refused(self) -> None:
        slot = _slot(self.samsat, self.officer, capacity=1)
        first = _awaiting(self.citizen, self.officer, self.samsat)
        booking_create(application_id=first.pk, slot_id=slot.pk, citizen=self.citizen)
        second = _awaiting(self.citizen, self.officer, self.samsat, subject="B 9999 ZZ")
        with pytest.raises(SlotFull):
            booking_create(application_id=second.pk, slot_id=slot.pk, citizen=self.citizen)
        assert _booked(slot) == 1
        assert not Booking.objects.filter(application=second).exists()

    def test_other_citizen_refused(self) -> None:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        slot = _slot(self.samsat, self.officer)
        with pytest.raises(BookingRefused) as refused:
            booking_create(application_id=application.pk, slot_id=slot.pk, citizen=UserFactory())
        assert refused.value.code == "not_your_application"
        assert _booked(slot) == 0

    def test_application_not_awaiting_appointment_refused(self) -> None:
        application = to_status(
            make_application(self.citizen),
            "in_review",
            citizen=self.citizen,
            officer=self.officer,
            office=self.samsat,
        )
        slot = _slot(self.samsat, self.officer)
        with pytest.raises(BookingRefused) as refused:
            booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen)
        assert refused.value.code == "wrong_state"
        assert _booked(slot) == 0

    def test_office_kind_not_on_route_refused(self) -> None:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        satpas = OfficeFactory(kind=Office.Kind.SATPAS)
        slot = _slot(satpas, make_staff(roles.OFFICER, office=satpas), kind=AppointmentSlot.Kind.THEORY_EXAM)
        with pytest.raises(BookingRefused) as refused:
            booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen)
        assert refused.value.code == "office_not_on_route"

    def test_started_or_cancelled_slot_refused(self) -> None:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        slot = _slot(self.samsat, self.officer, days=1)
        self.clock_at(slot.starts_at)
        with pytest.raises(BookingRefused) as refused:
            booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen)
        assert refused.value.code == "slot_in_past"
        later = _slot(self.samsat, self.officer, days=5)
        AppointmentSlot.objects.filter(pk=later.pk).update(is_cancelled=True)
        with pytest.raises(BookingRefused) as refused:
            booking_create(application_id=application.pk, slot_id=later.pk, citizen=self.citizen)
        assert refused.value.code == "slot_unavailable"

    def test_reschedule_before_cutoff(self) -> None:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        old, new = _slot(self.samsat, self.officer, days=3), _slot(self.samsat, self.officer, days=4)
        booking = booking_create(application_id=application.pk, slot_id=old.pk, citizen=self.citizen)
        self.clock_at(old.starts_at - appointments.CHANGE_CUTOFF - dt.timedelta(minutes=1))
        moved = booking_reschedule(booking_id=booking.pk, new_slot_id=new.pk, citizen=self.citizen)
        assert (moved.slot, moved.state) == (new, "booked")
        assert Booking.objects.get(pk=booking.pk).state == "cancelled"
        assert (_booked(old), _booked(new)) == (0, 1)
        assert AuditEvent.objects.filter(
            action="appointment.rescheduled", object_id=str(booking.public_id)
        ).exists()
        with pytest.raises(BookingRefused) as refused:
            booking_reschedule(booking_id=booking.pk, new_slot_id=old.pk, citizen=self.citizen)
        assert refused.value.code == "wrong_state"
        with pytest.raises(BookingRefused) as refused:
            booking_reschedule(booking_id=moved.pk, new_slot_id=old.pk, citizen=UserFactory())
        assert refused.value.code == "not_your_application"

    def test_reschedule_into_a_full_slot_keeps_the_booking(self) -> None:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        old, full = (
            _slot(self.samsat, self.officer, days=3),
            _slot(self.samsat, self.officer, days=4, capacity=1),
        )
        other = _awaiting(self.citizen, self.officer, self.samsat, subject="B 9999 ZZ")
        booking_create(application_id=other.pk, slot_id=full.pk, citizen=self.citizen)
        booking = booking_create(application_id=application.pk, slot_id=old.pk, citizen=self.citizen)
        with pytest.raises(SlotFull):
            booking_reschedule(booking_id=booking.pk, new_slot_id=full.pk, citizen=self.citizen)
        assert Booking.objects.get(pk=booking.pk).state == "booked"
        assert (_booked(old), _booked(full)) == (1, 1)

    def test_reschedule_after_cutoff_refused(self) -> None:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        old, new = _slot(self.samsat, self.officer, days=3), _slot(self.samsat, self.officer, days=4)
        booking = booking_create(application_id=application.pk, slot_id=old.pk, citizen=self.citizen)
        self.clock_at(old.starts_at - dt.timedelta(hours=23))
        with pytest.raises(BookingRefused) as refused:
            booking_reschedule(booking_id=booking.pk, new_slot_id=new.pk, citizen=self.citizen)
        assert refused.value.code == "past_cutoff"
        assert (_booked(old), _booked(new)) == (1, 0)

    def test_cancel_before_cutoff(self) -> None:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        slot = _slot(self.samsat, self.officer)
        booking = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen)
        with pytest.raises(BookingRefused) as refused:
            booking_cancel(booking_id=booking.pk, citizen=UserFactory())
        assert refused.value.code == "not_your_application"
        self.clock_at(slot.starts_at - appointments.CHANGE_CUTOFF)
        cancelled = booking_cancel(booking_id=booking.pk, citizen=self.citizen)
        assert cancelled.state == "cancelled"
        assert _booked(slot) == 0
        assert _status(application) == "awaiting_appointment"
        assert AuditEvent.objects.filter(
            action="appointment.cancelled", object_id=str(booking.public_id)
        ).exists()
        # The seat is free again: the citizen can book anew.
        assert booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen).pk

    def test_cancel_after_cutoff_refused(self) -> None:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        slot = _slot(self.samsat, self.officer)
        booking = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen)
        self.clock_at(slot.starts_at - appointments.CHANGE_CUTOFF + dt.timedelta(seconds=1))
        with pytest.raises(BookingRefused) as refused:
            booking_cancel(booking_id=booking.pk, citizen=self.citizen)
        assert refused.value.code == "past_cutoff"
        assert Booking.objects.get(pk=booking.pk).state == "booked"
        assert _booked(slot) == 1

    # --- attendance --------------------------------------------------------------------------

    def _booking(self, days: float = 1) -> tuple[Application, Booking]:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        slot = _slot(self.samsat, self.officer, days=days)
        booking = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen)
        return application, booking

    def test_attendance_and_outcome_by_office_staff(self) -> None:
        application, booking = self._booking()
        with pytest.raises(BookingRefused) as refused:
            booking_record_attendance(
                booking_id=booking.pk, officer=self.officer, attended=True, outcome="pass"
            )
        assert refused.value.code == "too_early"
        self.clock_at(booking.slot.starts_at + dt.timedelta(minutes=10))
        for stranger in (make_staff(roles.OFFICER, office=OfficeFactory()), self.citizen):
            with pytest.raises(BookingRefused) as refused:
                booking_record_attendance(
                    booking_id=booking.pk, officer=stranger, attended=True, outcome="pass"
                )
            assert refused.value.code == "not_office_staff"
        with pytest.raises(BookingRefused) as refused:
            booking_record_attendance(booking_id=booking.pk, officer=self.officer, attended=True)
        assert refused.value.code == "invalid_outcome"
        # resume_review needs the outcome.
        with pytest.raises(TransitionRefused):
            act(application, "resume_review", self.officer)

        recorded = booking_record_attendance(
            booking_id=booking.pk,
            officer=self.officer,
            attended=True,
            outcome="fail",
            notes="Chassis number unreadable",
            data={"chassis_number_readable": False, "engine_check": "ok"},
        )
        recorded.refresh_from_db()
        assert (recorded.state, recorded.outcome, recorded.outcome_notes) == (
            "attended",
            "fail",
            "Chassis number unreadable",
        )
        assert recorded.outcome_data == {"chassis_number_readable": False, "engine_check": "ok"}
        assert recorded.recorded_by_id == self.officer.pk
        event = AuditEvent.objects.get(action="appointment.attendance_recorded")
        assert event.details["outcome"] == "fail"
        assert event.details["data_keys"] == ["chassis_number_readable", "engine_check"]
        assert _status(application) == "awaiting_appointment"  # not resumed automatically
        with pytest.raises(BookingRefused) as refused:
            booking_record_attendance(booking_id=booking.pk, officer=self.officer, attended=False)
        assert refused.value.code == "wrong_state"
        assert act(application, "resume_review", self.officer).status == "in_review"

    def test_service_defined_result_without_pass_or_fail(self) -> None:
        _application, booking = self._booking()
        self.clock_at(booking.slot.starts_at)
        supervisor = make_polda_supervisor(self.samsat)
        recorded = booking_record_attendance(
            booking_id=booking.pk, officer=supervisor, attended=True, data={"theory_score": 82}
        )
        assert (recorded.state, recorded.outcome, recorded.outcome_data) == (
            "attended",
            "",
            {"theory_score": 82},
        )

    def test_cancelling_the_application_gives_the_booked_seat_back(self) -> None:
        application = _awaiting(self.citizen, self.officer, self.samsat)
        slot = _slot(self.samsat, self.officer, capacity=1)
        booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen)
        assert _booked(slot) == 1
        act(application, "cancel", self.citizen)
        assert _status(application) == "cancelled"
        assert _booked(slot) == 0
        assert Booking.objects.get(application=application).state == Booking.State.CANCELLED

    def test_second_no_show_lapses_the_application(self) -> None:
        application, first = self._booking(days=1)
        self.clock_at(first.slot.starts_at + dt.timedelta(hours=1))
        with pytest.raises(BookingRefused) as refused:
            booking_record_attendance(
                booking_id=first.pk, officer=self.officer, attended=False, outcome="pass"
            )
        assert refused.value.code == "invalid_outcome"
        booking_record_attendance(booking_id=first.pk, officer=self.officer, attended=False)
        assert Booking.objects.get(pk=first.pk).state == "no_show"
        assert _status(application) == "awaiting_appointment"
        assert _booked(first.slot) == 1  # a missed seat stays used

        slot = slot_publish(
            office=self.samsat,
            kind=PHYSICAL,
            starts_at=first.slot.starts_at + dt.timedelta(days=2),
            duration_minutes=30,
            capacity=1,
            actor=self.officer,
        )
        second = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=self.citizen)
        self.clock_at(slot.starts_at + dt.timedelta(hours=1))
        booking_record_attendance(booking_id=second.pk, officer=self.officer, attended=False)

        assert _status(application) == "rejected"
        step = StatusChange.objects.get(application=application, action="lapse_appointment")
        assert (step.from_status, step.to_status, step.actor_role, step.actor_id) == (
            "awaiting_appointment",
            "rejected",
            "system",
            None,
        )
        assert AuditEvent.objects.filter(action="application.lapse_appointment").count() == 1

    # --- lapsing unbooked applications ---------------------------------------------------------

    def test_lapse_unbooked_after_30_days_idempotent(self) -> None:
        unbooked = _awaiting(self.citizen, self.officer, self.samsat, subject="A 1")
        booked = _awaiting(self.citizen, self.officer, self.samsat, subject="A 2")
        cancelled = _awaiting(self.citizen, self.officer, self.samsat, subject="A 3")
        in_review = to_status(
            make_application(self.citizen, "A 4"),
            "in_review",
            citizen=self.citizen,
            officer=self.officer,
            office=self.samsat,
        )
        far = _slot(self.samsat, self.officer, days=40, capacity=5)
        booking_create(application_id=booked.pk, slot_id=far.pk, citizen=self.citizen)
        gone = booking_create(application_id=cancelled.pk, slot_id=far.pk, citizen=self.citizen)
        booking_cancel(booking_id=gone.pk, citizen=self.citizen)

        self.clock_at(START + dt.timedelta(days=29, hours=23))
        assert applications_lapse_unbooked() == 0
        # The transition's own guard agrees: too early.
        with pytest.raises(TransitionRefused):
            act(unbooked, "lapse_appointment", None)

        self.clock_at(START + dt.timedelta(days=30, minutes=1))
        assert applications_lapse_unbooked() == 2
        assert [_status(a) for a in (unbooked, booked, cancelled, in_review)] == [
            "rejected",
            "awaiting_appointment",
            "rejected",
            "in_review",
        ]
        assert StatusChange.objects.filter(action="lapse_appointment").count() == 2
        assert applications_lapse_unbooked() == 0
        assert StatusChange.objects.filter(action="lapse_appointment").count() == 2

    def test_guard_refuses_lapse_while_booked(self) -> None:
        application, _booking = self._booking(days=40)
        self.clock_at(START + dt.timedelta(days=31))
        with pytest.raises(TransitionRefused) as refused:
            act(application, "lapse_appointment", None)
        assert refused.value.code == "guards_failed"


# --- concurrency on the real PostgreSQL ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_citizens_booking_the_last_seat_leave_one_booking(
    appointment_service: ServiceDefinition, samsat: Office
) -> None:
    officer = make_staff(roles.OFFICER, office=samsat)
    first_citizen, second_citizen = UserFactory(), UserFactory()
    first = _awaiting(first_citizen, officer, samsat)
    second = _awaiting(second_citizen, officer, samsat)
    slot = slot_publish(
        office=samsat,
        kind=PHYSICAL,
        starts_at=appointments.clock.now() + dt.timedelta(days=3),
        duration_minutes=30,
        capacity=1,
        actor=officer,
    )
    booked = threading.Event()
    may_commit = threading.Event()
    results: dict[str, Any] = {}

    def book_first() -> Booking:
        with transaction.atomic():
            booking = booking_create(application_id=first.pk, slot_id=slot.pk, citizen=first_citizen)
            booked.set()
            assert may_commit.wait(10)
        return booking

    def book_second() -> Booking:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '10s'")
            return booking_create(application_id=second.pk, slot_id=slot.pk, citizen=second_citizen)

    one = in_thread(book_first, results, "first")
    assert booked.wait(10)
    two = in_thread(book_second, results, "second")
    try:
        wait_for_a_lock_wait("the second booking")
    finally:
        may_commit.set()
        one.join(15)
        two.join(15)

    assert isinstance(results["first"], Booking)
    assert isinstance(results["second"], SlotFull)
    assert Booking.objects.filter(slot=slot).count() == 1
    assert Booking.objects.get(slot=slot).application_id == first.pk
    assert _booked(slot) == slot.capacity == 1


@pytest.mark.django_db(transaction=True)
def test_many_citizens_racing_for_seats_never_overbook(
    appointment_service: ServiceDefinition, samsat: Office
) -> None:
    officer = make_staff(roles.OFFICER, office=samsat)
    people = [(citizen := UserFactory(), _awaiting(citizen, officer, samsat)) for _ in range(6)]
    slot = slot_publish(
        office=samsat,
        kind=PHYSICAL,
        starts_at=appointments.clock.now() + dt.timedelta(days=3),
        duration_minutes=30,
        capacity=2,
        actor=officer,
    )
    barrier = threading.Barrier(len(people))
    results: dict[str, Any] = {}

    def booker(citizen: User, application: Application) -> Callable[[], Booking]:
        def book() -> Booking:
            barrier.wait(10)
            return booking_create(application_id=application.pk, slot_id=slot.pk, citizen=citizen)

        return book

    threads = [in_thread(booker(c, a), results, str(i)) for i, (c, a) in enumerate(people)]
    for thread in threads:
        thread.join(20)

    outcomes = list(results.values())
    assert len(outcomes) == len(people)
    assert sum(isinstance(r, Booking) for r in outcomes) == 2
    assert sum(isinstance(r, SlotFull) for r in outcomes) == len(people) - 2
    assert Booking.objects.filter(slot=slot, state="booked").count() == 2
    assert _booked(slot) == 2
