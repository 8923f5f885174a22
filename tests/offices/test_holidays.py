from __future__ import annotations

import datetime as dt

import holidays
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from offices.models import Holiday
from offices.services import holiday_add_collective_leave, holidays_load
from tests.offices.conftest import run_offices_seeders
from tests.utils import jakarta

pytestmark = pytest.mark.django_db


def _package_dates(*years: int) -> set[dt.date]:
    return set(holidays.country_holidays("ID", years=years, categories=(holidays.PUBLIC,)))


def test_seeder_loads_the_current_and_next_year_in_jakarta() -> None:
    with time_machine.travel(jakarta(2026, 11, 28), tick=False):
        lines = run_offices_seeders("offices.holidays")["offices.holidays"]
    assert set(Holiday.objects.dates("date", "year")) == {dt.date(2026, 1, 1), dt.date(2027, 1, 1)}
    assert set(Holiday.objects.values_list("date", flat=True)) == _package_dates(2026, 2027)
    assert set(Holiday.objects.values_list("source", flat=True)) == {Holiday.Source.PACKAGE}
    assert set(Holiday.objects.values_list("kind", flat=True)) == {Holiday.Kind.PUBLIC}
    christmas = Holiday.objects.get(date=dt.date(2026, 12, 25))
    assert christmas.name == "Hari Raya Natal"  # official Indonesian names
    assert lines[0].startswith("public holidays 2026, 2027: ")


def test_the_year_turns_at_midnight_in_jakarta_not_utc() -> None:
    # 00:30 on 1 Jan 2027 in Jakarta is still 31 Dec 2026 in UTC.
    with time_machine.travel(jakarta(2027, 1, 1, 0, 30), tick=False):
        run_offices_seeders("offices.holidays")
    assert {d.year for d in Holiday.objects.dates("date", "year")} == {2027, 2028}


def test_loading_twice_changes_nothing() -> None:
    holidays_load(years=[2026, 2027])
    before = sorted(Holiday.objects.values_list("date", "name", "kind", "source"))
    lines = holidays_load(years=[2027, 2026])
    assert sorted(Holiday.objects.values_list("date", "name", "kind", "source")) == before
    assert lines == [f"public holidays 2026, 2027: 0 created, 0 updated, {len(before)} unchanged"]


def test_collective_leave_survives_reseeding() -> None:
    with time_machine.travel(jakarta(2026, 11, 28), tick=False):
        run_offices_seeders("offices.holidays")
        leave = holiday_add_collective_leave(day=dt.date(2026, 12, 24), name="Cuti bersama Natal")
        run_offices_seeders("offices.holidays")
        run_offices_seeders("offices.holidays")
    leave.refresh_from_db()
    assert (leave.name, leave.kind, leave.source) == (
        "Cuti bersama Natal",
        Holiday.Kind.COLLECTIVE_LEAVE,
        Holiday.Source.ADMINISTRATOR,
    )


def test_package_never_overwrites_an_administrator_row() -> None:
    holidays_load(years=[2026])
    christmas = Holiday.objects.get(date=dt.date(2026, 12, 25))
    christmas.name = "Natal (ditetapkan ulang)"
    christmas.source = Holiday.Source.ADMINISTRATOR
    christmas.save()

    lines = holidays_load(years=[2026])

    christmas.refresh_from_db()
    assert christmas.name == "Natal (ditetapkan ulang)"
    assert "dates kept as administrators entered them: 1" in lines


def test_package_rows_it_no_longer_lists_are_removed_but_administrator_rows_stay() -> None:
    stale = Holiday.objects.create(
        date=dt.date(2026, 7, 7), name="Perkiraan lama", source=Holiday.Source.PACKAGE
    )
    own = Holiday.objects.create(
        date=dt.date(2026, 7, 8), name="Libur daerah", source=Holiday.Source.ADMINISTRATOR
    )
    other_year = Holiday.objects.create(
        date=dt.date(2030, 7, 9), name="Tahun lain", source=Holiday.Source.PACKAGE
    )

    lines = holidays_load(years=[2026])

    assert not Holiday.objects.filter(pk=stale.pk).exists()
    assert Holiday.objects.filter(pk=own.pk).exists()
    assert Holiday.objects.filter(pk=other_year.pk).exists()  # outside the years loaded
    assert "package holidays no longer listed, removed: 1" in lines


class TestAddCollectiveLeave:
    def test_creates_an_administrator_row(self) -> None:
        leave = holiday_add_collective_leave(day=dt.date(2026, 12, 24), name="  Cuti bersama Natal ")
        assert (leave.name, leave.kind, leave.source) == (
            "Cuti bersama Natal",
            Holiday.Kind.COLLECTIVE_LEAVE,
            Holiday.Source.ADMINISTRATOR,
        )

    def test_entering_the_day_again_renames_it(self) -> None:
        holiday_add_collective_leave(day=dt.date(2026, 12, 24), name="Cuti")
        holiday_add_collective_leave(day=dt.date(2026, 12, 24), name="Cuti bersama Natal")
        assert Holiday.objects.get().name == "Cuti bersama Natal"

    def test_refuses_a_public_holiday(self) -> None:
        holidays_load(years=[2026])
        with translation.override("en"), pytest.raises(ValidationError, match="already a public holiday"):
            holiday_add_collective_leave(day=dt.date(2026, 12, 25), name="Cuti")
        assert Holiday.objects.get(date=dt.date(2026, 12, 25)).kind == Holiday.Kind.PUBLIC

    def test_refuses_a_weekend_and_an_empty_name(self) -> None:
        with translation.override("en"), pytest.raises(ValidationError, match="weekday"):
            holiday_add_collective_leave(day=dt.date(2026, 12, 26), name="Cuti")  # a Saturday
        with pytest.raises(ValidationError):
            holiday_add_collective_leave(day=dt.date(2026, 12, 24), name="   ")
        assert not Holiday.objects.exists()
