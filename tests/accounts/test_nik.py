"""NIK rules of DOMAIN.md §5.1, each failure with its own message on the NIK field."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts import nik as nik_rules


@pytest.mark.parametrize(
    ("nik", "born", "female"),
    [
        ("3515140508680001", dt.date(1968, 8, 5), False),  # DOMAIN.md's worked example
        ("3515144508680001", dt.date(1968, 8, 5), True),  # the same, a woman: day + 40
        ("9601017112990001", dt.date(1999, 12, 31), True),  # Papua Barat Daya, 31 + 40 = 71
        ("3171012902000001", dt.date(2000, 2, 29), False),  # 29 February of a leap year
    ],
)
def test_valid_niks(nik: str, born: dt.date, female: bool) -> None:
    info = nik_rules.parse_nik(nik)
    nik_rules.check_nik_matches(info, birth_date=born, is_female=female)
    assert info.is_female is female


def test_spaces_and_dots_typed_between_groups_are_forgiven() -> None:
    assert nik_rules.normalise("3515 1405 0868 0001") == "3515140508680001"
    assert nik_rules.parse_nik("35.15.14.050868.0001").serial == "0001"


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("351514050868001", "format"),  # 15 digits
        ("35151405086800011", "format"),  # 17 digits
        ("3515140508680OO1", "format"),  # letters O
        ("３５１５１４０５０８６８０００１", "format"),  # full-width digits
        ("2015140508680001", "province"),  # 20 is no province
        ("9915140508680001", "province"),
        ("3515143208680001", "birth_date"),  # day 32
        ("3515147208680001", "birth_date"),  # day 72 (32 for a woman)
        ("3515140013680001", "birth_date"),  # month 13
        ("3515140000680001", "birth_date"),  # day 0, month 0
        ("3515142902990001", "birth_date"),  # 29 February 1999
        ("3515140508680000", "serial"),
    ],
)
def test_each_invalid_kind_has_its_own_code(nik: str, code: str) -> None:
    with pytest.raises(nik_rules.NikError) as caught:
        nik_rules.parse_nik(nik)
    assert caught.value.code == code


def test_mismatch_with_declared_birth_date_and_sex() -> None:
    info = nik_rules.parse_nik("3515140508680001")
    with pytest.raises(nik_rules.NikError) as wrong_date:
        nik_rules.check_nik_matches(info, birth_date=dt.date(1968, 8, 6), is_female=False)
    assert wrong_date.value.code == "birth_date_mismatch"
    with pytest.raises(nik_rules.NikError) as wrong_year:
        nik_rules.check_nik_matches(info, birth_date=dt.date(1969, 8, 5), is_female=False)
    assert wrong_year.value.code == "birth_date_mismatch"
    with pytest.raises(nik_rules.NikError) as wrong_sex:
        nik_rules.check_nik_matches(info, birth_date=dt.date(1968, 8, 5), is_female=True)
    assert wrong_sex.value.code == "sex_mismatch"


def test_every_code_has_a_distinct_message() -> None:
    assert len({str(message) for message in nik_rules.MESSAGES.values()}) == len(nik_rules.MESSAGES)


def test_province_codes_are_the_38_of_domain_md() -> None:
    expected = {
        "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35",
        "36", "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76",
        "81", "82", "91", "92", "93", "94", "95", "96",
    }  # fmt: skip
    assert nik_rules.province_codes() == expected


@given(st.text(max_size=40))
def test_no_input_raises_anything_but_a_nik_error(raw: str) -> None:
    with contextlib.suppress(nik_rules.NikError):
        nik_rules.parse_nik(raw)
