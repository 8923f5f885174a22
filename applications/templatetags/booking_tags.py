"""Filters for a booking shown in a page (``applications/includes/booking.html``), so the
including view need not pass anything beyond ``booking``: no query, only the slot already
fetched with it."""

from __future__ import annotations

import datetime as dt

from django import template

from applications import selectors
from applications.appointments import CHANGE_CUTOFF
from applications.guards import UNBOOKED_LAPSE_AFTER
from applications.models import Booking

register = template.Library()


@register.filter
def booking_changeable(booking: Booking | None) -> bool:
    """Whether the citizen may still reschedule or cancel it (before the cut-off)."""
    return selectors.booking_changeable(booking)


@register.filter
def booking_change_deadline(booking: Booking) -> dt.datetime:
    return selectors.booking_change_deadline(booking)


@register.simple_tag
def change_cutoff_hours() -> int:
    """How many hours before the start changes close (``appointments.CHANGE_CUTOFF``)."""
    return int(CHANGE_CUTOFF.total_seconds() // 3600)


@register.simple_tag
def unbooked_lapse_days() -> int:
    """After how many days without a booking an application awaiting one lapses."""
    return UNBOOKED_LAPSE_AFTER.days
