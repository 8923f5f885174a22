"""Which fees are in force: the schedule with the latest start not after the day (Jakarta).

Reads only. ``fees_in_force`` is what a bill uses when it is issued; the public fee page shows
the same data, so the page and the bills cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from korlantas.lib import clock
from korlantas.lib.clock import JAKARTA
from payments.models import FeeSchedule


class NoScheduleInForce(LookupError):
    """No fee schedule starts on or before the day: an installation without its seed."""


@dataclass(frozen=True)
class FeesInForce:
    schedule: FeeSchedule
    amounts: dict[str, int]


def jakarta_date(moment: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(moment if moment is not None else clock.now(), JAKARTA).date()


def schedule_in_force(on: dt.date) -> FeeSchedule:
    schedule = FeeSchedule.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if schedule is None:
        raise NoScheduleInForce(on)
    return schedule


def fees_in_force(moment: dt.datetime | None = None) -> FeesInForce:
    """The schedule in force at ``moment`` (now) and its amounts by code: two queries."""
    schedule = schedule_in_force(jakarta_date(moment))
    return FeesInForce(schedule=schedule, amounts=dict(schedule.fees.values_list("code", "amount")))


def upcoming_schedules(moment: dt.datetime | None = None) -> list[FeeSchedule]:
    """Schedules entered ahead of their start, soonest first, with their fees."""
    return list(
        FeeSchedule.objects.filter(effective_from__gt=jakarta_date(moment))
        .order_by("effective_from")
        .prefetch_related("fees")
    )
