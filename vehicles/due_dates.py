"""When a vehicle's annual endorsement (or its 5-year renewal) falls due. Pure date arithmetic.

The STNK is valid 5 years and endorsed every year in between (DOMAIN.md §2.1). The tax year of
a vehicle runs from an anniversary of its STNK's validity date to the next: an STNK valid until
15 March 2028 is endorsed by 15 March 2024, 2025, 2026 and 2027, and renewed (new STNK and
plates, physical check) by 15 March 2028. Paying late does not move the due dates — a late
endorsement pays a fine, and the next one is still due on the next anniversary. So:

* The **due dates** are the anniversaries of ``stnk_valid_until`` (29 February → 28 February in
  other years). The one equal to ``stnk_valid_until`` is the 5-year renewal.
* An endorsement made on day E **covers** the latest anniversary on or before
  E + ``EARLY_DAYS`` (60 days): paying up to 60 days before the due date counts for it, and a
  late payment counts for the anniversary it missed. (A payment more than 10 months late falls
  within 60 days of the next anniversary and is taken as covering that one; point 3's bill, which
  charges the missed years, settles such cases.)
* With no endorsement recorded — or only one older than the current STNK — the issue of the
  current STNK (``stnk_valid_until`` − 5 years) covers its own anniversary.
* The **next due date** is the anniversary after the one covered, never later than
  ``stnk_valid_until``. It is the renewal when it equals ``stnk_valid_until``.

``standing`` adds today: due soon (within ``DUE_SOON_DAYS``), overdue, or in order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

STNK_YEARS = 5
EARLY_DAYS = 60
DUE_SOON_DAYS = 30

ENDORSEMENT = "endorsement"
RENEWAL = "renewal"

OK = "ok"
DUE_SOON = "due_soon"
OVERDUE = "overdue"


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day and month ``years`` later (or earlier); 29 February → 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def stnk_issued_on(stnk_valid_until: dt.date) -> dt.date:
    return add_years(stnk_valid_until, -STNK_YEARS)


def anniversary_on_or_before(stnk_valid_until: dt.date, day: dt.date) -> dt.date:
    """The latest anniversary of ``stnk_valid_until`` that is not after ``day``."""
    candidate = add_years(stnk_valid_until, day.year - stnk_valid_until.year)
    return (
        candidate if candidate <= day else add_years(stnk_valid_until, day.year - 1 - stnk_valid_until.year)
    )


def covered_anniversary(stnk_valid_until: dt.date, last_endorsed_on: dt.date | None) -> dt.date:
    issued = stnk_issued_on(stnk_valid_until)
    paid = max(last_endorsed_on, issued) if last_endorsed_on is not None else issued
    if paid == issued:
        return issued
    return anniversary_on_or_before(stnk_valid_until, paid + dt.timedelta(days=EARLY_DAYS))


def next_due_on(stnk_valid_until: dt.date, last_endorsed_on: dt.date | None) -> dt.date:
    covered = covered_anniversary(stnk_valid_until, last_endorsed_on)
    return min(add_years(stnk_valid_until, covered.year + 1 - stnk_valid_until.year), stnk_valid_until)


@dataclass(frozen=True)
class Standing:
    due_on: dt.date
    kind: str  # ENDORSEMENT or RENEWAL (the due date is the STNK's last valid day)
    status: str  # OK, DUE_SOON or OVERDUE
    days: int  # from today to due_on; negative once overdue

    @property
    def is_renewal(self) -> bool:
        return self.kind == RENEWAL

    @property
    def overdue_days(self) -> int:
        return max(-self.days, 0)


def standing(stnk_valid_until: dt.date, last_endorsed_on: dt.date | None, today: dt.date) -> Standing:
    due = next_due_on(stnk_valid_until, last_endorsed_on)
    days = (due - today).days
    status = OVERDUE if days < 0 else DUE_SOON if days <= DUE_SOON_DAYS else OK
    return Standing(
        due_on=due, kind=RENEWAL if due >= stnk_valid_until else ENDORSEMENT, status=status, days=days
    )
