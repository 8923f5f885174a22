"""The portal's clock.

Everything that asks "what time is it?" for a business rule (deadlines, expiry, session
limits) asks here, so the e2e profile can move time forward for a browser journey
(``CLOCK_OFFSET_SECONDS``; every other profile refuses a non-zero offset). Tests move
time with time-machine, which this module follows like any other code.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

JAKARTA = ZoneInfo("Asia/Jakarta")


def now() -> dt.datetime:
    """The current moment, aware, in UTC."""
    return timezone.now() + dt.timedelta(seconds=settings.CLOCK_OFFSET_SECONDS)


def today() -> dt.date:
    """Today's date in Jakarta: the date a citizen sees on the calendar."""
    return now().astimezone(JAKARTA).date()
