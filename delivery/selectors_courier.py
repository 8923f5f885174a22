"""What the courier's pages read (issue 9, point 5): only the signed-in courier's shipments,
and of each only what the road needs — the recipient's name, address, regency, postal code and
phone, the item, the attempt, the label code to check. Nothing of the application (no NIK, no
details, no documents) is loaded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import F, QuerySet

from accounts.models import User
from delivery.models import Shipment
from korlantas.lib import clock

# The shipments a courier works on: assigned to them, not yet back at the office or handed over.
ON_THE_RUN = ("assigned", "picked_up", "out_for_delivery", "failed_attempt")
# Only the columns the pages show or the steps need.
COURIER_FIELDS = (
    "regency",
    "run",
    "public_id",
    "item",
    "status",
    "version",
    "label_code",
    "recipient_name",
    "address",
    "regency__name",
    "postal_code",
    "phone",
    "courier",
    "run__run_date",
    "run_position",
    "attempts",
    "preferred_date",
    "code_sent_at",
    "code_locked_at",
    "code_hash",
    "received_by_name",
    "received_relation",
    "handed_over_at",
    "created_at",
)
MAP_SEARCH_URL = "https://www.openstreetmap.org/search?query="


def courier_shipments(courier: User) -> QuerySet[Shipment]:
    """Every shipment assigned to ``courier`` (the scope of all courier pages)."""
    return Shipment.objects.filter(courier=courier).select_related("regency", "run").only(*COURIER_FIELDS)


@dataclass(frozen=True)
class RunList:
    on_the_run: list[Shipment]
    done_today: list[Shipment]


def courier_run(courier: User, day: dt.date | None = None) -> RunList:
    """The courier's run: what is still with them, in run order (the run's day, then the
    position the dispatcher gave), and what they handed over today. Two queries."""
    day = day or clock.today()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=clock.JAKARTA)
    active = list(
        courier_shipments(courier)
        .filter(status__in=ON_THE_RUN)
        .order_by(
            F("run__run_date").asc(nulls_last=True),
            F("run_position").asc(nulls_last=True),
            "created_at",
            "pk",
        )
    )
    done = list(
        courier_shipments(courier)
        .filter(
            status="delivered", handed_over_at__gte=start, handed_over_at__lt=start + dt.timedelta(days=1)
        )
        .order_by("-handed_over_at", "-pk")
    )
    return RunList(on_the_run=active, done_today=done)


def map_link(shipment: Shipment) -> str:
    """A search link to the address on OpenStreetMap (a link only: nothing is loaded)."""
    parts = [shipment.address, shipment.regency.name if shipment.regency else "", shipment.postal_code]
    return MAP_SEARCH_URL + quote(", ".join(part for part in parts if part), safe="")


def phone_link(phone: str) -> str:
    """The number for ``tel:`` and ``sms:`` links: digits and a leading plus only."""
    phone = phone.strip()
    digits = "".join(character for character in phone if character.isdigit())
    return f"+{digits}" if phone.startswith("+") else digits
