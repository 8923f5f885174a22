"""Expiry reminders: 90, 30 and 7 days before a licence expires (issue 7, point 9).

``licences_remind`` (beat, ``licensing.tasks.remind_expiring_licences``) looks at the active
licences whose last valid day is at most 90 days away. The threshold due is the smallest of
90/30/7 not below the days left (89 days → the 90-day one, 29 → the 30-day one, 0 → the 7-day
one). Each threshold goes once per licence term (``LicenceReminder``, unique per licence and
threshold), and never after a later one: a job that missed the 90-day day and runs at 29 days
sends only the 30-day reminder, and a 7-day reminder already sent keeps the 30-day one away.

A reminder row counts for the licence's current term only when it was sent after the
licence's issue date or within the 90 days before its current expiry: a licence renewed in
place (new issue and expiry dates) is reminded again before its new expiry, reusing its rows.

The holder is the account whose *verified* identity has the licence's NIK index. A licence
nobody holds verified gets no reminder and no row (a reminder is sent once they verify, if
still in time). The 7-day reminder is critical (renewal is impossible from the day after
expiry, and a new licence means exams again); the others follow the citizen's preferences.

``register()`` (from ``LicensingConfig.ready()``) also registers the citizen's "My SIM" entry
in the navigation and the demo licences' seeder.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import CitizenProfile
from korlantas.lib import clock
from licensing.models import Licence, LicenceReminder
from licensing.selectors import SERVICE_RENEWAL, start_path
from notifications import catalogue
from notifications.services import notify

logger = logging.getLogger("korlantas.licensing")

TEMPLATE_KEY = "licence_expiring"
THRESHOLDS = (90, 30, 7)  # days before expiry
CRITICAL_THRESHOLD = 7


def threshold_due(days_left: int) -> int | None:
    """The reminder due with ``days_left`` days to the last valid day (0 = expires today)."""
    if days_left < 0:
        return None
    due = [t for t in THRESHOLDS if days_left <= t]
    return min(due) if due else None


def _holders(nik_indexes: set[str]) -> dict[str, int]:
    """NIK index → the user id of the account holding that NIK verified (at most one)."""
    if not nik_indexes:
        return {}
    return dict(
        CitizenProfile.objects.filter(
            nik_index__in=nik_indexes, identity_state=CitizenProfile.IdentityState.VERIFIED
        ).values_list("nik_index", "user_id")
    )


def _of_current_term(reminder: LicenceReminder, licence: Licence) -> bool:
    """Sent after the licence's (latest) issue date, or within the 90 days before its current
    expiry: a reminder of an earlier term — before the licence was renewed in place — is not."""
    sent_on = reminder.sent_at.astimezone(clock.JAKARTA).date()
    window_start = licence.expires_on - dt.timedelta(days=max(THRESHOLDS))
    return sent_on > licence.issued_on or sent_on >= window_start


def _remind_one(licence_id: int, today: dt.date, user_id: int) -> bool:
    with transaction.atomic():
        licence = (
            Licence.objects.select_for_update(skip_locked=True)
            .filter(pk=licence_id, state=Licence.State.ACTIVE, expires_on__gte=today)
            .first()
        )
        if licence is None:
            return False
        threshold = threshold_due((licence.expires_on - today).days)
        if threshold is None:
            return False
        rows = {row.days_before: row for row in LicenceReminder.objects.filter(licence=licence)}
        current = {days for days, row in rows.items() if _of_current_term(row, licence)}
        if any(days <= threshold for days in current):
            return False  # this one, or a later one, already went
        now = clock.now()
        stale = rows.get(threshold)
        if stale is not None:
            stale.sent_at = now
            stale.save(update_fields=["sent_at"])
        else:
            LicenceReminder.objects.create(licence=licence, days_before=threshold, sent_at=now)
        notify(
            recipient=user_id,
            template_key=TEMPLATE_KEY,
            context_ids={"licence_id": licence.pk, "days_before": threshold},
            critical=threshold <= CRITICAL_THRESHOLD,
        )
    logger.info("licence %s: %s-day expiry reminder for user %s", licence_id, threshold, user_id)
    return True


def licences_remind(today: dt.date | None = None) -> int:
    """Send the expiry reminders due today; returns how many went. Safe to run any number of times."""
    today = today if today is not None else clock.today()
    horizon = today + dt.timedelta(days=max(THRESHOLDS))
    candidates = list(
        Licence.objects.filter(
            state=Licence.State.ACTIVE, expires_on__gte=today, expires_on__lte=horizon
        ).values_list("pk", "holder_nik_index")
    )
    holders = _holders({index for _pk, index in candidates})
    sent = 0
    for licence_id, index in candidates:
        user_id = holders.get(index)
        if user_id is not None and _remind_one(licence_id, today, user_id):
            sent += 1
    return sent


# --- the message --------------------------------------------------------------------------


def licence_expiring_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    licence = Licence.objects.get(pk=ids["licence_id"])
    link = start_path(SERVICE_RENEWAL, licence)
    return {
        "licence": licence,
        "class_name": licence.get_sim_class_display(),
        "days_before": ids.get("days_before"),
        "expires_on": licence.expires_on,
        "last_renewal_day": licence.expires_on,
        "first_impossible_day": licence.expires_on + dt.timedelta(days=1),
        "link": link,
        "url": catalogue.absolute(link),
        "licences_url": catalogue.absolute(reverse("licensing:mine")),
    }


def register() -> None:
    """Called once from LicensingConfig.ready()."""
    from accounts import roles
    from korlantas.lib import navigation, seeding
    from licensing import demo

    catalogue.register(
        TEMPLATE_KEY,
        licence_expiring_context,
        description="a licence expires in 90, 30 or 7 days: renew before it does",
    )
    navigation.register(navigation.NavItem("licensing:mine", _("My SIM"), roles.is_citizen, order=13))
    # After the demo accounts (order 100): the licences are theirs by NIK.
    seeding.register("demo licences", demo.seed_demo_licences, order=110, demo=True)
