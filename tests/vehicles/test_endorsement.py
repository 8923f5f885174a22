"""The endorsement bill (vehicles.endorsement) against hand-computed examples, and the refusals
(vehicles.services_registry.endorsement_refusals) with what to do instead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from accounts.services import nik_index
from offices.models import Office
from tests.offices.factories import OfficeFactory, ProvinceFactory, RegencyFactory
from tests.utils import jakarta
from tests.vehicles.conftest import BUDI, SITI, VIN_A, VIN_B, VIN_C, Register
from vehicles import endorsement
from vehicles.endorsement import DKI_JAKARTA, NATIONAL_DEFAULT, TaxRule, compute
from vehicles.models import ProvinceTaxRule, SwdklljTariff, Vehicle
from vehicles.services_registry import endorsement_refusals

TODAY = dt.date(2026, 3, 2)
MOTORCYCLE = SwdklljTariff(category="2w", cc_max=250, amount=35_000, late_fine=32_000)
CAR = SwdklljTariff(category="4w", cc_max=None, amount=143_000, late_fine=100_000)


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False):
        yield


def amounts(lines: list[endorsement.Line]) -> list[tuple[str, int, int]]:
    return [(line.kind, line.amount, line.quantity) for line in lines]


# --- pure arithmetic ------------------------------------------------------------------------


def test_first_car_in_jakarta_pays_two_percent_and_opsen_of_66_percent() -> None:
    # NJKB 200,000,000 × 2 % = 4,000,000; opsen 66 % = 2,640,000; SWDKLLJ car 143,000.
    lines = compute(
        njkb=200_000_000, category="4w", rule=DKI_JAKARTA, rank=1, swdkllj=CAR, years=[TODAY], today=TODAY
    )
    assert amounts(lines) == [("tax", 4_000_000, 1), ("tax", 2_640_000, 1), ("insurance", 143_000, 1)]
    assert "Rp 200.000.000 × 2% (first vehicle)" in lines[0].label
    assert "66% of the PKB Rp 4.000.000" in lines[1].label
    assert "4+ wheel" in lines[2].label


def test_first_motorcycle_under_the_national_default() -> None:
    # DOMAIN.md §2.5's worked example uses 1.1 %; the default cap is 1.2 %:
    # 18,500,000 × 1.2 % = 222,000; opsen 66 % = 146,520; SWDKLLJ 50–250 cc 35,000.
    lines = compute(
        njkb=18_500_000,
        category="2w",
        rule=NATIONAL_DEFAULT,
        rank=1,
        swdkllj=MOTORCYCLE,
        years=[TODAY],
        today=TODAY,
    )
    assert amounts(lines) == [("tax", 222_000, 1), ("tax", 146_520, 1), ("insurance", 35_000, 1)]
    assert "2/3-wheel, ≤250 cc" in lines[2].label


def test_the_domain_worked_example() -> None:
    # NJKB Rp 200 m × 1.1 % = Rp 2.2 m PKB, plus Rp 1.452 m opsen (DOMAIN.md §2.5).
    rule = TaxRule(first_rate_bp=110, progressive_rates_bp=())
    lines = compute(
        njkb=200_000_000, category="4w", rule=rule, rank=1, swdkllj=CAR, years=[TODAY], today=TODAY
    )
    assert [line.amount for line in lines[:2]] == [2_200_000, 1_452_000]


@pytest.mark.parametrize(
    ("rank", "rate_bp", "pkb"),
    [
        (2, 250, 3_750_000),  # 150,000,000 × 2.5 %
        (3, 300, 4_500_000),  # × 3 %
        (4, 350, 5_250_000),  # × 3.5 %
        (5, 400, 6_000_000),  # × 4 %
        (9, 400, 6_000_000),  # the last progressive rate for every further vehicle
    ],
)
def test_progressive_rates_by_rank(rank: int, rate_bp: int, pkb: int) -> None:
    assert DKI_JAKARTA.rate_for_rank(rank) == rate_bp
    lines = compute(
        njkb=150_000_000, category="4w", rule=DKI_JAKARTA, rank=rank, swdkllj=CAR, years=[TODAY], today=TODAY
    )
    assert lines[0].amount == pkb
    assert lines[1].amount == pkb * 66 // 100
    assert f"vehicle no. {rank} of the owner in the province, progressive rate" in lines[0].label


def test_rounding_is_to_the_rupiah_half_up() -> None:
    one_percent = TaxRule(first_rate_bp=100, progressive_rates_bp=())
    # PKB 102,500 × 1 % = 1,025; opsen 1,025 × 66 % = 676.5 → 677.
    lines = compute(
        njkb=102_500, category="2w", rule=one_percent, rank=1, swdkllj=MOTORCYCLE, years=[TODAY], today=TODAY
    )
    assert [line.amount for line in lines[:2]] == [1_025, 677]
    # PKB: 18,512,375 × 1.2 % = 222,148.5 → 222,149; 18,512,345 × 1.2 % = 222,148.14 → 222,148.
    up = compute(
        njkb=18_512_375,
        category="2w",
        rule=NATIONAL_DEFAULT,
        rank=1,
        swdkllj=MOTORCYCLE,
        years=[TODAY],
        today=TODAY,
    )
    down = compute(
        njkb=18_512_345,
        category="2w",
        rule=NATIONAL_DEFAULT,
        rank=1,
        swdkllj=MOTORCYCLE,
        years=[TODAY],
        today=TODAY,
    )
    assert up[0].amount == 222_149
    assert down[0].amount == 222_148
    # Opsen 222,149 × 66 % = 146,618.34 → 146,618.
    assert up[1].amount == 146_618
    assert endorsement.round_half_up(5, 2) == 3
    assert endorsement.round_half_up(7, 4) == 2  # 1.75
    assert endorsement.round_half_up(5, 4) == 1  # 1.25


def test_months_late_count_a_started_month() -> None:
    due = dt.date(2026, 1, 10)
    assert endorsement.months_late(due, due) == 0
    assert endorsement.months_late(due, dt.date(2026, 1, 11)) == 1
    assert endorsement.months_late(due, dt.date(2026, 2, 10)) == 1
    assert endorsement.months_late(due, dt.date(2026, 2, 11)) == 2
    assert endorsement.months_late(dt.date(2026, 1, 31), dt.date(2026, 3, 1)) == 2  # 28 Feb is month 1


def test_an_overdue_motorcycle_pays_the_monthly_pkb_fine_and_the_flat_swdkllj_fine() -> None:
    # Due 10 January 2026, paid 2 March: 2 started months. Fine 222,000 × 2 % × 2 = 8,880.
    lines = compute(
        njkb=18_500_000,
        category="2w",
        rule=NATIONAL_DEFAULT,
        rank=1,
        swdkllj=MOTORCYCLE,
        years=[dt.date(2026, 1, 10)],
        today=TODAY,
    )
    assert amounts(lines)[3:] == [("fine", 8_880, 1), ("fine", 32_000, 1)]
    assert "2% × 2 month(s) late since 2026-01-10" in lines[3].label
    assert sum(line.total for line in lines) == 222_000 + 146_520 + 35_000 + 8_880 + 32_000


def test_the_fine_is_capped_at_24_months() -> None:
    # Due 10 January 2023: 38 started months, capped at 24 → 222,000 × 48 % = 106,560.
    lines = compute(
        njkb=18_500_000,
        category="2w",
        rule=NATIONAL_DEFAULT,
        rank=1,
        swdkllj=MOTORCYCLE,
        years=[dt.date(2023, 1, 10)],
        today=TODAY,
    )
    assert lines[3].amount == 106_560
    assert "24 month(s)" in lines[3].label


def test_a_car_that_skipped_a_year_pays_both_years_each_with_its_fine() -> None:
    # NJKB 100,000,000 × 2 % = 2,000,000 (× 2 years); opsen 1,320,000 (× 2); SWDKLLJ 143,000 (× 2).
    # 10 Jan 2025 → 14 months late: 2,000,000 × 28 % = 560,000, SWDKLLJ fine 100,000.
    # 10 Jan 2026 → 2 months late: 2,000,000 × 4 % = 80,000, SWDKLLJ fine 100,000.
    lines = compute(
        njkb=100_000_000,
        category="4w",
        rule=DKI_JAKARTA,
        rank=1,
        swdkllj=CAR,
        years=[dt.date(2025, 1, 10), dt.date(2026, 1, 10)],
        today=TODAY,
    )
    assert amounts(lines) == [
        ("tax", 2_000_000, 2),
        ("tax", 1_320_000, 2),
        ("insurance", 143_000, 2),
        ("fine", 560_000, 1),
        ("fine", 100_000, 1),
        ("fine", 80_000, 1),
        ("fine", 100_000, 1),
    ]


def test_percent_labels() -> None:
    assert endorsement.percent(200) == "2%"
    assert endorsement.percent(250) == "2.5%"
    assert endorsement.percent(120) == "1.2%"
    assert endorsement.percent(205) == "2.05%"
    assert endorsement.percent(6600) == "66%"


# --- with the registry ----------------------------------------------------------------------


def jakarta_rule(samsat: Office) -> None:
    ProvinceTaxRule.objects.update_or_create(
        province=samsat.regency.province,
        defaults={"first_rate_bp": 200, "progressive_rates_bp": [250, 300, 350, 400]},
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_swdkllj_bands_from_the_seeded_tariffs() -> None:
    assert endorsement.swdkllj_for("2w", 50).amount == 3_000
    assert endorsement.swdkllj_for("2w", 51).amount == 35_000
    assert endorsement.swdkllj_for("2w", 250).amount == 35_000
    assert endorsement.swdkllj_for("2w", 251).amount == 83_000
    assert endorsement.swdkllj_for("4w", 1_500).amount == 143_000


@pytest.mark.django_db
def test_dki_jakarta_is_seeded_with_its_own_rates_and_others_with_the_default() -> None:
    dki = ProvinceFactory(code="31", name="DKI Jakarta")
    other = ProvinceFactory(code="34", name="DI Yogyakarta")
    ProvinceTaxRule.objects.filter(province__in=[dki, other]).delete()
    endorsement.tax_reference_load()
    assert endorsement.tax_rule_for(dki.pk) == DKI_JAKARTA
    assert endorsement.tax_rule_for(other.pk) == NATIONAL_DEFAULT
    # An administrator's change is kept by the next seeding.
    ProvinceTaxRule.objects.filter(province=other).update(first_rate_bp=150)
    endorsement.tax_reference_load()
    assert endorsement.tax_rule_for(other.pk).first_rate_bp == 150


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_rank_counts_the_owners_live_vehicles_in_the_province_by_registration(
    register: Register, samsat: Office
) -> None:
    jakarta_rule(samsat)
    first = register(SITI, "B 1111 AAA", VIN_A, category="4w", engine_cc=1_500, njkb=150_000_000)
    second = register(SITI, "B 2222 BBB", VIN_B, category="4w", engine_cc=1_500, njkb=150_000_000)
    third = register(SITI, "B 3333 CCC", VIN_C, category="4w", engine_cc=1_500, njkb=150_000_000)
    assert [endorsement.ownership_rank(v) for v in (first, second, third)] == [1, 2, 3]
    # A deleted registration no longer counts; nor does a vehicle taxed by another province,
    # nor another person's.
    Vehicle.objects.filter(pk=first.pk).update(state="deleted", state_reason="Perpol 7/2021")
    assert endorsement.ownership_rank(third) == 2
    elsewhere = OfficeFactory(
        kind=Office.Kind.SAMSAT, regency=RegencyFactory(province=ProvinceFactory()), plate_region_codes=["AB"]
    )
    Vehicle.objects.filter(pk=second.pk).update(registering_samsat=elsewhere)
    assert endorsement.ownership_rank(third) == 1
    assert endorsement.ownership_rank(register(BUDI, "B 4444 DDD", "MHKA4DA3JNK000111")) == 1
    third.refresh_from_db()
    lines = endorsement.endorsement_charges(third, TODAY)
    assert lines[0].amount == 3_000_000  # 150,000,000 × 2 % (first again)


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_charges_of_a_vehicle_up_to_date_and_of_one_a_year_behind(register: Register, samsat: Office) -> None:
    jakarta_rule(samsat)
    # STNK valid until 15 March 2028; last endorsed 1 March 2025 → due 15 March 2026 (13 days ahead).
    on_time = register(SITI, stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2025, 3, 1))
    assert endorsement.years_due(on_time, TODAY) == [dt.date(2026, 3, 15)]
    assert endorsement.covered_until(on_time, TODAY) == dt.date(2027, 3, 15)
    # 18,500,000 × 2 % = 370,000; opsen 244,200; SWDKLLJ 35,000; nothing late.
    assert amounts(endorsement.endorsement_charges(on_time, TODAY)) == [
        ("tax", 370_000, 1),
        ("tax", 244_200, 1),
        ("insurance", 35_000, 1),
    ]
    # Last endorsed 1 March 2024 → due 15 March 2025 (missed) and 15 March 2026.
    Vehicle.objects.filter(pk=on_time.pk).update(last_endorsed_on=dt.date(2024, 3, 1))
    on_time.refresh_from_db()
    assert endorsement.years_due(on_time, TODAY) == [dt.date(2025, 3, 15), dt.date(2026, 3, 15)]
    # 15 March 2025 → 12 months late: 370,000 × 24 % = 88,800, plus the SWDKLLJ fine 32,000.
    assert amounts(endorsement.endorsement_charges(on_time, TODAY)) == [
        ("tax", 370_000, 2),
        ("tax", 244_200, 2),
        ("insurance", 35_000, 2),
        ("fine", 88_800, 1),
        ("fine", 32_000, 1),
    ]


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_refusals_say_what_to_do_instead(register: Register) -> None:
    siti = nik_index(SITI)
    vehicle = register(SITI, stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2025, 3, 1))

    def refusals(**kwargs: object) -> str:
        vehicle.refresh_from_db()
        options: dict[str, object] = {"owner_index": siti, "unlocked": True, "today": TODAY, **kwargs}
        return " ".join(str(r) for r in endorsement_refusals(vehicle, **options))  # type: ignore[arg-type]

    assert refusals() == ""
    assert "not registered to you" in refusals(owner_index=nik_index(BUDI))
    assert "not registered to you" in refusals(owner_index=None)
    assert "Prove that you hold this vehicle first" in refusals(unlocked=False)
    Vehicle.objects.filter(pk=vehicle.pk).update(state="blocked", state_reason="Tunggakan")
    assert "blocked. Contact the Samsat where it is registered (Samsat Uji Jakarta Barat)" in refusals()
    Vehicle.objects.filter(pk=vehicle.pk).update(state="deleted")
    assert "can never be endorsed or renewed again" in refusals()
    # The 5-year renewal falls due next (STNK valid until 20 March 2026).
    Vehicle.objects.filter(pk=vehicle.pk).update(
        state="active", state_reason="", stnk_valid_until=dt.date(2026, 3, 20)
    )
    assert "the 5-year renewal (physical check, new plates), not an endorsement" in refusals()
    assert "Apply for the 5-year renewal on this vehicle's page" in refusals()
    # The STNK lapsed.
    Vehicle.objects.filter(pk=vehicle.pk).update(stnk_valid_until=dt.date(2026, 2, 1))
    assert "5-year validity ended on 1 February 2026" in refusals()
    # Not due yet: endorsed on 1 February 2026 → next due 15 March 2027, payable from 14 January 2027.
    Vehicle.objects.filter(pk=vehicle.pk).update(
        stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2026, 2, 1)
    )
    assert "falls due on 15 March 2027. You can pay it from 14 January 2027" in refusals()
