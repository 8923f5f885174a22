"""Due-date reminders of the STNK (issue 8, point 3): 30 and 7 days before the annual
endorsement falls due, and on the day it becomes overdue.

``endorsements_remind`` (beat, ``vehicles.tasks.remind_endorsements``, hourly; each run is
idempotent) looks at the active vehicles and their next due date (``vehicles.due_dates``). The
threshold due is:

* ``"30"`` with 8 to 30 days left, ``"7"`` with 0 to 7 days left (0 = due today, the last day
  without a fine);
* ``"overdue"`` from the day after the due date (the first day a fine accrues — "the day it
  becomes overdue") for up to ``OVERDUE_CATCH_UP_DAYS`` days, so a job that missed that day still
  sends it, but a vehicle overdue for months gets no sudden reminder when this job first runs.

Each threshold goes once per vehicle and due date (``EndorsementReminder``, unique per vehicle,
due date and threshold), and never after a later one: a job that runs first at 5 days left sends
only the 7-day reminder. Paying moves the next due date a year on, so the next year's reminders
are new rows.

The 5-year renewal: when the next due date is the STNK's last valid day (``due_dates.RENEWAL``)
the same reminders go, with renewal wording (a new STNK and plates, and a physical check) —
owners are reminded every year, not 4 years in 5. The context carries ``kind``.

The holder is the account whose *verified* identity has the vehicle's owner NIK index. A
vehicle nobody holds verified gets no reminder and no row (one goes once they verify, if still in
time). Blocked and deleted vehicles get none. Reminders follow the citizen's preferences (none
is critical: a late endorsement pays a fine, nothing becomes impossible).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.urls import reverse

from accounts.models import CitizenProfile
from korlantas.lib import clock
from notifications import catalogue
from notifications.services import notify
from vehicles import due_dates
from vehicles.models import EndorsementReminder, Vehicle

logger = logging.getLogger("korlantas.vehicles")

TEMPLATE_KEY = "endorsement_due"
BEFORE_30 = "30"
BEFORE_7 = "7"
OVERDUE = "overdue"
THRESHOLDS = (BEFORE_30, BEFORE_7, OVERDUE)  # in the order they fall due
OVERDUE_CATCH_UP_DAYS = 7


def threshold_due(days_left: int) -> str | None:
    """The reminder due with ``days_left`` days to the due date (0 = due today, -1 = overdue
    since today)."""
    if 8 <= days_left <= 30:
        return BEFORE_30
    if 0 <= days_left <= 7:
        return BEFORE_7
    if -OVERDUE_CATCH_UP_DAYS <= days_left <= -1:
        return OVERDUE
    return None


def _holders(nik_indexes: set[str]) -> dict[str, int]:
    """NIK index → the user id of the account holding that NIK verified (at most one)."""
    if not nik_indexes:
        return {}
    return dict(
        CitizenProfile.objects.filter(
            nik_index__in=nik_indexes, identity_state=CitizenProfile.IdentityState.VERIFIED
        ).values_list("nik_index", "user_id")
    )


def _due(vehicle: Vehicle, today: dt.date) -> tuple[due_dates.Standing, str] | None:
    standing = due_dates.standing(vehicle.stnk_valid_until, vehicle.last_endorsed_on, today)
    threshold = threshold_due(standing.days)
    return (standing, threshold) if threshold is not None else None


def _remind_one(vehicle_id: int, today: dt.date, user_id: int) -> bool:
    with transaction.atomic():
        vehicle = (
            Vehicle.objects.select_for_update(skip_locked=True)
            .filter(pk=vehicle_id, state=Vehicle.State.ACTIVE)
            .first()
        )
        if vehicle is None:
            return False
        due = _due(vehicle, today)
        if due is None:
            return False
        standing, threshold = due
        rank = THRESHOLDS.index(threshold)
        sent = set(
            EndorsementReminder.objects.filter(vehicle=vehicle, due_on=standing.due_on).values_list(
                "threshold", flat=True
            )
        )
        if any(THRESHOLDS.index(t) >= rank for t in sent if t in THRESHOLDS):
            return False  # this one, or a later one, already went
        EndorsementReminder.objects.create(
            vehicle=vehicle, due_on=standing.due_on, threshold=threshold, sent_at=clock.now()
        )
        notify(
            recipient=user_id,
            template_key=TEMPLATE_KEY,
            context_ids={
                "vehicle_id": vehicle.pk,
                "due_on": standing.due_on.isoformat(),
                "threshold": threshold,
                "kind": standing.kind,
            },
        )
    logger.info("vehicle %s: %s reminder (%s) for user %s", vehicle_id, threshold, standing.kind, user_id)
    return True


def endorsements_remind(today: dt.date | None = None) -> int:
    """Send the due-date reminders due today; returns how many went. Safe to run any number of times."""
    today = today if today is not None else clock.today()
    window = [today + dt.timedelta(days=d) for d in range(-OVERDUE_CATCH_UP_DAYS, 31)]
    # Due dates are anniversaries of stnk_valid_until (29 February → 28 February, same month):
    # only vehicles whose STNK date falls in a month of the window can be due within it.
    candidates = [
        (vehicle.pk, vehicle.owner_nik_index)
        for vehicle in Vehicle.objects.filter(
            state=Vehicle.State.ACTIVE,
            stnk_valid_until__gte=window[0],
            stnk_valid_until__month__in=sorted({day.month for day in window}),
        ).only("pk", "owner_nik_index", "stnk_valid_until", "last_endorsed_on")
        if _due(vehicle, today) is not None
    ]
    holders = _holders({index for _pk, index in candidates})
    sent = 0
    for vehicle_id, index in candidates:
        user_id = holders.get(index)
        if user_id is not None and _remind_one(vehicle_id, today, user_id):
            sent += 1
    return sent


# --- the message --------------------------------------------------------------------------


def endorsement_due_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    vehicle = Vehicle.objects.get(pk=ids["vehicle_id"])
    due_on = dt.date.fromisoformat(str(ids["due_on"]))
    link = reverse("vehicles:detail", kwargs={"public_id": vehicle.public_id})
    return {
        "vehicle": vehicle,
        "plate": vehicle.plate_display,
        "make_model": f"{vehicle.make} {vehicle.model}",
        "due_on": due_on,
        "threshold": ids.get("threshold"),
        "overdue": ids.get("threshold") == OVERDUE,
        "is_renewal": ids.get("kind") == due_dates.RENEWAL,
        "link": link,
        "url": catalogue.absolute(link),
    }


def register() -> None:
    """Called once from VehiclesConfig.ready()."""
    catalogue.register(
        TEMPLATE_KEY,
        endorsement_due_context,
        description="a vehicle's STNK endorsement (or 5-year renewal) is due in 30 or 7 days, or overdue",
    )
