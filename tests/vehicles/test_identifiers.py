"""Plate, chassis and engine number formats (vehicles.identifiers) and the due dates
(vehicles.due_dates): examples written out, and Hypothesis for "nothing but ValueError"."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vehicles import due_dates, identifiers
from vehicles.identifiers import IdentifierError, parse_plate, validate_chassis, validate_engine_number

# --- plates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region", "number", "suffix", "display"),
    [
        ("B 1234 ABC", "B", "1234", "ABC", "B 1234 ABC"),
        ("b1234abc", "B", "1234", "ABC", "B 1234 ABC"),
        ("  B  1234   ABC ", "B", "1234", "ABC", "B 1234 ABC"),
        ("B-1234-ABC", "B", "1234", "ABC", "B 1234 ABC"),
        ("DK 1 A", "DK", "1", "A", "DK 1 A"),
        ("AB 5432", "AB", "5432", "", "AB 5432"),
        ("L 9", "L", "9", "", "L 9"),
    ],
)
def test_plates_in_any_spacing_and_case(
    text: str, region: str, number: str, suffix: str, display: str
) -> None:
    plate = parse_plate(text)
    assert (plate.region, plate.number, plate.suffix) == (region, number, suffix)
    assert plate.display == display
    assert plate.normalised == display.replace(" ", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter the plate number"),
        ("1234 ABC", "starts with its region code"),
        ("ABC 1234", "1 or 2 letters"),
        ("B", "number of 1 to 4 digits"),
        ("B 12345 A", "number of 1 to 4 digits"),
        ("B 0123 A", "does not start with 0"),
        ("B 12 ABCD", "at most 3 letters"),
        ("B 12 A 3", "at most 3 letters"),
        ("B 12.3", "only letters, digits and spaces"),
        ("B 12 É", "A–Z"),
        ("B " + "1" * 200, "far too long"),
    ],
)
def test_malformed_plates_say_why(text: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        parse_plate(text)


def test_no_unicode_case_mapping_makes_a_plate() -> None:
    # "ß".upper() is "SS", "ﬀ".upper() is "FF": refused before anything is upper-cased.
    for text in ("ß 12", "ﬀ 12", "B １２"):
        with pytest.raises(IdentifierError):
            parse_plate(text)


@given(st.text(max_size=40))
def test_parse_plate_raises_only_value_errors(text: str) -> None:
    try:
        plate = parse_plate(text)
    except ValueError:
        return
    # Whatever parses is canonical: parsing its display or normalised form gives it back.
    assert parse_plate(plate.display) == plate
    assert parse_plate(plate.normalised) == plate
    assert parse_plate(plate.display.lower()) == plate


plates = st.builds(
    identifiers.Plate,
    region=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=2),
    number=st.integers(1, 9999).map(str),
    suffix=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=3),
)


@given(plates, st.sampled_from([" ", "", "  ", "-"]))
def test_every_valid_plate_round_trips(plate: identifiers.Plate, separator: str) -> None:
    typed = separator.join(part for part in (plate.region, plate.number, plate.suffix) if part)
    assert parse_plate(typed) == plate
    assert parse_plate(plate.display) == plate
    assert identifiers.PLATE_RE.fullmatch(plate.normalised)


# --- chassis numbers ----------------------------------------------------------------------


def test_a_17_character_chassis_number_is_normalised() -> None:
    assert validate_chassis(" mh1jm8117nk123456 ") == "MH1JM8117NK123456"
    assert validate_chassis("MH1-JM8117-NK123456") == "MH1JM8117NK123456"


def test_the_check_digit_is_not_enforced() -> None:
    # Position 9 is "7" here, not the North American check digit of this VIN: still accepted.
    assert validate_chassis("MHFM1BA37NK045821") == "MHFM1BA37NK045821"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("MH1JM8117NK12345O", "never contains the letters I, O or Q"),
        ("MH1JM8117NK12345", "17 characters"),
        ("MH1JM8117NK1234567", "17 characters"),
        ("MH1JM8117NK12345!", "only letters"),
        ("", "Enter the chassis number"),
    ],
)
def test_bad_chassis_numbers_say_why(text: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        validate_chassis(text)


def test_a_legacy_chassis_number_needs_the_legacy_flag() -> None:
    with pytest.raises(IdentifierError, match="officer's recorded reason"):
        validate_chassis("K3120045871")
    assert validate_chassis("k3120045871", legacy=True) == "K3120045871"
    with pytest.raises(IdentifierError, match="6 to 25"):
        validate_chassis("K31", legacy=True)


@given(st.text(max_size=40), st.booleans())
def test_validate_chassis_raises_only_value_errors(text: str, legacy: bool) -> None:
    try:
        value = validate_chassis(text, legacy=legacy)
    except ValueError:
        return
    assert validate_chassis(value, legacy=legacy) == value
    assert legacy or identifiers.is_iso_vin(value)


@given(st.text("ABCDEFGHJKLMNPRSTUVWXYZ0123456789", min_size=17, max_size=17))
def test_every_iso_vin_is_accepted(vin: str) -> None:
    assert validate_chassis(vin.lower()) == vin


# --- engine numbers and the possession suffix ---------------------------------------------


def test_engine_numbers_are_checked_loosely() -> None:
    assert validate_engine_number("jm81e 1123456") == "JM81E1123456"
    assert validate_engine_number("2NR-F123456") == "2NRF123456"
    for bad, message in (
        ("1234", "5 to 25"),
        ("A" * 26, "5 to 25"),
        ("JM81E/112", "only letters"),
        ("", "Enter"),
    ):
        with pytest.raises(IdentifierError, match=message):
            validate_engine_number(bad)


@given(st.text(max_size=40))
def test_engine_number_and_suffix_raise_only_value_errors(text: str) -> None:
    for check in (validate_engine_number, identifiers.possession_suffix):
        try:
            value = check(text)
        except ValueError:
            continue
        assert check(value) == value


def test_possession_suffix() -> None:
    assert identifiers.possession_suffix(" 23 456 ") == "23456"
    assert identifiers.possession_suffix("k0458") == "K0458"
    for bad in ("2345", "234567", "23 45!"):
        with pytest.raises(IdentifierError):
            identifiers.possession_suffix(bad)


# --- due dates ----------------------------------------------------------------------------

D = dt.date


@pytest.mark.parametrize(
    ("valid_until", "last_endorsed", "next_due"),
    [
        # Never endorsed since the STNK was issued (15 March 2023): due on its first anniversary.
        (D(2028, 3, 15), None, D(2024, 3, 15)),
        # Paid 10 days early, on time, or 40 days late: the next is the following anniversary.
        (D(2028, 3, 15), D(2025, 3, 5), D(2026, 3, 15)),
        (D(2028, 3, 15), D(2025, 3, 15), D(2026, 3, 15)),
        (D(2028, 3, 15), D(2025, 4, 24), D(2026, 3, 15)),
        # Paid 60 days before: still the coming anniversary; 61 days before: the past one.
        (D(2028, 3, 15), D(2025, 1, 14), D(2026, 3, 15)),
        (D(2028, 3, 15), D(2025, 1, 13), D(2025, 3, 15)),
        # The fourth endorsement paid: next is the 5-year renewal, on the last valid day.
        (D(2028, 3, 15), D(2027, 3, 10), D(2028, 3, 15)),
        # An endorsement older than the current STNK counts as its issue.
        (D(2028, 3, 15), D(2022, 3, 10), D(2024, 3, 15)),
        # 29 February: 28 February in other years.
        (D(2028, 2, 29), D(2025, 2, 20), D(2026, 2, 28)),
    ],
)
def test_next_due_dates_follow_the_stnk_anniversaries(
    valid_until: dt.date, last_endorsed: dt.date | None, next_due: dt.date
) -> None:
    assert due_dates.next_due_on(valid_until, last_endorsed) == next_due


def test_standing_says_what_is_due_and_when() -> None:
    valid_until = D(2028, 3, 15)
    soon = due_dates.standing(valid_until, D(2025, 3, 10), today=D(2026, 2, 20))
    assert (soon.kind, soon.status, soon.days) == ("endorsement", "due_soon", 23)
    late = due_dates.standing(valid_until, D(2025, 3, 10), today=D(2026, 4, 1))
    assert (late.status, late.overdue_days) == ("overdue", 17)
    fine = due_dates.standing(valid_until, D(2025, 3, 10), today=D(2025, 6, 1))
    assert fine.status == "ok"
    renewal = due_dates.standing(valid_until, D(2027, 3, 1), today=D(2028, 3, 1))
    assert (renewal.kind, renewal.status, renewal.due_on) == ("renewal", "due_soon", valid_until)
    expired = due_dates.standing(valid_until, D(2027, 3, 1), today=D(2028, 5, 1))
    assert (expired.kind, expired.status) == ("renewal", "overdue")
