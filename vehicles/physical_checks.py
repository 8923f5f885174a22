"""The physical check (cek fisik) shared by the vehicle services that need one (issue 8, points
4–7): the STNK 5-year renewal, the BPKB transfer, the BPKB replacement and the move to another
region.

The application goes to ``awaiting_appointment`` (``schedule``), the citizen books a slot of kind
``physical_check`` at the handling Samsat, and an officer of that Samsat records the check here:
whether the chassis and engine numbers stamped on the vehicle match the registry, with photos of
the two rubbings (gesekan). The booking's outcome is a pass only when both match. Those
services then use ``physical_check_refusals`` for ``service_requirements_met`` (the officer
approves only after a passed check) and ``needs_physical_check`` for ``needs_appointment``.
"""

from __future__ import annotations

import logging
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from applications import uploads
from applications.appointments import BookingRefused, booking_record_attendance
from applications.models import Application, Booking
from audit.services import audit_record
from offices.models import AppointmentSlot
from vehicles.models import PhysicalCheck
from vehicles.selectors import vehicle_of_application

logger = logging.getLogger("korlantas.vehicles")

Reason = str | Promise
SLOT_KIND = AppointmentSlot.Kind.PHYSICAL_CHECK
OBJECT_TYPE = "physical_check"


class PhysicalCheckRefused(BookingRefused):
    """The check cannot be recorded (``code`` says why, ``message`` is for the officer)."""


def latest_physical_check(application: Application) -> PhysicalCheck | None:
    return PhysicalCheck.objects.filter(application=application).order_by("-recorded_at", "-pk").first()


def physical_check_passed(application: Application) -> bool:
    check = latest_physical_check(application)
    return check is not None and check.passed


def needs_physical_check(application: Application) -> bool:
    """``needs_appointment``: the application has no passed physical check yet."""
    return not physical_check_passed(application)


def physical_check_refusals(application: Application) -> list[Reason]:
    """Why the application cannot be approved yet as far as the physical check goes."""
    check = latest_physical_check(application)
    if check is None:
        return [_("The vehicle's physical check is not recorded yet: schedule it.")]
    if not check.passed:
        return [
            _(
                "At the physical check the chassis or engine number did not match the registry: "
                "reject the application, or schedule another check if the mismatch was a reading error."
            )
        ]
    return []


def physical_check_record(
    *,
    booking_id: int,
    officer: User,
    chassis_matches: bool,
    engine_matches: bool,
    chassis_rubbing: IO[bytes] | Any,
    engine_rubbing: IO[bytes] | Any,
    notes: str = "",
) -> PhysicalCheck:
    """Record the physical check held at a booking that has started (staff of the slot's office).

    The rubbings are checked and re-encoded by ``applications.uploads`` (images only; raises
    ``UploadRejected``). Writes the booking's attendance and outcome through
    ``booking_record_attendance`` (pass only when both numbers match) and the ``PhysicalCheck``
    in one transaction; raises ``PhysicalCheckRefused`` or the core's ``BookingRefused``.
    """
    chassis_clean = uploads.validate_and_normalise(chassis_rubbing, kind=uploads.RUBBING)
    engine_clean = uploads.validate_and_normalise(engine_rubbing, kind=uploads.RUBBING)
    for clean in (chassis_clean, engine_clean):
        if clean.content_type == uploads.PDF:
            raise uploads.UploadRejected("pdf_not_allowed")
    stored: list[str] = []
    try:
        with transaction.atomic():
            check = _record(
                booking_id=booking_id,
                officer=officer,
                chassis_matches=chassis_matches,
                engine_matches=engine_matches,
                notes=notes,
                chassis_clean=chassis_clean,
                engine_clean=engine_clean,
                stored=stored,
            )
    except Exception:
        # Nothing was saved: remove the rubbings' files written before the failure.
        for name in stored:
            PhysicalCheck._meta.get_field("chassis_rubbing").storage.delete(name)
        raise
    logger.info(
        "physical check %s recorded for application %s (passed=%s)",
        check.pk,
        check.application_id,
        check.passed,
    )
    return check


def _record(
    *,
    booking_id: int,
    officer: User,
    chassis_matches: bool,
    engine_matches: bool,
    notes: str,
    chassis_clean: uploads.CleanFile,
    engine_clean: uploads.CleanFile,
    stored: list[str],
) -> PhysicalCheck:
    booking = Booking.objects.select_related("slot", "application").get(pk=booking_id)
    if booking.slot.kind != SLOT_KIND:
        raise PhysicalCheckRefused("wrong_kind", _("This appointment is not a physical check."))
    vehicle = vehicle_of_application(booking.application)
    if vehicle is None:
        raise PhysicalCheckRefused("no_vehicle", _("This application names no vehicle."))
    passed = chassis_matches and engine_matches
    booking = booking_record_attendance(
        booking_id=booking_id,
        officer=officer,
        attended=True,
        outcome=Booking.Outcome.PASS if passed else Booking.Outcome.FAIL,
        notes=notes,
        data={"chassis_matches": chassis_matches, "engine_matches": engine_matches},
    )
    check = PhysicalCheck(
        booking=booking,
        application=booking.application,
        vehicle=vehicle,
        chassis_matches=chassis_matches,
        engine_matches=engine_matches,
        notes=notes,
        officer_id=officer.pk,
    )
    for field, clean in ((check.chassis_rubbing, chassis_clean), (check.engine_rubbing, engine_clean)):
        field.save(f"rubbing.{clean.extension}", ContentFile(clean.content), save=False)
        stored.append(field.name or "")
    check.save()
    audit_record(
        action="vehicle.physical_check_recorded",
        actor_id=officer.pk,
        object_type=OBJECT_TYPE,
        object_id=str(check.public_id),
        details={"passed": passed, "application": str(booking.application.public_id)},
        office_id=booking.slot.office_id,
    )
    return check


# --- bookings: a vehicle service books physical checks only ----------------------------------


def is_vehicle_application(application: Application) -> bool:
    from vehicles.selectors import APPLICATION_VEHICLE_ROWS

    return any(application.service_code == code for code, _related in APPLICATION_VEHICLE_ROWS)


def _check_physical_check_booking(*, application_id: int, booking_id: int, **_ids: int) -> None:
    """In the booking's transaction (``booking_created``/``booking_rescheduled``): an application
    of a vehicle service books only a physical-check slot (whatever else its office publishes)."""
    booking = Booking.objects.select_related("application", "slot").get(pk=booking_id)
    if not is_vehicle_application(booking.application):
        return
    if booking.slot.kind != SLOT_KIND:
        raise BookingRefused(
            "wrong_kind",
            _("This kind of appointment is not the one your application needs: book a physical check."),
        )


def register() -> None:
    """Called once from ``vehicles.renewal.register()``: the booking check and the officer's panel
    (for every vehicle service with a physical check)."""
    from applications import events
    from vehicles import views_physical_checks

    for name in ("booking_created", "booking_rescheduled"):
        events.unlisten_event(name, _check_physical_check_booking)
        events.listen_event(name, _check_physical_check_booking)
    events.register_review_panel(views_physical_checks.physical_check_panel)
