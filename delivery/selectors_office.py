"""Reads of the office's delivery pages (issue 9, points 2 and 4).

Scope: an office member (officer, supervisor, dispatcher) sees their office's shipments and
runs; a supervisor whose membership is a Polda sees those of every office of that Polda (the
same rule as ``delivery.services._actor_role``). Anyone else: nothing. Out of scope is "does
not exist" (the views answer 404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accounts.models import StaffMembership, User
from accounts.roles import COURIER, OFFICE_ROLES, SUPERVISOR, roles_of
from delivery.dispatch import LOAD_STATES, CourierLoad
from delivery.models import CourierArea, CourierRun, Shipment
from delivery.workflow import TERMINAL
from offices.models import Office, Regency


def _membership(user: User) -> StaffMembership | None:
    cached: StaffMembership | bool | None = getattr(user, "_delivery_membership", False)
    if cached is False:
        cached = StaffMembership.objects.filter(user=user).only("office_id", "polda_id").first()
        user._delivery_membership = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]


def scope_offices(user: User) -> QuerySet[Office]:
    """The offices whose delivery work ``user`` sees."""
    if not roles_of(user) & OFFICE_ROLES:
        return Office.objects.none()
    membership = _membership(user)
    if membership is None:
        return Office.objects.none()
    if membership.office_id is not None:
        return Office.objects.filter(pk=membership.office_id)
    if membership.polda_id is not None and SUPERVISOR in roles_of(user):
        return Office.objects.filter(polda_id=membership.polda_id)
    return Office.objects.none()


def home_office(user: User) -> Office | None:
    """The one office ``user`` dispatches for (a Polda supervisor has none)."""
    membership = _membership(user)
    if membership is None or membership.office_id is None or not roles_of(user) & OFFICE_ROLES:
        return None
    return Office.objects.filter(pk=membership.office_id).first()


def spans_offices(user: User) -> bool:
    """A Polda supervisor: their pages list several offices' work."""
    membership = _membership(user)
    return membership is not None and membership.office_id is None


def office_shipments(user: User) -> QuerySet[Shipment]:
    return Shipment.objects.filter(office__in=scope_offices(user))


def to_print_and_pack(user: User) -> QuerySet[Shipment]:
    """Shipments not yet printed or not yet packed, not ended, oldest first."""
    return (
        office_shipments(user)
        .filter(Q(printed_at__isnull=True) | Q(packed_at__isnull=True))
        .exclude(status__in=TERMINAL)
        .select_related("application", "office", "document", "label_document")
        .order_by("created_at", "pk")
    )


def packed_waiting(user: User, *, limit: int = 25) -> list[Shipment]:
    """Packed parcels not yet with a courier (their labels to print), newest packed first."""
    return list(
        office_shipments(user)
        .filter(status="created", packed_at__isnull=False, courier__isnull=True)
        .select_related("application", "office", "label_document")
        .order_by("-packed_at", "-pk")[:limit]
    )


def shipment_in_scope(user: User, public_id: uuid.UUID) -> Shipment | None:
    return (
        office_shipments(user)
        .select_related("application", "office", "document", "label_document", "run")
        .filter(public_id=public_id)
        .first()
    )


def ready_to_dispatch(office: Office) -> QuerySet[Shipment]:
    """Printed, packed, address confirmed, not assigned: what a dispatcher may put in a run."""
    return (
        Shipment.objects.filter(
            office=office,
            status="created",
            courier__isnull=True,
            printed_at__isnull=False,
            packed_at__isnull=False,
            address_confirmed_at__isnull=False,
        )
        .select_related("application", "regency")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class CourierRow:
    courier: User
    load: int
    areas: list[Regency]

    @property
    def as_load(self) -> CourierLoad:
        return CourierLoad(
            courier_id=self.courier.pk,
            load=self.load,
            regency_ids=frozenset(area.pk for area in self.areas),
        )


def couriers_of(office: Office) -> list[CourierRow]:
    """The office's active couriers, with their areas and current load (parcels assigned to
    them or on the road with them), in two queries whatever their number."""
    couriers = list(
        User.objects.filter(is_active=True, groups__name=COURIER, staff_membership__office_id=office.pk)
        .annotate(load=Count("shipments", filter=Q(shipments__status__in=LOAD_STATES), distinct=True))
        .order_by("email")
        .distinct()
    )
    areas: dict[int, list[Regency]] = {}
    for area in (
        CourierArea.objects.filter(courier__in=[courier.pk for courier in couriers])
        .select_related("regency")
        .order_by("regency__name")
    ):
        areas.setdefault(area.courier_id, []).append(area.regency)
    return [
        CourierRow(courier=courier, load=courier.load, areas=areas.get(courier.pk, []))
        for courier in couriers
    ]


def runs_of(office: Office, *, limit: int = 20) -> list[CourierRun]:
    return list(
        CourierRun.objects.filter(office=office)
        .select_related("courier")
        .annotate(parcels=Count("shipments"))
        .order_by("-run_date", "-pk")[:limit]
    )


def run_in_scope(user: User, public_id: uuid.UUID) -> CourierRun | None:
    return (
        CourierRun.objects.filter(office__in=scope_offices(user), public_id=public_id)
        .select_related("office", "courier", "manifest")
        .first()
    )


def run_shipments(run: CourierRun) -> QuerySet[Shipment]:
    return (
        Shipment.objects.filter(run_id=run.pk)
        .select_related("application", "regency")
        .order_by("run_position", "pk")
    )


def regencies_near(office: Office) -> QuerySet[Regency]:
    """The regencies a courier of ``office`` may serve: those of the office's province."""
    return Regency.objects.filter(province__regencies__pk=office.regency_id).order_by("name")
