"""Reads of the citizen's side, the collection desk and the public tracking page (issue 9).

Every list is fetched with a fixed number of queries (``select_related`` / ``prefetch_related``),
whatever the number of rows. The citizen sees their own shipments only (another's is ``None``:
a 404); the desk sees the shipments of the offices its user works for (the same scope as
``applications.selectors.staff_scope``); the public page sees coarse states and dates only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import CitizenProfile, StaffMembership, User
from accounts.roles import SUPERVISOR, roles_of
from applications import events
from delivery.collection import COLLECTION_NOTICE, RESCHEDULED, UNCOLLECTED_AFTER
from delivery.models import FailureReason, Shipment, TrackingEvent
from delivery.workflow import AWAITING_COLLECTION, BEFORE_PICKUP, MAX_ATTEMPTS, TERMINAL
from korlantas.lib import clock
from offices.models import WEEKDAY_KEYS, Office

if TYPE_CHECKING:
    from applications.models import Application

# Shipments are created on ``issue``: before it, an application has none (no query needed).
SHIPPING_STATES = frozenset({"issued", "completed"})

# The live state in plain words (the holder's page).
STATE_WORDS: dict[str, Promise] = {
    "created": _("Being prepared at the office"),
    "assigned": _("Packed and given to a courier"),
    "picked_up": _("Picked up by the courier"),
    "out_for_delivery": _("On its way to you today"),
    "failed_attempt": _("Delivery attempted: we could not hand it over"),
    "returned_to_office": _("Returned to the office: collect it there"),
    "ready_for_collection": _("Waiting for you at the office"),
    "delivered": _("Delivered"),
    "collected": _("Collected at the office"),
}

# The public page: coarse states only.
PUBLIC_STATES: dict[str, Promise] = {
    "created": _("Being prepared"),
    "assigned": _("Being prepared"),
    "picked_up": _("On its way"),
    "out_for_delivery": _("On its way"),
    "failed_attempt": _("Delivery attempted"),
    "returned_to_office": _("Waiting at the office"),
    "ready_for_collection": _("Waiting at the office"),
    "delivered": _("Delivered"),
    "collected": _("Delivered"),
}

# Tracking actions the holder's timeline shows, in words (others are internal facts).
EVENT_WORDS: dict[str, Promise] = {
    "created": _("Delivery prepared"),
    "printed": _("Printed"),
    "packed": _("Packed"),
    "address_confirmed": _("Address confirmed"),
    "address_changed": _("Address corrected"),
    "assign": _("Given to a courier"),
    "pick_up": _("Picked up by the courier"),
    "go_out": _("Out for delivery"),
    "fail_attempt": _("Delivery attempt failed"),
    "deliver": _("Delivered"),
    "return_to_office": _("Returned to the office"),
    "switch_to_collection": _("To be collected at the office"),
    "collect": _("Collected at the office"),
    RESCHEDULED: _("New delivery day requested"),
}

WEEKDAY_LABELS: dict[str, Promise] = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}


# --- offices ------------------------------------------------------------------------------


def office_address(office: Office) -> str:
    """Street address and city (the regency must be selected with the office)."""
    parts = [office.street_address, office.regency.name if office.regency_id else ""]
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class HoursLine:
    day: Promise
    hours: str


def office_hours(office: Office) -> list[HoursLine]:
    """Opening hours per open weekday, local time ("08:00–15:00")."""
    lines = []
    for key in WEEKDAY_KEYS:
        intervals = office.opening_hours.get(key) or []
        if intervals:
            lines.append(
                HoursLine(WEEKDAY_LABELS[key], ", ".join(f"{opens}–{closes}" for opens, closes in intervals))
            )
    return lines


# --- the holder's shipments ---------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    number: int
    occurred_at: dt.datetime
    reason: str | Promise


def _first_name(full_name: str) -> str:
    return full_name.split()[0] if full_name.strip() else ""


def courier_first_name(shipment: Shipment) -> str:
    """The assigned courier's first name, once assigned: from the name an administrator set on
    the courier's staff membership (``display_name``), else their own citizen profile's; else ""
    and the page says "your courier"."""
    if shipment.courier_id is None or shipment.status in TERMINAL | AWAITING_COLLECTION:
        return ""
    name = (
        StaffMembership.objects.filter(user_id=shipment.courier_id)
        .values_list("display_name", flat=True)
        .first()
    ) or (
        CitizenProfile.objects.filter(user_id=shipment.courier_id).values_list("full_name", flat=True).first()
    )
    return _first_name(name or "")


def attempts_of(events_: list[TrackingEvent]) -> list[Attempt]:
    """Each delivery attempt that failed: when, and why in words."""
    attempts: list[Attempt] = []
    for event in events_:
        if event.action == "fail_attempt":
            reason = (
                FailureReason(event.reason_code).label if event.reason_code in FailureReason.values else ""
            )
            attempts.append(Attempt(len(attempts) + 1, event.occurred_at, reason))
    return attempts


def _events_prefetch() -> Prefetch[str]:
    return Prefetch("tracking_events", queryset=TrackingEvent.objects.order_by("occurred_at", "pk"))


def shipment_of_citizen(*, user: User, public_id: uuid.UUID) -> Shipment | None:
    """The holder's own shipment (with its office, regency and events), or None."""
    return (
        Shipment.objects.filter(public_id=public_id, application__applicant=user)
        .select_related("office__regency", "regency", "application")
        .prefetch_related(_events_prefetch())
        .first()
    )


@dataclass(frozen=True)
class ShipmentRow:
    shipment: Shipment
    item: str | Promise
    state: str | Promise
    office: str
    url: str
    needs_action: bool = False
    attempts: int = 0


def _row(shipment: Shipment) -> ShipmentRow:
    needs_action = (shipment.status in BEFORE_PICKUP and shipment.address_confirmed_at is None) or (
        shipment.status == "failed_attempt"
    )
    return ShipmentRow(
        shipment=shipment,
        item=shipment.get_item_display(),
        state=STATE_WORDS.get(shipment.status, shipment.status),
        office=shipment.office.name,
        url=reverse("delivery:citizen_shipment", kwargs={"public_id": shipment.public_id}),
        needs_action=needs_action,
        attempts=shipment.attempts,
    )


def shipments_of(*, user: User) -> list[ShipmentRow]:
    """The holder's shipments, newest first (two queries at most, whatever their number)."""
    shipments = (
        Shipment.objects.filter(application__applicant=user)
        .select_related("office", "application")
        .order_by("-created_at", "-pk")
    )
    return [_row(shipment) for shipment in shipments]


def shipment_rows_of_application(application: Application) -> list[ShipmentRow]:
    if application.status not in SHIPPING_STATES:
        return []
    shipments = Shipment.objects.filter(application=application).select_related("office").order_by("pk")
    return [_row(shipment) for shipment in shipments]


def timeline_entries(application: Application) -> list[events.TimelineEntry]:
    """Tracking events of the application's shipments for its timeline: coarse labels, the item,
    no staff names or places of couriers, no addresses, no links (staff read the timeline too;
    the holder's links are in the delivery panel)."""
    if application.status not in SHIPPING_STATES:
        return []  # no query: an application has shipments only once issued
    entries = []
    for event in (
        TrackingEvent.objects.filter(shipment__application=application, action__in=list(EVENT_WORDS))
        .select_related("shipment")
        .order_by("occurred_at", "pk")
    ):
        note: str | Promise = ""
        if event.action == "fail_attempt" and event.reason_code in FailureReason.values:
            note = FailureReason(event.reason_code).label
        entries.append(
            events.TimelineEntry(
                occurred_at=event.occurred_at,
                label=format_lazy("{}: {}", event.shipment.get_item_display(), EVENT_WORDS[event.action]),
                source="delivery",
                detail=event.action,
                note=note,
            )
        )
    return entries


# --- the collection desk -----------------------------------------------------------------


def desk_scope(*, user: User) -> QuerySet[Shipment]:
    """Shipments of the offices ``user`` works for (a Polda supervisor: the Polda's)."""
    membership = StaffMembership.objects.filter(user=user).only("office_id", "polda_id").first()
    if membership is None:
        return Shipment.objects.none()
    if membership.office_id is not None:
        return Shipment.objects.filter(office_id=membership.office_id)
    if membership.polda_id is not None and SUPERVISOR in roles_of(user):
        return Shipment.objects.filter(office__polda_id=membership.polda_id)
    return Shipment.objects.none()


@dataclass(frozen=True)
class DeskRow:
    shipment: Shipment
    waiting_since: dt.datetime | None
    days_waiting: int
    overdue: bool
    reasons: list[str | Promise] = field(default_factory=list)
    notified: bool = False


def awaiting_collection(*, user: User, uncollected_only: bool = False) -> list[DeskRow]:
    """Shipments waiting at the user's office(s): ready for collection, and the register of
    returned documents (returned date, attempts, reasons). ``uncollected_only``: waiting for
    more than 30 days (the follow-up list). A fixed number of queries."""
    now = clock.now()
    queryset = (
        desk_scope(user=user)
        .filter(status__in=AWAITING_COLLECTION)
        .select_related("office", "application")
        .prefetch_related(
            Prefetch(
                "tracking_events",
                queryset=TrackingEvent.objects.filter(
                    action__in=["fail_attempt", COLLECTION_NOTICE]
                ).order_by("occurred_at", "pk"),
                to_attr="desk_events",
            )
        )
        .order_by("returned_at", "ready_for_collection_at", "pk")
    )
    if uncollected_only:
        limit = now - UNCOLLECTED_AFTER
        queryset = queryset.filter(
            Q(status="returned_to_office", returned_at__lt=limit)
            | Q(status="ready_for_collection", ready_for_collection_at__lt=limit)
        )
    rows = []
    for shipment in queryset:
        since = (
            shipment.returned_at
            if shipment.status == "returned_to_office"
            else shipment.ready_for_collection_at
        )
        days = (now - since).days if since is not None else 0
        desk_events: list[TrackingEvent] = getattr(shipment, "desk_events", [])
        rows.append(
            DeskRow(
                shipment=shipment,
                waiting_since=since,
                days_waiting=days,
                overdue=since is not None and now - since > UNCOLLECTED_AFTER,
                reasons=[attempt.reason for attempt in attempts_of(desk_events)],
                notified=any(event.action == COLLECTION_NOTICE for event in desk_events),
            )
        )
    return rows


def desk_shipment(*, user: User, public_id: uuid.UUID) -> Shipment | None:
    return (
        desk_scope(user=user)
        .filter(public_id=public_id)
        .select_related("office__regency", "application")
        .prefetch_related(_events_prefetch())
        .first()
    )


def desk_shipment_by_label(*, user: User, label_code: str) -> Shipment | None:
    code = label_code.strip().upper().replace("-", "").replace(" ", "")
    return desk_scope(user=user).filter(label_code=code).first() if code else None


# --- public tracking ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    label: str | Promise
    occurred_at: dt.datetime


@dataclass(frozen=True)
class PublicTracking:
    label_code: str
    state: str | Promise
    item: str | Promise
    steps: list[PublicStep]
    attempts: int
    max_attempts: int = MAX_ATTEMPTS


def public_tracking(*, label_code: str) -> PublicTracking | None:
    """Coarse states and dates by label code: no names, addresses, offices' staff or places."""
    code = label_code.strip().upper().replace("-", "").replace(" ", "")
    if not code or len(code) > 12:
        return None
    shipment = (
        Shipment.objects.filter(label_code=code)
        .prefetch_related(
            Prefetch(
                "tracking_events",
                queryset=TrackingEvent.objects.exclude(to_status="").order_by("occurred_at", "pk"),
                to_attr="state_events",
            )
        )
        .first()
    )
    if shipment is None:
        return None
    steps: list[PublicStep] = [PublicStep(PUBLIC_STATES["created"], shipment.created_at)]
    for event in getattr(shipment, "state_events", []):
        label = PUBLIC_STATES.get(event.to_status)
        if label is not None and str(label) != str(steps[-1].label):
            steps.append(PublicStep(label, event.occurred_at))
    return PublicTracking(
        label_code=shipment.label_code,
        state=PUBLIC_STATES.get(shipment.status, ""),
        item=shipment.get_item_display(),
        steps=steps,
        attempts=shipment.attempts,
    )
