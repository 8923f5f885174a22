"""Working-day arithmetic for deadlines and service levels.

A **working day** is a Monday–Friday that has no ``Holiday`` row (public holiday or cuti
bersama, whoever entered it). Saturdays and Sundays are never working days, even for
offices that open on Saturday mornings: these helpers count the portal's administrative
days, not an office's opening hours.

Conventions (both count forward, in whole calendar dates, with no time of day):

* ``add_working_days(start, n)`` for ``n >= 1`` is the n-th working day **after**
  ``start``; ``start`` itself never counts, whether or not it is a working day. For
  ``n == 0`` it is ``start`` if ``start`` is a working day, otherwise the next working
  day (a deadline "today" that falls on a holiday moves to the next working day).
  Negative ``n`` is refused.
* ``working_days_between(start, end)`` counts the working days ``d`` with
  ``start < d <= end``: the first day excluded, the last included; 0 when
  ``end <= start``. So for ``n >= 1``,
  ``working_days_between(start, add_working_days(start, n)) == n``.

Each call reads the holidays it needs with a single query. Holidays are only known for
the years loaded (the seeder loads the current and the next year), so a count reaching
beyond them sees weekends only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from offices.models import Holiday


def _is_weekday(day: dt.date) -> bool:
    return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    return _is_weekday(day) and not Holiday.objects.filter(date=day).exists()


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (see the module docstring for 0)."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    # Every holiday from start onwards, in one query: the table holds a few dozen rows a
    # year, and no upper bound short of "all of them" is guaranteed to be enough.
    holidays = set(Holiday.objects.filter(date__gte=start).values_list("date", flat=True))

    def working(day: dt.date) -> bool:
        return _is_weekday(day) and day not in holidays

    if days == 0:
        day = start
        while not working(day):
            day += dt.timedelta(days=1)
        return day
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if working(day):
            remaining -= 1
    return day


def _weekdays_between(start: dt.date, end: dt.date) -> int:
    """Monday–Friday dates d with start < d <= end (end > start)."""
    total_days = (end - start).days
    full_weeks, rest = divmod(total_days, 7)
    count = full_weeks * 5
    day = start + dt.timedelta(days=full_weeks * 7)
    for _ in range(rest):
        day += dt.timedelta(days=1)
        if _is_weekday(day):
            count += 1
    return count


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end``; 0 if ``end <= start``."""
    if end <= start:
        return 0
    return working_days_between_given(
        start, end, Holiday.objects.filter(date__gt=start, date__lte=end).values_list("date", flat=True)
    )


def working_days_between_given(start: dt.date, end: dt.date, holidays: Iterable[dt.date]) -> int:
    """``working_days_between`` with the holidays read by the caller — once for many counts (a
    page or a message listing rows); holidays outside (start, end] are ignored. No query."""
    if end <= start:
        return 0
    holidays_on_weekdays = sum(1 for day in set(holidays) if start < day <= end and _is_weekday(day))
    return _weekdays_between(start, end) - holidays_on_weekdays
