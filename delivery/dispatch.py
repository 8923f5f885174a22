"""Dispatch (issue 9, point 4): couriers' runs, their manifests, couriers' areas, and the
suggestion of a courier per parcel.

* ``run_assign`` — puts chosen parcels into the courier's run of the day (created if there is
  none yet), each through ``shipment_transition(action="assign")`` in one transaction: if one
  parcel is refused, none is assigned and the reason names its label code. The run's manifest
  is issued (or, for a run that changed, re-issued superseding the previous one).
* ``run_unassign`` — takes one parcel out of its run (``unassign``) and re-issues the manifest.
* ``courier_areas_set`` — an office supervisor sets the regencies a courier serves.
* ``suggest_couriers`` — a pure function: per parcel, a courier whose area includes the
  parcel's regency, the least loaded first; otherwise the least loaded courier of the office.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffMembership, User
from accounts.roles import COURIER, DISPATCHER, SUPERVISOR, roles_of
from audit.services import audit_record
from delivery.labels import MANIFEST_KIND
from delivery.models import CourierArea, CourierRun, Shipment
from delivery.services import ShipmentRefused, shipment_transition
from korlantas.lib import clock
from offices.models import Office, Regency

logger = logging.getLogger("korlantas.delivery")

# A courier's current load: parcels assigned to them or on the road with them.
LOAD_STATES = ("assigned", "picked_up", "out_for_delivery", "failed_attempt")
RUN_OBJECT_TYPE = "courier_run"
MANIFEST_CHANGED = "the run changed"


class DispatchRefused(Exception):
    """Nothing was changed. ``reasons`` are for people."""

    def __init__(self, reasons: Sequence[str | Promise]) -> None:
        super().__init__(*reasons)
        self.reasons = list(reasons)


# --- the suggestion -----------------------------------------------------------------------


@dataclass(frozen=True)
class CourierLoad:
    courier_id: int
    load: int
    regency_ids: frozenset[int]


@dataclass(frozen=True)
class ParcelToPlace:
    shipment_id: int
    regency_id: int | None


def suggest_couriers(
    parcels: Sequence[ParcelToPlace], couriers: Sequence[CourierLoad]
) -> dict[int, int | None]:
    """Shipment id → the suggested courier id (None when the office has no courier).

    For each parcel, in the order given: among the couriers whose areas include the parcel's
    regency, the least loaded; if none serves it, the least loaded courier of all. Each
    suggestion counts towards that courier's load for the parcels after it, so one batch is
    spread rather than piled on one courier. Ties go to the courier listed first."""
    load = {courier.courier_id: courier.load for courier in couriers}
    suggestion: dict[int, int | None] = {}
    for parcel in parcels:
        serving = [
            c for c in couriers if parcel.regency_id is not None and parcel.regency_id in c.regency_ids
        ]
        candidates = serving or list(couriers)
        if not candidates:
            suggestion[parcel.shipment_id] = None
            continue
        chosen = min(candidates, key=lambda courier: load[courier.courier_id])
        suggestion[parcel.shipment_id] = chosen.courier_id
        load[chosen.courier_id] += 1
    return suggestion


# --- runs ---------------------------------------------------------------------------------


def _may_dispatch(actor: User, office: Office) -> bool:
    roles = roles_of(actor)
    if not roles & {DISPATCHER, SUPERVISOR}:
        return False
    membership = StaffMembership.objects.filter(user=actor).only("office_id").first()
    return membership is not None and membership.office_id == office.pk


def _issue_manifest(run: CourierRun, actor: User) -> None:
    from documents.models import IssuedDocument
    from documents.services import document_issue

    previous = run.manifest if run.manifest_id is not None else None
    if previous is not None and previous.status != IssuedDocument.Status.VALID:
        previous = None
    run.manifest = document_issue(
        kind=MANIFEST_KIND,
        application=None,
        holder=run.courier,
        reference=f"MNF-{run.run_date:%Y%m%d}-{run.pk}",
        replaces=previous,
        reason=MANIFEST_CHANGED if previous is not None else "",
        actor=actor,
    )
    run.save(update_fields=["manifest"])


def run_assign(*, office: Office, courier: User, shipment_ids: Sequence[int], actor: User) -> CourierRun:
    """Put the parcels, in the order given, into ``courier``'s run of today at ``office``
    (created if needed) and issue its manifest. All or nothing: raises ``DispatchRefused``."""
    if not shipment_ids:
        raise DispatchRefused([_("Choose at least one parcel.")])
    if len(set(shipment_ids)) != len(shipment_ids):
        raise DispatchRefused([_("A parcel is chosen twice.")])
    if not _may_dispatch(actor, office):
        raise DispatchRefused([_("Only the office's dispatchers and supervisors put parcels into runs.")])
    if not courier.is_active or COURIER not in roles_of(courier):
        raise DispatchRefused([_("Choose a courier.")])
    try:
        with transaction.atomic():
            today = clock.today()
            run = (
                CourierRun.objects.select_for_update(of=("self",))
                .select_related("manifest")
                .filter(office=office, courier=courier, run_date=today)
                .order_by("pk")
                .first()
            )
            created = run is None
            if run is None:
                run = CourierRun.objects.create(
                    office=office, courier=courier, run_date=today, created_by_id=actor.pk
                )
            positions = Shipment.objects.filter(run_id=run.pk).values_list("run_position", flat=True)
            next_position = max((p for p in positions if p is not None), default=0) + 1
            labels = dict(
                Shipment.objects.filter(pk__in=shipment_ids, office=office).values_list("pk", "label_code")
            )
            for shipment_id in shipment_ids:
                if shipment_id not in labels:
                    raise DispatchRefused([_("A chosen parcel is not one of this office's.")])
                try:
                    shipment_transition(
                        shipment_id=shipment_id,
                        action="assign",
                        actor=actor,
                        data={"courier": courier, "run": run, "run_position": next_position},
                    )
                except ShipmentRefused as refused:
                    raise DispatchRefused(
                        [
                            format_lazy(_("Parcel {code}: {reason}"), code=labels[shipment_id], reason=reason)
                            for reason in refused.reasons
                        ]
                    ) from refused
                next_position += 1
            _issue_manifest(run, actor)
            audit_record(
                action="courier_run.created" if created else "courier_run.extended",
                actor_id=actor.pk,
                object_type=RUN_OBJECT_TYPE,
                object_id=str(run.public_id),
                details={"parcels": len(shipment_ids), "courier_id": courier.pk},
                office_id=office.pk,
            )
    except DispatchRefused:
        logger.warning("run for courier %s at office %s refused", courier.pk, office.pk)
        raise
    logger.info("run %s: %s parcel(s) assigned", run.pk, len(shipment_ids))
    return run


def run_unassign(*, run_id: int, shipment_id: int, actor: User) -> CourierRun:
    """Take one parcel out of the run before pickup; the manifest is re-issued."""
    with transaction.atomic():
        run = (
            CourierRun.objects.select_for_update(of=("self",))
            .select_related("manifest", "courier")
            .get(pk=run_id)
        )
        if not _may_dispatch(actor, Office.objects.get(pk=run.office_id)):
            raise DispatchRefused([_("Only the office's dispatchers and supervisors change runs.")])
        if not Shipment.objects.filter(pk=shipment_id, run_id=run.pk).exists():
            raise DispatchRefused([_("This parcel is not in this run.")])
        try:
            shipment_transition(shipment_id=shipment_id, action="unassign", actor=actor)
        except ShipmentRefused as refused:
            raise DispatchRefused(refused.reasons) from refused
        _issue_manifest(run, actor)
        audit_record(
            action="courier_run.unassigned",
            actor_id=actor.pk,
            object_type=RUN_OBJECT_TYPE,
            object_id=str(run.public_id),
            office_id=run.office_id,
        )
    return run


# --- areas --------------------------------------------------------------------------------


def courier_areas_set(*, courier: User, regencies: Iterable[Regency], actor: User) -> list[CourierArea]:
    """An office supervisor sets the regencies ``courier`` (of the same office) serves."""
    membership = StaffMembership.objects.filter(user=actor).only("office_id").first()
    if SUPERVISOR not in roles_of(actor) or membership is None or membership.office_id is None:
        raise DispatchRefused([_("Only a supervisor of the office sets couriers' areas.")])
    if (
        COURIER not in roles_of(courier)
        or not StaffMembership.objects.filter(user=courier, office_id=membership.office_id).exists()
    ):
        raise DispatchRefused([_("Choose a courier of this office.")])
    chosen = {regency.pk: regency for regency in regencies}
    with transaction.atomic():
        CourierArea.objects.filter(courier=courier).exclude(regency_id__in=chosen).delete()
        existing = set(CourierArea.objects.filter(courier=courier).values_list("regency_id", flat=True))
        CourierArea.objects.bulk_create(
            [CourierArea(courier=courier, regency_id=pk) for pk in chosen if pk not in existing]
        )
        audit_record(
            action="courier_areas.set",
            actor_id=actor.pk,
            object_type="user",
            object_id=str(courier.public_id),
            details={"regency_ids": sorted(chosen)},
            office_id=membership.office_id,
        )
    return list(CourierArea.objects.filter(courier=courier).select_related("regency"))
