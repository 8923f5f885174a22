"""Fee schedule helpers for the payments tests (and any test that needs other amounts).

The PP 76/2020 schedule is seeded by the migrations, so every test database has it (in force
since 2020-11-12). ``make_schedule`` writes another one directly, for any date, past included —
to enter one the way an administrator does, call ``payments.fee_services`` instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from payments.fees import PP_76_2020_FROM, pp_76_2020_amounts
from payments.models import Fee, FeeSchedule
from payments.schedule import jakarta_date


def seeded_schedule() -> FeeSchedule:
    """The PP 76/2020 schedule the migrations seed."""
    return FeeSchedule.objects.get(effective_from=PP_76_2020_FROM)


def full_amounts(changes: Mapping[str, int] | None = None) -> dict[str, int]:
    """An amount for every fee code: PP 76/2020's, except ``changes``."""
    return {**pp_76_2020_amounts(), **(changes or {})}


def make_schedule(
    *,
    effective_from: dt.date,
    changes: Mapping[str, int] | None = None,
    name: str = "Jadwal uji",
    legal_basis: str = "Peraturan uji",
) -> FeeSchedule:
    """A schedule starting on ``effective_from`` with PP 76/2020's amounts except ``changes``,
    written directly (no date rule, no audit)."""
    schedule = FeeSchedule.objects.create(name=name, effective_from=effective_from, legal_basis=legal_basis)
    Fee.objects.bulk_create(
        Fee(schedule=schedule, code=code, amount=amount) for code, amount in full_amounts(changes).items()
    )
    return schedule


def tomorrow() -> dt.date:
    """Tomorrow in Jakarta (the first day a new schedule may start)."""
    return jakarta_date() + dt.timedelta(days=1)
