"""Registration deletion warnings and the officer's decision (Perpol 7/2021; issue 8, point 8).

The rule (DOMAIN.md §2.4): a registration is deleted when the owner has not re-registered
within 2 years after the STNK's expiry (UU 22/2009 Pasal 74(2)(b); Perpol 7/2021 Pasal 84).
Before that, 3 warnings (Pasal 85): the first 3 months before deletion, the second a month
later, the third a month after that. A deleted vehicle can never be re-registered (Pasal 74(3)).

So, for a vehicle whose STNK expired on ``E`` (``Vehicle.stnk_valid_until``), nominally:

* warning 1 at ``E`` + 21 months, warning 2 at ``E`` + 22 months, warning 3 at ``E`` + 23 months;
* at ``E`` + 24 months (the deletion date) the vehicle is listed for an officer's decision
  (``DeletionCase``): the portal never deletes on its own.

``deletion_warnings_send`` (beat, ``vehicles.tasks.send_deletion_warnings``) does it; each run is
idempotent (``DeletionWarning`` is unique per vehicle, expiry and number; ``DeletionCase`` per
vehicle and expiry; each vehicle is handled under its row lock) and sends **at most one warning
per vehicle per run**:

* warning ``n`` is due once its nominal date has come *and* (for ``n`` > 1) warning ``n - 1``
  went at least a month earlier; the listing is due once the deletion date has come and the
  third warning went at least a month earlier. A missed run, or a vehicle first seen long after
  its expiry (e.g. imported late), therefore catches up one step at a time: the owner always
  gets the three warnings a month apart and a month's notice after the last, never all three at
  once. The deletion date a warning states is the later of ``E`` + 24 months and the date the
  remaining steps can reach (``(4 - n)`` months after the warning).
* Only active or blocked vehicles. A vehicle renewed meanwhile has a new ``stnk_valid_until``:
  the warnings of the old expiry stop, and an open case for the old expiry is closed by the job
  (decision ``keep``, reason "renewed", no officer) — and refused if an officer opens it first.
* The owner is the account whose *verified* identity has the vehicle's NIK index (as the
  endorsement reminders). The notification (``registration_deletion_warning``) is critical:
  it reaches the owner whatever their preferences. With no such account the warning is
  recorded all the same, with no message: the letter by post is outside the portal.
* Each warning adds a ``VehicleHistoryEntry`` (``deletion_warning``), each decision another
  (``deleted`` or ``deletion_kept``).

The decision (``deletion_decide``) belongs to the officers and supervisors of the vehicle's
registering Samsat and the supervisors of its Polda (the same scope as the vehicle import,
``vehicles.services.import_offices``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import CitizenProfile, User
from audit.services import audit_record
from korlantas.lib import clock
from notifications import catalogue
from notifications.services import notify
from vehicles.models import NOT_DELETED, DeletionCase, DeletionWarning, Vehicle, VehicleHistoryEntry
from vehicles.services import import_offices

logger = logging.getLogger("korlantas.vehicles")

TEMPLATE_KEY = "registration_deletion_warning"
OBJECT_TYPE = "vehicle_deletion_case"
WARNINGS = 3
FIRST_WARNING_MONTHS = 21  # months after the STNK's expiry
DELETION_MONTHS = 24
RENEWED_REASON = "renewed"
REASON_MAX_LENGTH = 200  # ``Vehicle.state_reason``

Reason = str | Promise


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def nominal_warning_on(expired_on: dt.date, number: int) -> dt.date:
    """When warning ``number`` (1–3) falls due for an STNK that expired on ``expired_on``."""
    return add_months(expired_on, FIRST_WARNING_MONTHS + number - 1)


def nominal_deletion_on(expired_on: dt.date) -> dt.date:
    return add_months(expired_on, DELETION_MONTHS)


def deletion_on(expired_on: dt.date, *, number: int, sent_on: dt.date) -> dt.date:
    """The deletion date warning ``number`` sent on ``sent_on`` announces."""
    return max(nominal_deletion_on(expired_on), add_months(sent_on, WARNINGS + 1 - number))


def _local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(clock.JAKARTA).date()


@dataclass(frozen=True)
class Step:
    """What is due for one vehicle today: warning ``number`` (1–3), or the listing (``number`` 4)."""

    number: int

    @property
    def is_listing(self) -> bool:
        return self.number > WARNINGS


def step_due(expired_on: dt.date, sent: Mapping[int, dt.date], today: dt.date) -> Step | None:
    """The next step for an expiry whose warnings went on ``sent`` (number → local date), or None."""
    number = next((n for n in range(1, WARNINGS + 1) if n not in sent), WARNINGS + 1)
    nominal = (
        nominal_warning_on(expired_on, number) if number <= WARNINGS else nominal_deletion_on(expired_on)
    )
    if today < nominal:
        return None
    previous = sent.get(number - 1)
    if previous is not None and today < add_months(previous, 1):
        return None
    return Step(number)


# --- the job --------------------------------------------------------------------------------


def _holders(nik_indexes: set[str]) -> dict[str, int]:
    """NIK index → the user id of the account holding that NIK verified (at most one)."""
    if not nik_indexes:
        return {}
    return dict(
        CitizenProfile.objects.filter(
            nik_index__in=nik_indexes, identity_state=CitizenProfile.IdentityState.VERIFIED
        ).values_list("nik_index", "user_id")
    )


def _candidates(today: dt.date) -> QuerySet[Vehicle]:
    """Live vehicles expired at least 21 months ago and not yet listed for this expiry."""
    listed = DeletionCase.objects.filter(vehicle=OuterRef("pk"), stnk_expired_on=OuterRef("stnk_valid_until"))
    return (
        Vehicle.objects.filter(
            state__in=NOT_DELETED, stnk_valid_until__lte=add_months(today, -FIRST_WARNING_MONTHS)
        )
        .exclude(Exists(listed))
        .only("pk", "owner_nik_index")
        .order_by("pk")
    )


def _advance_one(vehicle_id: int, today: dt.date, user_id: int | None) -> Step | None:
    """Take the step due for one vehicle, under its row lock; None when nothing was due."""
    with transaction.atomic():
        vehicle = (
            Vehicle.objects.select_for_update(skip_locked=True)
            .filter(pk=vehicle_id, state__in=NOT_DELETED)
            .first()
        )
        if vehicle is None:
            return None
        expired_on = vehicle.stnk_valid_until
        if DeletionCase.objects.filter(vehicle=vehicle, stnk_expired_on=expired_on).exists():
            return None
        sent = {
            number: _local_date(sent_at)
            for number, sent_at in DeletionWarning.objects.filter(
                vehicle=vehicle, stnk_expired_on=expired_on
            ).values_list("number", "sent_at")
        }
        step = step_due(expired_on, sent, today)
        if step is None:
            return None
        if step.is_listing:
            case = DeletionCase.objects.create(vehicle=vehicle, stnk_expired_on=expired_on)
            audit_record(
                action="vehicle.deletion_listed",
                object_type=OBJECT_TYPE,
                object_id=str(case.public_id),
                details={"vehicle": str(vehicle.public_id)},
                office_id=vehicle.registering_samsat_id,
            )
            logger.info("vehicle %s listed for a deletion decision (case %s)", vehicle.pk, case.pk)
            return step
        warning = DeletionWarning.objects.create(
            vehicle=vehicle, stnk_expired_on=expired_on, number=step.number, sent_at=clock.now()
        )
        VehicleHistoryEntry.objects.create(
            vehicle=vehicle,
            kind=VehicleHistoryEntry.Kind.DELETION_WARNING,
            occurred_on=today,
            office_id=vehicle.registering_samsat_id,
            plate_display=vehicle.plate_display,
        )
        if user_id is not None:
            notify(
                recipient=user_id,
                template_key=TEMPLATE_KEY,
                context_ids={
                    "warning_id": warning.pk,
                    "deletion_on": deletion_on(expired_on, number=step.number, sent_on=today).isoformat(),
                },
            )
    logger.info(
        "vehicle %s: deletion warning %s recorded (%s)",
        vehicle_id,
        step.number,
        "notified" if user_id is not None else "no verified owner account",
    )
    return step


def _close_renewed_cases() -> int:
    """Close the open cases whose vehicle was renewed since (its STNK expiry moved)."""
    closed = 0
    for case_id in (
        DeletionCase.objects.filter(decision="")
        .exclude(stnk_expired_on=F("vehicle__stnk_valid_until"))
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            case = (
                DeletionCase.objects.select_for_update().select_related("vehicle").filter(pk=case_id).first()
            )
            if case is not None and case.decision == "" and _renewed(case):
                _close_as_renewed(case)
                closed += 1
    return closed


def _renewed(case: DeletionCase) -> bool:
    return case.vehicle.stnk_valid_until != case.stnk_expired_on


def _close_as_renewed(case: DeletionCase) -> None:
    case.decision = DeletionCase.Decision.KEEP
    case.reason = RENEWED_REASON
    case.decided_at = clock.now()
    case.decided_by_id = None
    case.save(update_fields=["decision", "reason", "decided_at", "decided_by_id"])
    audit_record(
        action="vehicle.deletion_case_closed",
        object_type=OBJECT_TYPE,
        object_id=str(case.public_id),
        details={"reason": RENEWED_REASON},
        office_id=case.vehicle.registering_samsat_id,
    )


def deletion_warnings_send(today: dt.date | None = None) -> int:
    """Send the deletion warnings due today and list the vehicles due for a decision; returns how
    many warnings were recorded (notified or not). Safe to run any number of times."""
    today = today if today is not None else clock.today()
    _close_renewed_cases()
    candidates = list(_candidates(today).values_list("pk", "owner_nik_index"))
    holders = _holders({index for _pk, index in candidates})
    warned = 0
    for vehicle_id, index in candidates:
        step = _advance_one(vehicle_id, today, holders.get(index))
        if step is not None and not step.is_listing:
            warned += 1
    return warned


# --- the message --------------------------------------------------------------------------


def deletion_warning_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    warning = DeletionWarning.objects.select_related("vehicle", "vehicle__registering_samsat").get(
        pk=ids["warning_id"]
    )
    vehicle = warning.vehicle
    link = reverse("vehicles:detail", kwargs={"public_id": vehicle.public_id})
    return {
        "vehicle": vehicle,
        "plate": vehicle.plate_display,
        "make_model": f"{vehicle.make} {vehicle.model}",
        "number": warning.number,
        "of": WARNINGS,
        "is_last": warning.number == WARNINGS,
        "expired_on": warning.stnk_expired_on,
        "deletion_on": dt.date.fromisoformat(str(ids["deletion_on"])),
        "samsat": vehicle.registering_samsat.name,
        "link": link,
        "url": catalogue.absolute(link),
    }


# --- reads: the officer's list and case ------------------------------------------------------


def deletion_offices(user: User) -> list[int]:
    """The Samsat whose deletion cases ``user`` decides (officers and supervisors of the
    registering Samsat, supervisors of its Polda)."""
    return [office.pk for office in import_offices(user)]


def open_cases(office_ids: list[int]) -> QuerySet[DeletionCase]:
    """The undecided cases of these Samsat, oldest first (renewed vehicles left out)."""
    return (
        DeletionCase.objects.filter(
            decision="",
            vehicle__registering_samsat__in=office_ids,
            vehicle__state__in=NOT_DELETED,
            stnk_expired_on=F("vehicle__stnk_valid_until"),
        )
        .select_related("vehicle", "vehicle__registering_samsat")
        .order_by("listed_at", "pk")
    )


def case_of(user: User, public_id: uuid.UUID | str) -> DeletionCase | None:
    """A case of one of the Samsat ``user`` decides for (with its warnings), or None."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    offices = deletion_offices(user)
    if not offices:
        return None
    return (
        DeletionCase.objects.filter(public_id=key, vehicle__registering_samsat__in=offices)
        .select_related("vehicle", "vehicle__registering_samsat")
        .prefetch_related(
            Prefetch(
                "vehicle__deletion_warnings",
                queryset=DeletionWarning.objects.order_by("stnk_expired_on", "number"),
            )
        )
        .first()
    )


def warnings_of(case: DeletionCase) -> list[DeletionWarning]:
    """The warnings sent for the case's expiry (from the prefetch of ``case_of``)."""
    return [w for w in case.vehicle.deletion_warnings.all() if w.stnk_expired_on == case.stnk_expired_on]


# --- the decision -------------------------------------------------------------------------


class DeletionRefused(Exception):
    """The decision cannot be taken (``message`` says why, for the officer)."""

    def __init__(self, message: Reason) -> None:
        super().__init__(str(message))
        self.message = message


def deletion_decide(*, case_id: int, officer: User, decision: str, reason: str) -> DeletionCase:
    """Decide a listed case: ``delete`` the registration (for ever) or ``keep`` it, with a reason.

    Staff of the vehicle's registering Samsat (or a supervisor of its Polda) only. Raises
    ``DeletionRefused``; nothing is written then (except closing a case whose vehicle was renewed).
    """
    reason = " ".join(reason.split())
    if decision not in DeletionCase.Decision.values:
        raise DeletionRefused(_("Choose whether to delete or to keep the registration."))
    if not reason:
        raise DeletionRefused(_("Give the reason for the decision."))
    if len(reason) > REASON_MAX_LENGTH:
        raise DeletionRefused(_("Keep the reason under 200 characters."))
    with transaction.atomic():
        case = DeletionCase.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            raise DeletionRefused(_("This case does not exist."))
        vehicle = Vehicle.objects.select_for_update().get(pk=case.vehicle_id)
        case.vehicle = vehicle
        if vehicle.registering_samsat_id not in deletion_offices(officer):
            raise DeletionRefused(
                _("Only staff of the Samsat where the vehicle is registered decide this case.")
            )
        if case.decision:
            raise DeletionRefused(_("This case is already decided."))
        if vehicle.state == Vehicle.State.DELETED:
            raise DeletionRefused(_("This registration is already deleted."))
        renewed = _renewed(case)
        if renewed:
            _close_as_renewed(case)
    if renewed:
        raise DeletionRefused(
            _("The vehicle was renewed since it was listed: the case is closed and the registration kept.")
        )
    with transaction.atomic():
        case = DeletionCase.objects.select_for_update().get(pk=case_id)
        vehicle = Vehicle.objects.select_for_update().get(pk=case.vehicle_id)
        if case.decision or vehicle.state == Vehicle.State.DELETED:
            raise DeletionRefused(_("This case is already decided."))
        now = clock.now()
        case.decision = decision
        case.reason = reason
        case.decided_by_id = officer.pk
        case.decided_at = now
        case.save(update_fields=["decision", "reason", "decided_by_id", "decided_at"])
        if decision == DeletionCase.Decision.DELETE:
            vehicle.state = Vehicle.State.DELETED
            vehicle.state_reason = reason
            vehicle.save(update_fields=["state", "state_reason"])
        VehicleHistoryEntry.objects.create(
            vehicle=vehicle,
            kind=(
                VehicleHistoryEntry.Kind.DELETED
                if decision == DeletionCase.Decision.DELETE
                else VehicleHistoryEntry.Kind.DELETION_WITHDRAWN
            ),
            occurred_on=_local_date(now),
            office_id=vehicle.registering_samsat_id,
            plate_display=vehicle.plate_display,
        )
        audit_record(
            action="vehicle.registration_deleted"
            if decision == DeletionCase.Decision.DELETE
            else "vehicle.registration_kept",
            actor_id=officer.pk,
            object_type=OBJECT_TYPE,
            object_id=str(case.public_id),
            details={"vehicle": str(vehicle.public_id), "decision": decision},
            office_id=vehicle.registering_samsat_id,
        )
    logger.info("deletion case %s decided: %s by user %s", case.pk, decision, officer.pk)
    case.vehicle = vehicle
    return case


def register() -> None:
    """Called once from VehiclesConfig.ready(): the warning's notification (critical)."""
    catalogue.register(
        TEMPLATE_KEY,
        deletion_warning_context,
        critical=True,
        description="warning 1, 2 or 3 before a vehicle's registration is deleted (STNK expired ~2 years)",
    )
