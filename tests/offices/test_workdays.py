"""Working days: weekends, public holidays, cuti bersama, year ends; one query each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from offices.models import Holiday
from offices.services import holiday_add_collective_leave, holidays_load
from offices.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def calendar_2026_2027() -> None:
    holidays_load(years=[2026, 2027])


def test_across_a_weekend() -> None:
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Fri → Mon
    assert add_working_days(D(2026, 11, 26), 2) == D(2026, 11, 30)
    assert add_working_days(D(2026, 11, 28), 1) == D(2026, 11, 30)  # from a Saturday
    assert add_working_days(D(2026, 11, 23), 5) == D(2026, 11, 30)
    assert add_working_days(D(2026, 11, 23), 10) == D(2026, 12, 7)
    assert working_days_between(D(2026, 11, 27), D(2026, 11, 30)) == 1
    assert working_days_between(D(2026, 11, 23), D(2026, 12, 7)) == 10


@pytest.mark.usefixtures("calendar_2026_2027")
def test_across_christmas() -> None:
    # Christmas 2026 is a Friday: Thursday + 1 working day is the Monday after.
    assert not is_working_day(D(2026, 12, 25))
    assert add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 28)
    assert working_days_between(D(2026, 12, 24), D(2026, 12, 28)) == 1
    assert working_days_between(D(2026, 12, 21), D(2026, 12, 28)) == 4


@pytest.mark.usefixtures("calendar_2026_2027")
def test_across_the_year_end() -> None:
    # 1 Jan 2027 (Fri) is New Year, 2–3 Jan a weekend, 5 Jan Isra Mikraj.
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 6)
    assert add_working_days(D(2026, 12, 24), 3) == D(2026, 12, 30)
    assert add_working_days(D(2026, 12, 24), 5) == D(2027, 1, 4)
    assert working_days_between(D(2026, 12, 31), D(2027, 1, 6)) == 2
    assert working_days_between(D(2026, 12, 24), D(2027, 1, 6)) == 6


@pytest.mark.usefixtures("calendar_2026_2027")
def test_with_a_collective_leave_day() -> None:
    assert add_working_days(D(2026, 12, 23), 1) == D(2026, 12, 24)
    holiday_add_collective_leave(day=D(2026, 12, 24), name="Cuti bersama Natal")
    assert add_working_days(D(2026, 12, 23), 1) == D(2026, 12, 28)
    assert working_days_between(D(2026, 12, 23), D(2026, 12, 28)) == 1


def test_without_loaded_holidays_only_weekends_count() -> None:
    assert add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 25)


@pytest.mark.usefixtures("calendar_2026_2027")
def test_zero_days() -> None:
    assert add_working_days(D(2026, 11, 30), 0) == D(2026, 11, 30)  # a working Monday
    assert add_working_days(D(2026, 11, 28), 0) == D(2026, 11, 30)  # Saturday → Monday
    assert add_working_days(D(2026, 12, 25), 0) == D(2026, 12, 28)  # Christmas → Monday
    assert add_working_days(D(2027, 1, 1), 0) == D(2027, 1, 4)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(D(2026, 11, 30), -1)


def test_between_is_zero_when_end_is_not_after_start() -> None:
    assert working_days_between(D(2026, 11, 30), D(2026, 11, 30)) == 0
    assert working_days_between(D(2026, 12, 7), D(2026, 11, 30)) == 0


def test_a_holiday_on_a_weekend_is_not_subtracted_twice() -> None:
    Holiday.objects.create(date=D(2026, 3, 21), name="Idul Fitri", source=Holiday.Source.PACKAGE)  # Saturday
    assert working_days_between(D(2026, 3, 20), D(2026, 3, 23)) == 1


@pytest.mark.usefixtures("calendar_2026_2027")
def test_count_and_add_agree_across_the_year_end() -> None:
    starts = [D(2026, 12, 1) + dt.timedelta(days=i) for i in range(45)]
    for start in starts:
        for n in range(1, 16):
            end = add_working_days(start, n)
            assert working_days_between(start, end) == n, (start, n)
            assert is_working_day(end)
            # Nothing earlier than end already reached n.
            assert working_days_between(start, end - dt.timedelta(days=1)) == n - 1, (start, n)
        if is_working_day(start):
            assert add_working_days(start, 0) == start


@pytest.mark.usefixtures("calendar_2026_2027")
def test_count_matches_a_day_by_day_count() -> None:
    start = D(2026, 12, 1)
    for length in range(0, 60):
        end = start + dt.timedelta(days=length)
        by_hand = sum(1 for i in range(1, length + 1) if is_working_day(start + dt.timedelta(days=i)))
        assert working_days_between(start, end) == by_hand, end


@pytest.mark.usefixtures("calendar_2026_2027")
@pytest.mark.parametrize(
    ("call", "args"),
    [
        (add_working_days, (D(2026, 12, 24), 30)),
        (add_working_days, (D(2026, 12, 25), 0)),
        (working_days_between, (D(2026, 12, 1), D(2027, 3, 31))),
    ],
)
def test_one_query(
    call: Callable[..., Any], args: tuple[Any, ...], django_assert_num_queries: Callable[..., Any]
) -> None:
    with django_assert_num_queries(1):
        call(*args)
