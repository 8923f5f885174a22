"""The annual STNK endorsement bill (issue 8, point 3), computed and explained line by line.

``endorsement_charges(vehicle, today)`` returns the lines beyond the endorsement PNBP (which
comes from the fee schedule, ``payments.fees``): PKB, opsen PKB, SWDKLLJ and, when overdue, the
late fines. Integer rupiah only; every division rounds to the rupiah, half up
(``round_half_up``). Reads: the province's ``ProvinceTaxRule``, the ``SwdklljTariff`` rows, and
one query for the owner's other vehicles (the progressive rank). See docs/vehicles.md.

* **Years paid.** The bill pays every tax year from the vehicle's next due date
  (``due_dates.next_due_on``) up to the latest anniversary on or before today + 60 days (the
  one the endorsement will count for, ``due_dates.EARLY_DAYS``); at least one. A vehicle up to
  date pays one year, one that skipped a year pays two, each with its own late fine.
* **PKB** = NJKB × the rate of the registering Samsat's province. The rate depends on the
  vehicle's **rank** among the owner's live (active or blocked) vehicles registered at a Samsat
  of the same province, ordered by the date each was recorded in the registry (then by id): the
  1st pays the first-vehicle rate, the 2nd the first progressive rate, and so on; the last
  progressive rate applies to every further vehicle.
* **Opsen PKB** = 66 % of the PKB (UU 1/2022, from 5 January 2025), per year.
* **SWDKLLJ**: the tariff of the vehicle's category and engine capacity, per year.
* **Late fines** for each overdue year: PKB × the province's monthly fine rate × the months
  late (a started month counts, capped at the province's maximum, 24 by default); the
  SWDKLLJ late fine is flat per overdue year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_noop

from offices.models import Office
from payments.labels import LabelSpec, label_spec, render_label
from vehicles import due_dates
from vehicles.models import NOT_DELETED, ProvinceTaxRule, SwdklljTariff, Vehicle

BASIS = 10_000  # basis points in 100 %
OPSEN_PKB_BP = 6_600  # 66 % of the PKB (UU 1/2022 Pasal 83)


@dataclass(frozen=True)
class TaxRule:
    first_rate_bp: int
    progressive_rates_bp: tuple[int, ...]
    fine_bp_per_month: int = 200
    fine_max_months: int = 24

    def rate_for_rank(self, rank: int) -> int:
        if rank <= 1 or not self.progressive_rates_bp:
            return self.first_rate_bp
        return self.progressive_rates_bp[min(rank - 2, len(self.progressive_rates_bp) - 1)]


# UU 1/2022 Pasal 7: at most 1.2 % for a first vehicle, progressive at most 6 %. The seeded
# default of a province with no regulation recorded here (an assumption, docs/vehicles.md).
NATIONAL_DEFAULT = TaxRule(first_rate_bp=120, progressive_rates_bp=(200, 300, 400, 500, 600))
# DKI Jakarta (Perda DKI 2/2015 as commonly cited): 2 %, then 2.5 %, 3 %, 3.5 %, 4 %, … up to 10 %
# for the 17th vehicle; seeded here up to the 5th+ (an assumption, docs/vehicles.md).
DKI_JAKARTA = TaxRule(first_rate_bp=200, progressive_rates_bp=(250, 300, 350, 400))
DKI_CODE = "31"

# (category, cc_max or None, levy, late fine) — Jasa Raharja (PMK 36 and 37/PMK.010/2008).
SWDKLLJ_DEFAULTS: tuple[tuple[str, int | None, int, int], ...] = (
    ("2w", 50, 3_000, 2_000),
    ("2w", 250, 35_000, 32_000),
    ("2w", None, 83_000, 50_000),
    ("4w", None, 143_000, 100_000),
)


class NoTariff(LookupError):
    """No SWDKLLJ tariff covers the vehicle (an administrator removed the rows)."""


@dataclass(frozen=True)
class Line:
    kind: str  # "tax", "insurance" or "fine" (payments.models.BillLine.Kind)
    label: str  # the explanation, in the active language
    amount: int  # per unit
    quantity: int = 1
    # The explanation as a msgid with its values (payments.labels): stored on the bill line so
    # each reader sees it in their language.
    spec: LabelSpec | None = None

    @property
    def total(self) -> int:
        return self.amount * self.quantity


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` to the nearest integer, halves up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def percent(bp: int) -> str:
    """``250`` → ``"2.5%"``, ``6600`` → ``"66%"``."""
    whole, rest = divmod(bp, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def months_late(due_on: dt.date, today: dt.date) -> int:
    """Started months after the due date: the day after it is month 1."""
    if today <= due_on:
        return 0
    months = 1
    while add_months(due_on, months) < today:
        months += 1
    return months


# --- reference data ------------------------------------------------------------------------


def province_of(vehicle: Vehicle) -> int:
    """The province that taxes the vehicle: that of its registering Samsat (one query)."""
    province_id = (
        Office.objects.filter(pk=vehicle.registering_samsat_id)
        .values_list("regency__province_id", flat=True)
        .get()
    )
    return int(province_id)


def tax_rule_for(province_id: int) -> TaxRule:
    row = ProvinceTaxRule.objects.filter(province_id=province_id).first()
    if row is None:
        return NATIONAL_DEFAULT
    return TaxRule(
        first_rate_bp=row.first_rate_bp,
        progressive_rates_bp=tuple(row.progressive_rates_bp),
        fine_bp_per_month=row.fine_bp_per_month,
        fine_max_months=row.fine_max_months,
    )


def swdkllj_for(category: str, engine_cc: int) -> SwdklljTariff:
    rows = [
        row
        for row in SwdklljTariff.objects.filter(category=category)
        if row.cc_max is None or engine_cc <= row.cc_max
    ]
    if not rows:
        raise NoTariff(f"no SWDKLLJ tariff for {category} {engine_cc} cc")
    return min(rows, key=lambda row: (row.cc_max is None, row.cc_max or 0))


def ownership_rank(vehicle: Vehicle) -> int:
    """1 for the owner's first live vehicle in the province, 2 for the second, … (one query)."""
    earlier = (
        Vehicle.objects.filter(
            owner_nik_index=vehicle.owner_nik_index,
            state__in=NOT_DELETED,
            registering_samsat__regency__province_id=province_of(vehicle),
        )
        .exclude(pk=vehicle.pk)
        .filter(Q(created_at__lt=vehicle.created_at) | Q(created_at=vehicle.created_at, pk__lt=vehicle.pk))
        .count()
    )
    return earlier + 1


# --- the bill ------------------------------------------------------------------------------


def years_due(vehicle: Vehicle, today: dt.date) -> list[dt.date]:
    """The due dates this endorsement pays (oldest first); never the 5-year renewal date."""
    first = due_dates.next_due_on(vehicle.stnk_valid_until, vehicle.last_endorsed_on)
    horizon = today + dt.timedelta(days=due_dates.EARLY_DAYS)
    years = [first]
    while True:
        following = due_dates.add_years(first, len(years))
        if following > horizon or following >= vehicle.stnk_valid_until:
            break
        years.append(following)
    return years


def covered_until(vehicle: Vehicle, today: dt.date) -> dt.date:
    """The next due date once this endorsement is paid."""
    return due_dates.add_years(years_due(vehicle, today)[-1], 1)


def compute(
    *,
    njkb: int,
    category: str,
    rule: TaxRule,
    rank: int,
    swdkllj: SwdklljTariff,
    years: list[dt.date],
    today: dt.date,
) -> list[Line]:
    """The pure arithmetic (see the module docstring)."""
    rate = rule.rate_for_rank(rank)
    pkb = round_half_up(njkb * rate, BASIS)
    opsen = round_half_up(pkb * OPSEN_PKB_BP, BASIS)
    count = len(years)
    which = (
        label_spec(gettext_noop("first vehicle"))
        if rank <= 1
        else label_spec(
            gettext_noop("vehicle no. %(rank)s of the owner in the province, progressive rate"), rank=rank
        )
    )
    wheels = label_spec(gettext_noop("2/3-wheel") if category == "2w" else gettext_noop("4+ wheel"))
    lines = [
        _line(
            "tax",
            label_spec(
                gettext_noop("PKB: taxable value %(njkb)s × %(rate)s (%(which)s)"),
                njkb=rupiah(njkb),
                rate=percent(rate),
                which=which,
            ),
            pkb,
            count,
        ),
        _line(
            "tax",
            label_spec(
                gettext_noop("Opsen PKB: %(rate)s of the PKB %(pkb)s"),
                rate=percent(OPSEN_PKB_BP),
                pkb=rupiah(pkb),
            ),
            opsen,
            count,
        ),
        _line(
            "insurance",
            label_spec(
                gettext_noop("SWDKLLJ (Jasa Raharja): %(category)s, %(cc)s cc"),
                category=wheels,
                cc=swdkllj_cc(swdkllj),
            ),
            swdkllj.amount,
            count,
        ),
    ]
    for due_on in years:
        months = min(months_late(due_on, today), rule.fine_max_months)
        if months == 0:
            continue
        fine = round_half_up(pkb * rule.fine_bp_per_month * months, BASIS)
        lines.append(
            _line(
                "fine",
                label_spec(
                    gettext_noop(
                        "PKB late fine: %(rate)s × %(months)s month(s) late since %(due)s × PKB %(pkb)s"
                    ),
                    rate=percent(rule.fine_bp_per_month),
                    months=months,
                    due=due_on.isoformat(),
                    pkb=rupiah(pkb),
                ),
                fine,
            )
        )
        if swdkllj.late_fine:
            lines.append(
                _line(
                    "fine",
                    label_spec(gettext_noop("SWDKLLJ late fine (due %(due)s)"), due=due_on.isoformat()),
                    swdkllj.late_fine,
                )
            )
    return lines


def _line(kind: str, spec: LabelSpec, amount: int, quantity: int = 1) -> Line:
    return Line(kind, render_label(spec), amount, quantity, spec=spec)


def swdkllj_cc(tariff: SwdklljTariff) -> str | LabelSpec:
    return f"≤{tariff.cc_max}" if tariff.cc_max is not None else label_spec(gettext_noop("any"))


def endorsement_charges(vehicle: Vehicle, today: dt.date) -> list[Line]:
    """The PKB, opsen, SWDKLLJ and fine lines of ``vehicle``'s endorsement paid on ``today``."""
    return compute(
        njkb=vehicle.njkb,
        category=vehicle.category,
        rule=tax_rule_for(province_of(vehicle)),
        rank=ownership_rank(vehicle),
        swdkllj=swdkllj_for(vehicle.category, vehicle.engine_cc),
        years=years_due(vehicle, today),
        today=today,
    )


# --- seeding (the data migration and ``manage.py seed``) -----------------------------------


def tax_reference_load() -> list[str]:
    """Add the missing provincial rules (DKI Jakarta's own, the national default elsewhere) and
    the SWDKLLJ tariffs; rows an administrator edited are left alone."""
    from offices.models import Province

    existing = set(ProvinceTaxRule.objects.values_list("province_id", flat=True))
    added = 0
    for province in Province.objects.exclude(pk__in=existing):
        rule = DKI_JAKARTA if province.code == DKI_CODE else NATIONAL_DEFAULT
        ProvinceTaxRule.objects.create(
            province=province,
            first_rate_bp=rule.first_rate_bp,
            progressive_rates_bp=list(rule.progressive_rates_bp),
            fine_bp_per_month=rule.fine_bp_per_month,
            fine_max_months=rule.fine_max_months,
            source="Perda DKI Jakarta 2/2015 (as cited)"
            if province.code == DKI_CODE
            else "Assumption: UU 1/2022 caps (docs/vehicles.md)",
        )
        added += 1
    tariffs = 0
    for category, cc_max, amount, late_fine in SWDKLLJ_DEFAULTS:
        _, created = SwdklljTariff.objects.get_or_create(
            category=category,
            cc_max=cc_max,
            defaults={"amount": amount, "late_fine": late_fine, "source": "PMK 36-37/PMK.010/2008"},
        )
        tariffs += int(created)
    return [f"{added} provincial tax rules and {tariffs} SWDKLLJ tariffs added"]
