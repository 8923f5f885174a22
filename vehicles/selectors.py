"""Named reads of the vehicle registry.

* A citizen's vehicles are found through the blind index of their *verified* NIK
  (``accounts.selectors.verified_nik_index``, the one door): an unverified or disputed claimant
  sees none, and another person's vehicle is as if it did not exist. Each vehicle is locked for
  the citizen until they prove possession (``VehicleClaim``); the page rows say which.
* The anonymous lookup (``vehicle_by_plate_and_suffix``) finds a vehicle that is not deleted by
  its plate *and* the last 5 characters of its chassis number, or nothing — whichever of the two
  is wrong.
* The registration history (``registration_history``): what happened where, with the plate
  at the time, for the unlocked vehicle's page.
* Import reports are read by the staff of the import's Samsat (and its Polda's supervisors).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When

from accounts.models import User
from accounts.selectors import verified_nik_index
from korlantas.lib import clock
from vehicles import due_dates, identifiers
from vehicles.models import (
    NOT_DELETED,
    OwnershipRecord,
    Vehicle,
    VehicleClaim,
    VehicleHistoryEntry,
    VehicleImport,
)
from vehicles.services import import_offices, suffix_matches

_STATE_RANK = Case(
    When(state=Vehicle.State.ACTIVE, then=Value(0)),
    When(state=Vehicle.State.BLOCKED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _owned(index: str, user: User) -> QuerySet[Vehicle]:
    return (
        Vehicle.objects.filter(owner_nik_index=index)
        .select_related("registering_samsat")
        .annotate(unlocked=Exists(VehicleClaim.objects.filter(user=user, vehicle=OuterRef("pk"))))
    )


def vehicles_of(user: User) -> list[Vehicle]:
    """The vehicles registered to the user's verified NIK (each annotated ``unlocked``), live
    ones first, by plate. One query besides the NIK index."""
    index = verified_nik_index(user)
    if index is None:
        return []
    return list(_owned(index, user).order_by(_STATE_RANK, "plate_normalised", "pk"))


def vehicle_of(user: User, public_id: uuid.UUID | str) -> Vehicle | None:
    """One of the user's own vehicles (annotated ``unlocked``), or None."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    index = verified_nik_index(user)
    if index is None:
        return None
    return _owned(index, user).filter(public_id=key).first()


@dataclass(frozen=True)
class VehicleRow:
    vehicle: Vehicle
    unlocked: bool
    standing: due_dates.Standing | None  # None for a deleted registration

    @property
    def locked(self) -> bool:
        return not self.unlocked


def vehicle_row(vehicle: Vehicle, today: dt.date | None = None) -> VehicleRow:
    today = today if today is not None else clock.today()
    return VehicleRow(
        vehicle=vehicle,
        unlocked=bool(getattr(vehicle, "unlocked", False)),
        standing=(
            None
            if vehicle.is_deleted
            else due_dates.standing(vehicle.stnk_valid_until, vehicle.last_endorsed_on, today)
        ),
    )


@dataclass(frozen=True)
class HistoryEntry:
    from_date: dt.date
    to_date: dt.date | None
    how: str
    is_you: bool


def ownership_history(vehicle: Vehicle, *, viewer_index: str | None) -> list[HistoryEntry]:
    """The ownership periods, oldest first; whether each is the viewer's — never who else."""
    records = OwnershipRecord.objects.filter(vehicle=vehicle).order_by("from_date", "pk")
    return [
        HistoryEntry(
            from_date=record.from_date,
            to_date=record.to_date,
            how=record.get_how_display(),
            is_you=viewer_index is not None and record.owner_nik_index == viewer_index,
        )
        for record in records
    ]


def registration_history(vehicle: Vehicle) -> list[VehicleHistoryEntry]:
    """What happened to the registration, oldest first: date, what, the office (loaded with it,
    one query however long the history) and the plate at the time. Owners are never named."""
    return list(
        VehicleHistoryEntry.objects.filter(vehicle=vehicle)
        .select_related("office")
        .order_by("occurred_on", "pk")
    )


def vehicle_by_plate_and_suffix(plate: identifiers.Plate, suffix: str) -> Vehicle | None:
    """A live (active or blocked) vehicle with this plate whose chassis number ends with
    ``suffix`` (normalised), or None for an unknown plate, a deleted registration or another
    suffix alike."""
    vehicle = Vehicle.objects.filter(plate_normalised=plate.normalised, state__in=NOT_DELETED).first()
    if vehicle is None or not suffix_matches(vehicle, suffix):
        return None
    return vehicle


def import_of(user: User, public_id: uuid.UUID | str) -> VehicleImport | None:
    """An import of one of the Samsat ``user`` imports for, or None."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    offices = import_offices(user)
    if not offices:
        return None
    return (
        VehicleImport.objects.select_related("office")
        .filter(public_id=key, office__in=[office.pk for office in offices])
        .first()
    )


def recent_imports(offices: list[int], limit: int = 10) -> list[VehicleImport]:
    return list(
        VehicleImport.objects.select_related("office")
        .filter(office__in=offices)
        .defer("report")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- the vehicle an application is about (every vehicle service keeps one detail row) --------

# (service code, related name of its detail row on ``Application``); a service added later
# adds its row here.
APPLICATION_VEHICLE_ROWS = (
    ("stnk_endorsement", "stnk_endorsement"),
    ("stnk_renewal", "stnk_renewal"),
    ("bpkb_transfer", "bpkb_transfer"),
    ("bpkb_replacement", "bpkb_replacement"),
    ("vehicle_mutation", "vehicle_mutation"),
)


def vehicle_of_application(application: Any) -> Vehicle | None:
    """The vehicle a vehicle-service application is about; None for any other application."""
    for service_code, related_name in APPLICATION_VEHICLE_ROWS:
        if application.service_code != service_code:
            continue
        model = type(application)._meta.get_field(related_name).related_model
        row = (
            model.objects.select_related("vehicle__registering_samsat")
            .filter(application=application)
            .first()
        )
        return row.vehicle if row is not None else None
    return None
