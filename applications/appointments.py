"""Appointments: slots offices publish, and the bookings citizens make in them (DESIGN §4).

An officer ``schedule``s an application (status ``awaiting_appointment``); its applicant then
books a seat in a slot of an office on the service's route, may reschedule or cancel it until
``CHANGE_CUTOFF`` before the slot starts, and staff of the slot's office record attendance and
an outcome (pass/fail with notes, and/or service-defined ``data`` such as exam scores).

Seats: ``AppointmentSlot.booked`` only ever changes by a conditional
``UPDATE … SET booked = booked ± 1 WHERE …`` here. PostgreSQL serialises two updates of the
same row and re-checks the ``WHERE`` for the second, and a check constraint refuses
``booked > capacity``: two citizens taking the last seat at once leave exactly one booking
(the other gets ``SlotFull``).

Status changes stay with ``application_transition``: a second no-show lapses the application
(``lapse_appointment``, by the system) from ``booking_record_attendance``, and
``applications_lapse_unbooked`` (a scheduled job) lapses applications left without a booking
for ``UNBOOKED_LAPSE_AFTER``. ``resume_review`` is the officer's own transition, never taken
here.

Each booking change ends its transaction with ``events.emit_event`` (``booking_created``,
``booking_rescheduled``, ``booking_cancelled``, ``attendance_recorded``; ids only), so the
apps above the core (notifications) react in the same transaction.

Guards: ``lapse_appointment`` needs ``no_booking_or_second_no_show`` and ``resume_review``
needs ``appointment_outcome_recorded``; both are the same rule for every service, so the core
decides them (``applications.guards``) from the bookings.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffMembership, User
from accounts.roles import OFFICER, SUPERVISOR, roles_of
from applications import events
from applications.events import TransitionEvent
from applications.guards import (
    NO_SHOWS_BEFORE_LAPSE,
    UNBOOKED_LAPSE_AFTER,
    has_live_booking,
    no_shows,
)
from applications.models import ONE_ACTIVE_BOOKING_CONSTRAINT, Application, Booking
from applications.registry import get_service
from applications.services import StaleApplication, TransitionRefused, application_transition
from audit.services import audit_record
from korlantas.lib import clock
from offices.models import AppointmentSlot, Office

logger = logging.getLogger("korlantas.applications")

BOOKING_OBJECT_TYPE = "applications.booking"
SLOT_OBJECT_TYPE = "offices.appointmentslot"
AWAITING = "awaiting_appointment"
# Bookings can be rescheduled or cancelled until this long before the slot starts.
CHANGE_CUTOFF = dt.timedelta(hours=24)
MAX_DURATION_MINUTES = 600

Reason = str | Promise


class AppointmentRefused(Exception):
    """Base of the refusals a view turns into a message: ``code`` for code, ``message`` for people."""

    def __init__(self, code: str, message: Reason) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class SlotRefused(AppointmentRefused):
    """Publishing a slot was refused. Codes: ``not_office_staff``, ``invalid_slot``."""


class BookingRefused(AppointmentRefused):
    """A booking change was refused. Codes: ``not_your_application``, ``wrong_state``,
    ``office_not_on_route``, ``slot_unavailable``, ``slot_in_past``, ``already_booked``,
    ``same_slot``, ``past_cutoff``, ``not_office_staff``, ``too_early``, ``invalid_outcome``."""


class SlotFull(BookingRefused):
    def __init__(self) -> None:
        super().__init__("slot_full", _("This slot has just been fully booked. Choose another time."))


# --- who is staff of an office ------------------------------------------------------------


def _is_office_staff(user: User, office: Office) -> bool:
    """An officer or supervisor of ``office``, or a supervisor of its Polda."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    roles = roles_of(user)
    if not roles & {OFFICER, SUPERVISOR}:
        return False
    membership = StaffMembership.objects.filter(user=user).first()
    if membership is None:
        return False
    if membership.office_id is not None:
        return membership.office_id == office.pk
    return SUPERVISOR in roles and membership.polda_id is not None and membership.polda_id == office.polda_id


# --- slots --------------------------------------------------------------------------------


def slot_publish(
    *,
    office: Office,
    kind: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    capacity: int,
    actor: User,
) -> AppointmentSlot:
    """Offer ``capacity`` seats of ``kind`` at ``office`` from ``starts_at`` (aware, in the future).

    Only an officer or supervisor of that office (or a supervisor of its Polda). Raises ``SlotRefused``.
    """
    with transaction.atomic():
        if not _is_office_staff(actor, office):
            raise SlotRefused("not_office_staff", _("Only staff of this office can publish its slots."))
        if kind not in AppointmentSlot.Kind.values:
            raise SlotRefused("invalid_slot", _("Unknown kind of appointment."))
        if not office.is_active:
            raise SlotRefused("invalid_slot", _("This office is closed."))
        if starts_at.tzinfo is None or starts_at.utcoffset() is None:
            raise SlotRefused("invalid_slot", _("Give the start time with its time zone."))
        if starts_at <= clock.now():
            raise SlotRefused("invalid_slot", _("A slot must start in the future."))
        if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
            raise SlotRefused("invalid_slot", _("The duration must be between 1 and 600 minutes."))
        if not 1 <= capacity <= 32767:
            raise SlotRefused("invalid_slot", _("A slot needs at least one seat."))
        slot = AppointmentSlot.objects.create(
            office=office,
            kind=kind,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            capacity=capacity,
        )
        audit_record(
            action="appointment.slot_published",
            actor_id=actor.pk,
            object_type=SLOT_OBJECT_TYPE,
            object_id=str(slot.public_id),
            details={"slot": slot.pk, "kind": kind, "capacity": capacity},
            office_id=office.pk,
        )
    return slot


def _take_seat(slot_id: int) -> None:
    """``booked + 1`` if a seat is left and the slot is open; else ``SlotFull``."""
    taken = AppointmentSlot.objects.filter(pk=slot_id, booked__lt=F("capacity"), is_cancelled=False).update(
        booked=F("booked") + 1
    )
    if taken != 1:
        raise SlotFull()


def _free_seat(slot_id: int) -> None:
    AppointmentSlot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


# --- bookings -----------------------------------------------------------------------------


def _locked_application(application_id: int, citizen: User) -> Application:
    application = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
    if citizen.pk != application.applicant_id:
        raise BookingRefused("not_your_application", _("This is not your application."))
    return application


def _check_bookable(application: Application, slot: AppointmentSlot) -> None:
    if application.status != AWAITING:
        raise BookingRefused("wrong_state", _("This application is not waiting for an appointment."))
    # The office that reviews the application examines it: its staff record the outcome on
    # the review page, so a seat elsewhere would leave the appointment out of their sight.
    if slot.office_id != application.handling_office_id or not slot.office.is_active:
        raise BookingRefused(
            "office_not_on_route", _("Choose a slot at the office that handles your application.")
        )
    kinds = get_service(application.service_code).appointment_kinds(application)
    if kinds and slot.kind not in kinds:
        raise BookingRefused(
            "wrong_kind", _("This kind of appointment is not the one your application needs.")
        )
    if slot.is_cancelled:
        raise BookingRefused("slot_unavailable", _("This slot has been cancelled. Choose another time."))
    if slot.starts_at <= clock.now():
        raise BookingRefused("slot_in_past", _("This slot has already started. Choose a later time."))


def _check_before_cutoff(booking: Booking) -> None:
    if booking.state != Booking.State.BOOKED:
        raise BookingRefused("wrong_state", _("This booking is no longer active."))
    if clock.now() > booking.slot.starts_at - CHANGE_CUTOFF:
        raise BookingRefused(
            "past_cutoff",
            _("Bookings can only be changed until 24 hours before the appointment. Contact the office."),
        )


def _audit_booking(action: str, booking: Booking, actor_id: int | None, **details: Any) -> None:
    audit_record(
        action=f"appointment.{action}",
        actor_id=actor_id,
        object_type=BOOKING_OBJECT_TYPE,
        object_id=str(booking.public_id),
        details={"application": booking.application_id, "slot": booking.slot_id, **details},
        office_id=booking.slot.office_id,
    )


def _new_booking(application: Application, slot: AppointmentSlot) -> Booking:
    _take_seat(slot.pk)
    try:
        with transaction.atomic():
            return Booking.objects.create(application=application, slot=slot)
    except IntegrityError as exc:
        if ONE_ACTIVE_BOOKING_CONSTRAINT in str(exc):
            raise BookingRefused(
                "already_booked", _("This application already has a booking. Reschedule it instead.")
            ) from exc
        raise


def booking_create(*, application_id: int, slot_id: int, citizen: User) -> Booking:
    """The applicant books a seat in ``slot_id`` for their application awaiting an appointment.

    Raises ``BookingRefused`` (``SlotFull`` when the last seat has gone).
    """
    with transaction.atomic():
        application = _locked_application(application_id, citizen)
        slot = AppointmentSlot.objects.select_related("office").get(pk=slot_id)
        _check_bookable(application, slot)
        if Booking.objects.filter(application=application, state=Booking.State.BOOKED).exists():
            raise BookingRefused(
                "already_booked", _("This application already has a booking. Reschedule it instead.")
            )
        booking = _new_booking(application, slot)
        _audit_booking("booked", booking, citizen.pk)
        events.emit_event("booking_created", application_id=application.pk, booking_id=booking.pk)
    return booking


def _locked_booking(booking_id: int, citizen: User) -> tuple[Application, Booking]:
    application_id = Booking.objects.values_list("application_id", flat=True).get(pk=booking_id)
    application = _locked_application(application_id, citizen)
    booking = (
        Booking.objects.select_related("slot__office").select_for_update(of=("self",)).get(pk=booking_id)
    )
    return application, booking


def booking_reschedule(*, booking_id: int, new_slot_id: int, citizen: User) -> Booking:
    """Move an active booking to another slot until ``CHANGE_CUTOFF`` before it starts.

    The old booking is cancelled and its seat freed; the new booking is returned.
    """
    with transaction.atomic():
        application, booking = _locked_booking(booking_id, citizen)
        _check_before_cutoff(booking)
        new_slot = AppointmentSlot.objects.select_related("office").get(pk=new_slot_id)
        if new_slot.pk == booking.slot_id:
            raise BookingRefused("same_slot", _("This is already your appointment."))
        _check_bookable(application, new_slot)
        now = clock.now()
        old_slot_id = booking.slot_id
        booking.state = Booking.State.CANCELLED
        booking.updated_at = now
        booking.save(update_fields=["state", "updated_at"])
        # Touch the two slot rows in id order, so two opposite reschedules cannot deadlock.
        if old_slot_id < new_slot.pk:
            _free_seat(old_slot_id)
            new_booking = _new_booking(application, new_slot)
        else:
            new_booking = _new_booking(application, new_slot)
            _free_seat(old_slot_id)
        _audit_booking("rescheduled", booking, citizen.pk, new_booking=str(new_booking.public_id))
        _audit_booking("booked", new_booking, citizen.pk, rescheduled_from=str(booking.public_id))
        events.emit_event(
            "booking_rescheduled",
            application_id=application.pk,
            booking_id=new_booking.pk,
            previous_booking_id=booking.pk,
        )
    return new_booking


def booking_cancel(*, booking_id: int, citizen: User) -> Booking:
    """Cancel an active booking until ``CHANGE_CUTOFF`` before it starts; its seat is freed.

    The application keeps awaiting an appointment (cancelling the application is the
    ``cancel`` transition).
    """
    with transaction.atomic():
        _application, booking = _locked_booking(booking_id, citizen)
        _check_before_cutoff(booking)
        booking.state = Booking.State.CANCELLED
        booking.updated_at = clock.now()
        booking.save(update_fields=["state", "updated_at"])
        _free_seat(booking.slot_id)
        _audit_booking("cancelled", booking, citizen.pk)
        events.emit_event("booking_cancelled", application_id=booking.application_id, booking_id=booking.pk)
    return booking


def booking_record_attendance(
    *,
    booking_id: int,
    officer: User,
    attended: bool,
    outcome: str = "",
    notes: str = "",
    data: dict[str, Any] | None = None,
) -> Booking:
    """Staff of the slot's office record whether the citizen came and, if so, the outcome.

    ``attended`` needs an ``outcome`` (``pass``/``fail``) or service-defined ``data`` (or both).
    A second no-show for the application lapses it (``lapse_appointment``, by the system).
    The officer resumes the review separately (``resume_review``).
    """
    data = dict(data or {})
    with transaction.atomic():
        application_id = Booking.objects.values_list("application_id", flat=True).get(pk=booking_id)
        application = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
        booking = (
            Booking.objects.select_related("slot__office").select_for_update(of=("self",)).get(pk=booking_id)
        )
        if officer.pk == application.applicant_id or not _is_office_staff(officer, booking.slot.office):
            raise BookingRefused(
                "not_office_staff", _("Only staff of the appointment's office can record this.")
            )
        if booking.state != Booking.State.BOOKED:
            raise BookingRefused("wrong_state", _("Attendance for this booking is already recorded."))
        if clock.now() < booking.slot.starts_at:
            raise BookingRefused(
                "too_early", _("Attendance can be recorded once the appointment has started.")
            )
        if outcome and outcome not in Booking.Outcome.values:
            raise BookingRefused("invalid_outcome", _("The outcome is pass or fail."))
        if attended and not outcome and not data:
            raise BookingRefused(
                "invalid_outcome", _("Record the outcome: pass, fail, or the service's result.")
            )
        if not attended and (outcome or data):
            raise BookingRefused("invalid_outcome", _("A citizen who did not come has no outcome."))
        booking.state = Booking.State.ATTENDED if attended else Booking.State.NO_SHOW
        booking.outcome = outcome if attended else ""
        booking.outcome_notes = notes.strip()
        booking.outcome_data = data
        booking.recorded_by_id = officer.pk
        booking.updated_at = clock.now()
        booking.save(
            update_fields=[
                "state",
                "outcome",
                "outcome_notes",
                "outcome_data",
                "recorded_by_id",
                "updated_at",
            ]
        )
        _audit_booking(
            "attendance_recorded",
            booking,
            officer.pk,
            state=booking.state,
            outcome=booking.outcome,
            data_keys=sorted(str(k) for k in data),
        )
        if (
            not attended
            and application.status == AWAITING
            and no_shows(application.pk) >= NO_SHOWS_BEFORE_LAPSE
        ):
            try:
                with transaction.atomic():
                    application_transition(
                        application_id=application.pk, action="lapse_appointment", actor=None
                    )
            except TransitionRefused:
                pass  # logged by the transition; the attendance stays recorded
        events.emit_event("attendance_recorded", application_id=application.pk, booking_id=booking.pk)
    return booking


# --- lapsing ------------------------------------------------------------------------------


def applications_lapse_unbooked(now: dt.datetime | None = None) -> int:
    """Lapse applications awaiting an appointment for more than ``UNBOOKED_LAPSE_AFTER`` with no
    active or attended booking since; returns how many lapsed. Idempotent: each one in its own
    transaction, skipping one another transaction holds or the transition refuses."""
    now = now if now is not None else clock.now()
    candidates = list(
        Application.objects.filter(status=AWAITING)
        .annotate(since=Max("status_changes__occurred_at", filter=Q(status_changes__to_status=AWAITING)))
        .filter(since__lte=now - UNBOOKED_LAPSE_AFTER)
        .order_by("pk")
        .values_list("pk", "since")
    )
    lapsed = 0
    for application_id, since in candidates:
        try:
            with transaction.atomic(durable=True):
                application = (
                    Application.objects.select_for_update(of=("self",), skip_locked=True)
                    .filter(pk=application_id, status=AWAITING)
                    .first()
                )
                if application is None or has_live_booking(application, since):
                    continue
                application_transition(application_id=application_id, action="lapse_appointment", actor=None)
        except (TransitionRefused, StaleApplication):
            continue  # logged by the transition
        lapsed += 1
    if candidates:
        logger.info("lapse_appointment: %d of %d candidates lapsed", lapsed, len(candidates))
    return lapsed


def release_booking_when_application_ends(event: TransitionEvent) -> None:
    """In-transaction listener: an application cancelled or lapsed while a seat is booked
    gives the seat back, so another citizen can take it."""
    booking = (
        Booking.objects.select_for_update()
        .filter(application=event.application, state=Booking.State.BOOKED)
        .first()
    )
    if booking is None:
        return
    booking.state = Booking.State.CANCELLED
    booking.updated_at = clock.now()
    booking.save(update_fields=["state", "updated_at"])
    _free_seat(booking.slot_id)
    _audit_booking("released", booking, event.actor_id, reason=event.action)
