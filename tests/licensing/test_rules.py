"""SIM eligibility rules (licensing/rules.py): every class × service × rule, on its boundary days.

Pure functions: Licence and RenewalDispensation objects are built unsaved (ids set by hand so
renewal chains can be followed), so no database is needed.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import translation

from licensing import rules
from licensing.models import Licence, RenewalDispensation, SimApplication, SimClass

Kind = SimApplication.Kind
C = rules.Code
NATIONAL = sorted(rules.NATIONAL_CLASSES)
ALL_CLASSES = [*NATIONAL, SimClass.INTERNATIONAL.value]
WITH_PREREQ = sorted(rules.PREREQUISITES)
WITHOUT_PREREQ = sorted(rules.NATIONAL_CLASSES - set(rules.PREREQUISITES))
DAY = dt.timedelta(days=1)
TODAY = dt.date(2026, 3, 3)
_ids = itertools.count(1)


def lic(
    sim_class: str,
    issued_on: dt.date,
    expires_on: dt.date | None = None,
    state: str = Licence.State.ACTIVE,
    replaced_by: Licence | None = None,
) -> Licence:
    return Licence(
        id=next(_ids),
        holder_nik_index="holder",
        sim_class=sim_class,
        issued_on=issued_on,
        expires_on=expires_on or rules.add_years(issued_on, 5),
        state=state,
        replaced_by_id=replaced_by.pk if replaced_by else None,
        number_last4="1234",
    )


def expiring(sim_class: str, expires_on: dt.date, state: str = Licence.State.ACTIVE) -> Licence:
    years = 3 if sim_class == SimClass.INTERNATIONAL else 5
    return lic(sim_class, rules.add_years(expires_on, -years), expires_on, state)


def dispensation(expired_from: dt.date, expired_to: dt.date, renew_until: dt.date) -> RenewalDispensation:
    return RenewalDispensation(
        expired_from=expired_from, expired_to=expired_to, renew_until=renew_until, reason="ST/1/IV/2026"
    )


def codes(refusals: list[rules.Refusal]) -> list[str]:
    return [r.code for r in refusals]


def english(refusals: list[rules.Refusal]) -> list[str]:
    with translation.override("en"):
        return [str(r) for r in refusals]


def long_held_prerequisite(sim_class: str, today: dt.date) -> list[Licence]:
    """A valid licence of the class's first prerequisite, held for years."""
    required = rules.PREREQUISITES.get(sim_class, ())
    return [lic(required[0], today - dt.timedelta(days=3 * 365))] if required else []


# --- Dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2025, 1, 15), 1, dt.date(2025, 2, 15)),
        (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),
        (dt.date(2023, 8, 31), 6, dt.date(2024, 2, 29)),
        (dt.date(2025, 3, 31), 6, dt.date(2025, 9, 30)),
        (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
        (dt.date(2026, 1, 10), -13, dt.date(2024, 12, 10)),
        (dt.date(2025, 12, 1), 1, dt.date(2026, 1, 1)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day: dt.date, months: int, expected: dt.date) -> None:
    assert rules.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (dt.date(2024, 2, 29), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 2, 29), 4, dt.date(2028, 2, 29)),
        (dt.date(2024, 2, 29), 5, dt.date(2029, 2, 28)),
        (dt.date(2024, 2, 29), -1, dt.date(2023, 2, 28)),
        (dt.date(2096, 2, 29), 4, dt.date(2100, 2, 28)),  # 2100 is not a leap year
        (dt.date(2025, 3, 1), 3, dt.date(2028, 3, 1)),
    ],
)
def test_add_years_moves_29_february_to_28_february(day: dt.date, years: int, expected: dt.date) -> None:
    assert rules.add_years(day, years) == expected


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (dt.date(2008, 6, 15), dt.date(2025, 6, 14), 16),
        (dt.date(2008, 6, 15), dt.date(2025, 6, 15), 17),
        (dt.date(2008, 2, 29), dt.date(2025, 2, 27), 16),
        (dt.date(2008, 2, 29), dt.date(2025, 2, 28), 17),
        (dt.date(2008, 2, 29), dt.date(2025, 3, 1), 17),
        (dt.date(2004, 2, 29), dt.date(2024, 2, 28), 19),
        (dt.date(2004, 2, 29), dt.date(2024, 2, 29), 20),
        (dt.date(2008, 12, 31), dt.date(2009, 1, 1), 0),
    ],
)
def test_age_on(birth: dt.date, day: dt.date, age: int) -> None:
    assert rules.age_on(birth, day) == age
    assert rules.birthday_reached(birth, age, day)
    assert not rules.birthday_reached(birth, age + 1, day)


@pytest.mark.parametrize(
    ("kind", "sim_class", "issued", "expires"),
    [
        *[(Kind.NEW, c, dt.date(2026, 3, 3), dt.date(2031, 3, 3)) for c in NATIONAL],
        (Kind.RENEWAL, SimClass.C, dt.date(2024, 2, 29), dt.date(2029, 2, 28)),
        (Kind.UPGRADE, SimClass.B1, dt.date(2028, 2, 29), dt.date(2033, 2, 28)),
        (Kind.REPLACEMENT, SimClass.A, dt.date(2026, 1, 31), dt.date(2031, 1, 31)),
        (Kind.INTERNATIONAL, SimClass.INTERNATIONAL, dt.date(2026, 3, 3), dt.date(2029, 3, 3)),
        (Kind.INTERNATIONAL, SimClass.INTERNATIONAL, dt.date(2024, 2, 29), dt.date(2027, 2, 28)),
        (Kind.RENEWAL, SimClass.INTERNATIONAL, dt.date(2026, 3, 3), dt.date(2029, 3, 3)),
    ],
)
def test_new_expiry(kind: str, sim_class: str, issued: dt.date, expires: dt.date) -> None:
    assert rules.new_expiry(kind, sim_class, issued) == expires


# --- New licence and upgrade: minimum age --------------------------------------------------

AGE_CASES = [
    (kind, sim_class)
    for sim_class in NATIONAL
    for kind in (Kind.NEW, Kind.UPGRADE)
    if kind == Kind.NEW or sim_class in rules.PREREQUISITES
]


def test_minimum_ages_follow_perpol_5_2021() -> None:
    assert dict(rules.MIN_AGE) == {
        "a": 17,
        "a_umum": 20,
        "b1": 20,
        "b1_umum": 22,
        "b2": 21,
        "b2_umum": 23,
        "c": 17,
        "c1": 18,
        "c2": 19,
        "d": 17,
        "d1": 17,
    }


@pytest.mark.parametrize(("kind", "sim_class"), AGE_CASES)
@pytest.mark.parametrize(("days_to_birthday", "too_young"), [(1, True), (0, False), (-1, False)])
def test_minimum_age_boundary(kind: str, sim_class: str, days_to_birthday: int, too_young: bool) -> None:
    today = dt.date(2026, 7, 20)
    birthday = today + dt.timedelta(days=days_to_birthday)
    birth = rules.add_years(birthday, -rules.MIN_AGE[sim_class])
    refusals = rules.eligibility(
        kind, sim_class, birth_date=birth, licences=long_held_prerequisite(sim_class, today), today=today
    )
    assert codes(refusals) == ([C.TOO_YOUNG] if too_young else [])


@pytest.mark.parametrize("sim_class", [c for c in NATIONAL if rules.MIN_AGE[c] in (17, 18, 19, 21, 22, 23)])
def test_29_february_birth_reaches_the_age_on_28_february_of_a_common_year(sim_class: str) -> None:
    minimum = rules.MIN_AGE[sim_class]
    # Born on 29 February of a leap year such that the birthday falls in a common year.
    birth_year = next(y for y in range(2000, 2012) if y % 4 == 0 and (y + minimum) % 4 != 0)
    birth = dt.date(birth_year, 2, 29)
    birthday = dt.date(birth_year + minimum, 2, 28)
    held = long_held_prerequisite(sim_class, birthday)
    kind = Kind.NEW
    before = rules.eligibility(kind, sim_class, birth_date=birth, licences=held, today=birthday - DAY)
    assert codes(before) == [C.TOO_YOUNG]
    assert (
        f"You can apply from {birthday.day} Feb {birthday.year}, when you turn {minimum}."
        in english(before)[0]
    )
    assert rules.eligibility(kind, sim_class, birth_date=birth, licences=held, today=birthday) == []


@pytest.mark.parametrize("sim_class", [c for c in NATIONAL if rules.MIN_AGE[c] == 20])
def test_29_february_birth_in_a_leap_birthday_year(sim_class: str) -> None:
    birth = dt.date(2004, 2, 29)  # 20 on 29 February 2024
    held = long_held_prerequisite(sim_class, dt.date(2024, 2, 29))
    kwargs = {"birth_date": birth, "licences": held}
    assert codes(rules.eligibility(Kind.NEW, sim_class, today=dt.date(2024, 2, 28), **kwargs)) == [
        C.TOO_YOUNG
    ]
    assert rules.eligibility(Kind.NEW, sim_class, today=dt.date(2024, 2, 29), **kwargs) == []


def test_unknown_birth_date_is_refused() -> None:
    refusals = rules.eligibility(Kind.NEW, SimClass.C, birth_date=None, licences=[], today=TODAY)
    assert codes(refusals) == [C.BIRTH_DATE_UNKNOWN]


# --- Prerequisites held 12 months ----------------------------------------------------------

ADULT = dt.date(1980, 1, 1)
PREREQ_CASES = [
    (kind, target, base)
    for target, bases in sorted(rules.PREREQUISITES.items())
    for base in bases
    for kind in (Kind.NEW, Kind.UPGRADE)
]


def test_prerequisites_table() -> None:
    assert dict(rules.PREREQUISITES) == {
        "b1": ("a", "a_umum"),
        "b1_umum": ("a_umum", "b1"),
        "b2": ("b1",),
        "b2_umum": ("b1",),
        "c1": ("c",),
        "c2": ("c1",),
    }


@pytest.mark.parametrize(("kind", "target", "base"), PREREQ_CASES)
@pytest.mark.parametrize(("offset", "expected"), [(-DAY, [C.PREREQUISITE_TOO_RECENT]), (dt.timedelta(0), [])])
def test_prerequisite_held_12_months_to_the_day(
    kind: str, target: str, base: str, offset: dt.timedelta, expected: list[str]
) -> None:
    issued = dt.date(2025, 3, 15)
    held = lic(base, issued)
    today = dt.date(2026, 3, 15) + offset
    refusals = rules.eligibility(
        kind,
        target,
        birth_date=ADULT,
        licences=[held],
        today=today,
        licence=held if kind == Kind.UPGRADE else None,
    )
    assert codes(refusals) == expected
    if expected:
        text = english(refusals)[0]
        assert "held your" in text
        assert "since 15 Mar 2025: you can apply from 15 Mar 2026." in text


@pytest.mark.parametrize(("kind", "target"), [(k, t) for t in WITH_PREREQ for k in (Kind.NEW, Kind.UPGRADE)])
@pytest.mark.parametrize(
    "state_or_expiry",
    [
        "none",
        "other_class",
        Licence.State.REVOKED,
        Licence.State.REPLACED,
        Licence.State.EXPIRED,
        "past_expiry",
    ],
)
def test_prerequisite_not_held(kind: str, target: str, state_or_expiry: str) -> None:
    base = rules.PREREQUISITES[target][0]
    licences: list[Licence] = []
    if state_or_expiry == "other_class":
        other = next(c for c in NATIONAL if c not in rules.PREREQUISITES[target] and c != target)
        licences = [lic(other, dt.date(2020, 1, 1), dt.date(2030, 1, 1))]
    elif state_or_expiry == "past_expiry":  # still "active" in the table, but past its date
        licences = [lic(base, dt.date(2021, 3, 2), TODAY - DAY)]
    elif state_or_expiry != "none":
        licences = [lic(base, dt.date(2020, 1, 1), dt.date(2030, 1, 1), state=state_or_expiry)]
    refusals = rules.eligibility(kind, target, birth_date=ADULT, licences=licences, today=TODAY)
    assert codes(refusals) == [C.PREREQUISITE_MISSING]


def test_prerequisite_message_names_the_alternatives() -> None:
    refusals = rules.eligibility(Kind.NEW, SimClass.B1, birth_date=ADULT, licences=[], today=TODAY)
    assert english(refusals) == [
        "SIM B I requires a valid SIM A or SIM A Umum held for at least 12 months. Obtain that licence "
        "first; you can apply for SIM B I 12 months after it is issued."
    ]


def test_b_ii_umum_needs_b_i_and_not_b_i_umum() -> None:
    """The documented choice for the [conflict] in DOMAIN.md §1.1."""
    old = dt.date(2018, 1, 1)
    b1_umum = lic(SimClass.B1_UMUM, old, dt.date(2028, 1, 1))
    b2 = lic(SimClass.B2, old, dt.date(2028, 1, 1))
    refusals = rules.eligibility(
        Kind.NEW, SimClass.B2_UMUM, birth_date=ADULT, licences=[b1_umum, b2], today=TODAY
    )
    assert codes(refusals) == [C.PREREQUISITE_MISSING]
    b1 = lic(SimClass.B1, old, dt.date(2028, 1, 1))
    assert rules.eligibility(Kind.NEW, SimClass.B2_UMUM, birth_date=ADULT, licences=[b1], today=TODAY) == []


def test_prerequisite_held_across_renewals_counts_from_the_first_licence() -> None:
    third = lic(SimClass.C, dt.date(2026, 1, 10))  # renewed two months ago
    second = lic(
        SimClass.C, dt.date(2021, 1, 5), dt.date(2026, 1, 5), Licence.State.REPLACED, replaced_by=third
    )
    first = lic(
        SimClass.C, dt.date(2016, 1, 4), dt.date(2021, 1, 4), Licence.State.REPLACED, replaced_by=second
    )
    licences = [third, second, first]
    assert rules.held_since(third, licences) == dt.date(2016, 1, 4)
    assert rules.prerequisite_met_on(third, licences) == dt.date(2017, 1, 4)
    assert (
        rules.eligibility(Kind.UPGRADE, SimClass.C1, birth_date=ADULT, licences=licences, today=TODAY) == []
    )
    # Without the chain the renewed licence alone is too recent.
    refusals = rules.eligibility(Kind.UPGRADE, SimClass.C1, birth_date=ADULT, licences=[third], today=TODAY)
    assert codes(refusals) == [C.PREREQUISITE_TOO_RECENT]


def test_held_since_survives_a_cycle() -> None:
    a = lic(SimClass.C, dt.date(2024, 1, 1))
    b = lic(SimClass.C, dt.date(2023, 1, 1), replaced_by=a)
    a.replaced_by_id = b.pk  # corrupt data must not loop forever
    assert rules.held_since(a, [a, b]) == dt.date(2023, 1, 1)


def test_prerequisite_issued_on_29_february() -> None:
    held = lic(SimClass.C, dt.date(2024, 2, 29))
    assert rules.prerequisite_met_on(held, [held]) == dt.date(2025, 2, 28)
    kwargs = {"birth_date": ADULT, "licences": [held]}
    assert codes(rules.eligibility(Kind.NEW, SimClass.C1, today=dt.date(2025, 2, 27), **kwargs)) == [
        C.PREREQUISITE_TOO_RECENT
    ]
    assert rules.eligibility(Kind.NEW, SimClass.C1, today=dt.date(2025, 2, 28), **kwargs) == []


def test_the_longest_held_alternative_counts() -> None:
    recent_a = lic(SimClass.A, dt.date(2026, 1, 1))
    old_a_umum = lic(SimClass.A_UMUM, dt.date(2019, 1, 1), dt.date(2029, 1, 1))
    refusals = rules.eligibility(
        Kind.NEW, SimClass.B1, birth_date=ADULT, licences=[recent_a, old_a_umum], today=TODAY
    )
    assert refusals == []


# --- Upgrade specifics ---------------------------------------------------------------------


@pytest.mark.parametrize("target", [*WITHOUT_PREREQ, SimClass.INTERNATIONAL.value])
def test_upgrade_to_a_class_without_prerequisite(target: str) -> None:
    refusals = rules.eligibility(Kind.UPGRADE, target, birth_date=ADULT, licences=[], today=TODAY)
    expected = C.WRONG_SERVICE if target == SimClass.INTERNATIONAL else C.NOT_UPGRADABLE
    assert codes(refusals) == [expected]


def test_upgrade_message() -> None:
    refusals = rules.eligibility(Kind.UPGRADE, SimClass.A, birth_date=ADULT, licences=[], today=TODAY)
    assert english(refusals) == ["SIM A is not an upgrade of another class: apply for a new SIM A instead."]


@pytest.mark.parametrize("target", WITH_PREREQ)
def test_upgrade_from_a_licence_that_is_not_a_prerequisite(target: str) -> None:
    wrong = next(c for c in NATIONAL if c not in rules.PREREQUISITES[target] and c != target)
    base = lic(wrong, dt.date(2015, 1, 1), dt.date(2030, 1, 1))
    refusals = rules.eligibility(
        Kind.UPGRADE, target, birth_date=ADULT, licences=[base], today=TODAY, licence=base
    )
    assert codes(refusals) == [C.UPGRADE_WRONG_BASE]


def test_upgrade_from_someone_elses_licence() -> None:
    theirs = lic(SimClass.C, dt.date(2015, 1, 1), dt.date(2030, 1, 1))
    refusals = rules.eligibility(
        Kind.UPGRADE, SimClass.C1, birth_date=ADULT, licences=[], today=TODAY, licence=theirs
    )
    assert codes(refusals) == [C.NOT_YOUR_LICENCE]


def test_upgrade_counts_only_the_chosen_prerequisite() -> None:
    recent_a = lic(SimClass.A, dt.date(2026, 1, 1))
    old_a_umum = lic(SimClass.A_UMUM, dt.date(2019, 1, 1), dt.date(2029, 1, 1))
    kwargs = {"birth_date": ADULT, "licences": [recent_a, old_a_umum], "today": TODAY}
    assert codes(rules.eligibility(Kind.UPGRADE, SimClass.B1, licence=recent_a, **kwargs)) == [
        C.PREREQUISITE_TOO_RECENT
    ]
    assert rules.eligibility(Kind.UPGRADE, SimClass.B1, licence=old_a_umum, **kwargs) == []


# --- No valid licence of the same class ----------------------------------------------------


@pytest.mark.parametrize(("kind", "sim_class"), AGE_CASES)
@pytest.mark.parametrize(
    ("expires_on", "state", "blocked"),
    [
        (TODAY, Licence.State.ACTIVE, True),
        (TODAY + dt.timedelta(days=400), Licence.State.ACTIVE, True),
        (TODAY - DAY, Licence.State.ACTIVE, False),
        (TODAY - DAY, Licence.State.EXPIRED, False),
        (TODAY + dt.timedelta(days=400), Licence.State.REVOKED, False),
        (TODAY + dt.timedelta(days=400), Licence.State.REPLACED, False),
    ],
)
def test_same_class_already_held(
    kind: str, sim_class: str, expires_on: dt.date, state: str, blocked: bool
) -> None:
    same = expiring(sim_class, expires_on, state)
    licences = [same, *long_held_prerequisite(sim_class, TODAY)]
    refusals = rules.eligibility(kind, sim_class, birth_date=ADULT, licences=licences, today=TODAY)
    assert codes(refusals) == ([C.ALREADY_HELD] if blocked else [])


def test_already_held_message_says_when_renewal_opens() -> None:
    held = expiring(SimClass.C, dt.date(2027, 1, 10))
    refusals = rules.eligibility(Kind.NEW, SimClass.C, birth_date=ADULT, licences=[held], today=TODAY)
    assert english(refusals) == [
        "You already hold a valid SIM C, valid until 10 Jan 2027. Renew it instead: "
        "renewal opens on 12 Oct 2026."
    ]


# --- Renewal -------------------------------------------------------------------------------

EXPIRY = dt.date(2026, 3, 3)


def _renewal(sim_class: str, licence: Licence, today: dt.date, dispensations=(), extra=()):  # type: ignore[no-untyped-def]
    licences = [licence, *extra]
    if sim_class == SimClass.INTERNATIONAL and not extra:
        licences.append(lic(SimClass.A, dt.date(2024, 1, 1)))  # the national licence it rests on
    return rules.eligibility(
        Kind.RENEWAL,
        sim_class,
        birth_date=ADULT,
        licences=licences,
        today=today,
        dispensations=dispensations,
        licence=licence,
    )


@pytest.mark.parametrize("sim_class", ALL_CLASSES)
@pytest.mark.parametrize(
    ("days_from_expiry", "expected"),
    [
        (-91, [C.RENEWAL_TOO_EARLY]),
        (-90, []),
        (-1, []),
        (0, []),
        (1, [C.LICENCE_EXPIRED]),
        (400, [C.LICENCE_EXPIRED]),
    ],
)
def test_renewal_window(sim_class: str, days_from_expiry: int, expected: list[str]) -> None:
    licence = expiring(sim_class, EXPIRY)
    today = EXPIRY + dt.timedelta(days=days_from_expiry)
    assert codes(_renewal(sim_class, licence, today)) == expected
    assert rules.renewal_allowed(licence, today, []) is (expected == [])


# Dispensation: licences expiring 1–5 March 2026 may be renewed until 20 March 2026.
COVERING = dispensation(dt.date(2026, 3, 1), dt.date(2026, 3, 5), dt.date(2026, 3, 20))


@pytest.mark.parametrize("sim_class", ALL_CLASSES)
@pytest.mark.parametrize(
    ("window", "today", "expected"),
    [
        (COVERING, dt.date(2026, 3, 4), []),
        (COVERING, dt.date(2026, 3, 20), []),
        (COVERING, dt.date(2026, 3, 21), [C.DISPENSATION_ENDED]),
        (
            dispensation(dt.date(2026, 3, 3), dt.date(2026, 3, 3), dt.date(2026, 3, 10)),
            dt.date(2026, 3, 10),
            [],
        ),
        (
            dispensation(dt.date(2026, 3, 4), dt.date(2026, 3, 9), dt.date(2026, 3, 20)),
            dt.date(2026, 3, 4),
            [C.LICENCE_EXPIRED],
        ),
        (
            dispensation(dt.date(2026, 2, 1), dt.date(2026, 3, 2), dt.date(2026, 3, 20)),
            dt.date(2026, 3, 4),
            [C.LICENCE_EXPIRED],
        ),
    ],
    ids=[
        "covered-day-after",
        "covered-last-day",
        "covered-day-after-end",
        "exact-day",
        "starts-after",
        "ends-before",
    ],
)
def test_renewal_dispensation(
    sim_class: str, window: RenewalDispensation, today: dt.date, expected: list[str]
) -> None:
    for state in (Licence.State.ACTIVE, Licence.State.EXPIRED):  # whether or not the nightly job ran
        licence = expiring(sim_class, EXPIRY, state)
        assert codes(_renewal(sim_class, licence, today, [window])) == expected
        assert rules.renewal_allowed(licence, today, [window]) is (expected == [])


def test_renewal_closes_on_the_latest_covering_dispensation() -> None:
    licence = expiring(SimClass.C, EXPIRY)
    later = dispensation(dt.date(2026, 3, 3), dt.date(2026, 3, 3), dt.date(2026, 4, 1))
    unrelated = dispensation(dt.date(2026, 5, 1), dt.date(2026, 5, 9), dt.date(2026, 6, 1))
    assert rules.renewal_opens_on(licence) == dt.date(2025, 12, 3)
    assert rules.renewal_closes_on(licence) == EXPIRY
    assert rules.renewal_closes_on(licence, [COVERING, later, unrelated]) == dt.date(2026, 4, 1)


@pytest.mark.parametrize("sim_class", ALL_CLASSES)
@pytest.mark.parametrize(
    ("state", "expected"),
    [(Licence.State.REVOKED, C.LICENCE_REVOKED), (Licence.State.REPLACED, C.LICENCE_REPLACED)],
)
@pytest.mark.parametrize("kind", [Kind.RENEWAL, Kind.REPLACEMENT])
def test_revoked_or_replaced_licence(sim_class: str, state: str, expected: str, kind: str) -> None:
    licence = expiring(sim_class, EXPIRY, state)
    refusals = rules.eligibility(
        kind, sim_class, birth_date=ADULT, licences=[licence], today=EXPIRY - DAY, licence=licence
    )
    assert codes(refusals) == [expected]
    assert not rules.renewal_allowed(licence, EXPIRY - DAY, [COVERING])


@pytest.mark.parametrize("kind", [Kind.RENEWAL, Kind.REPLACEMENT])
def test_renewal_or_replacement_needs_the_persons_own_licence_of_the_class(kind: str) -> None:
    mine = expiring(SimClass.C, EXPIRY)
    theirs = expiring(SimClass.C, EXPIRY)
    kwargs = {"birth_date": ADULT, "licences": [mine], "today": EXPIRY}
    assert codes(rules.eligibility(kind, SimClass.C, **kwargs)) == [C.LICENCE_REQUIRED]
    assert codes(rules.eligibility(kind, SimClass.C, licence=theirs, **kwargs)) == [C.NOT_YOUR_LICENCE]
    assert codes(rules.eligibility(kind, SimClass.C1, licence=mine, **kwargs)) == [C.CLASS_MISMATCH]
    assert rules.eligibility(kind, SimClass.C, licence=mine, **kwargs) == []


def test_international_renewal_needs_a_valid_national_licence() -> None:
    international = expiring(SimClass.INTERNATIONAL, EXPIRY)
    expired_national = lic(SimClass.A, dt.date(2021, 1, 1), dt.date(2026, 1, 1))
    refusals = _renewal(SimClass.INTERNATIONAL, international, EXPIRY, extra=[expired_national])
    assert codes(refusals) == [C.NATIONAL_LICENCE_REQUIRED]


def test_expired_renewal_message() -> None:
    licence = expiring(SimClass.C, EXPIRY)
    assert english(_renewal(SimClass.C, licence, EXPIRY + DAY)) == [
        "Your SIM C expired on 3 Mar 2026. A licence past its expiry date cannot be renewed: "
        "apply for a new SIM C (with exams)."
    ]
    assert english(_renewal(SimClass.C, licence, EXPIRY - dt.timedelta(days=91))) == [
        "Your SIM C is valid until 3 Mar 2026. Renewal opens 90 days before expiry: you can renew it "
        "from 3 Dec 2025."
    ]
    assert english(_renewal(SimClass.C, licence, dt.date(2026, 3, 21), [COVERING])) == [
        "Your SIM C expired on 3 Mar 2026. The dispensation for licences that expired then allowed renewal "
        "until 20 Mar 2026 only: apply for a new SIM C (with exams)."
    ]


# --- Replacement ---------------------------------------------------------------------------


@pytest.mark.parametrize("sim_class", ALL_CLASSES)
@pytest.mark.parametrize(
    ("days_from_expiry", "expected"),
    [(-1000, []), (-1, []), (0, []), (1, [C.LICENCE_EXPIRED])],
)
def test_replacement_needs_a_valid_licence(
    sim_class: str, days_from_expiry: int, expected: list[str]
) -> None:
    licence = expiring(sim_class, EXPIRY)
    refusals = rules.eligibility(
        Kind.REPLACEMENT,
        sim_class,
        birth_date=ADULT,
        licences=[licence],
        today=EXPIRY + dt.timedelta(days=days_from_expiry),
        licence=licence,
    )
    assert codes(refusals) == expected


def test_expired_replacement_points_to_renewal_inside_a_dispensation() -> None:
    licence = expiring(SimClass.A, EXPIRY)
    kwargs = {"birth_date": ADULT, "licences": [licence], "licence": licence}
    inside = rules.eligibility(
        Kind.REPLACEMENT, SimClass.A, today=EXPIRY + DAY, dispensations=[COVERING], **kwargs
    )
    assert english(inside) == [
        "Your SIM A expired on 3 Mar 2026. Only a valid licence can be replaced, but you can still renew it "
        "until 20 Mar 2026: apply for a renewal instead."
    ]
    outside = rules.eligibility(Kind.REPLACEMENT, SimClass.A, today=EXPIRY + DAY, **kwargs)
    assert english(outside) == [
        "Your SIM A expired on 3 Mar 2026. Only a valid licence can be replaced: apply for a new SIM A "
        "(with exams)."
    ]


# --- International SIM ---------------------------------------------------------------------


def _international(licences: list[Licence], licence: Licence | None, today: dt.date = TODAY) -> list[str]:
    return codes(
        rules.eligibility(
            Kind.INTERNATIONAL,
            SimClass.INTERNATIONAL,
            birth_date=ADULT,
            licences=licences,
            today=today,
            licence=licence,
        )
    )


@pytest.mark.parametrize("base_class", NATIONAL)
@pytest.mark.parametrize(
    ("days_from_expiry", "state", "expected"),
    [
        (-1, Licence.State.ACTIVE, []),
        (0, Licence.State.ACTIVE, []),
        (1, Licence.State.ACTIVE, [C.NATIONAL_LICENCE_REQUIRED]),
        (-100, Licence.State.REVOKED, [C.NATIONAL_LICENCE_REQUIRED]),
        (-100, Licence.State.REPLACED, [C.NATIONAL_LICENCE_REQUIRED]),
        (1, Licence.State.EXPIRED, [C.NATIONAL_LICENCE_REQUIRED]),
    ],
)
def test_international_needs_a_valid_national_licence(
    base_class: str, days_from_expiry: int, state: str, expected: list[str]
) -> None:
    national = expiring(base_class, EXPIRY, state)
    assert _international([national], national, EXPIRY + dt.timedelta(days=days_from_expiry)) == expected


def test_international_licence_choice() -> None:
    national = lic(SimClass.A, dt.date(2024, 1, 1))
    someone_elses = lic(SimClass.A, dt.date(2024, 1, 1))
    old_international = lic(SimClass.INTERNATIONAL, dt.date(2024, 1, 1), dt.date(2027, 1, 1))
    assert _international([national], None) == [C.LICENCE_REQUIRED]
    assert _international([national], someone_elses) == [C.NOT_YOUR_LICENCE]
    assert _international([national, old_international], old_international) == [
        C.NATIONAL_LICENCE_REQUIRED,
        C.ALREADY_HELD,
    ]


@pytest.mark.parametrize(
    ("international_expires", "state", "expected"),
    [
        (TODAY + dt.timedelta(days=91), Licence.State.ACTIVE, [C.ALREADY_HELD]),
        (TODAY, Licence.State.ACTIVE, [C.ALREADY_HELD]),  # inside the window: renew it
        (TODAY - DAY, Licence.State.ACTIVE, []),
        (TODAY + dt.timedelta(days=91), Licence.State.REVOKED, []),
    ],
)
def test_international_while_one_is_held(
    international_expires: dt.date, state: str, expected: list[str]
) -> None:
    national = lic(SimClass.C, dt.date(2024, 1, 1))
    international = expiring(SimClass.INTERNATIONAL, international_expires, state)
    assert _international([national, international], national) == expected


@pytest.mark.parametrize("sim_class", NATIONAL)
def test_international_service_is_for_the_international_class_only(sim_class: str) -> None:
    national = lic(SimClass.C, dt.date(2024, 1, 1))
    refusals = rules.eligibility(
        Kind.INTERNATIONAL, sim_class, birth_date=ADULT, licences=[national], today=TODAY, licence=national
    )
    assert codes(refusals) == [C.WRONG_SERVICE]
    assert codes(
        rules.eligibility(
            Kind.NEW, SimClass.INTERNATIONAL, birth_date=ADULT, licences=[national], today=TODAY
        )
    ) == [C.WRONG_SERVICE]


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown SIM service kind"):
        rules.eligibility("transfer", SimClass.C, birth_date=ADULT, licences=[], today=TODAY)


# --- Requirements: certificates, JKN, passport, replacement details ------------------------

ALL_KINDS = [
    (Kind.NEW, SimClass.C),
    (Kind.UPGRADE, SimClass.C1),
    (Kind.RENEWAL, SimClass.B2),
    (Kind.REPLACEMENT, SimClass.A),
    (Kind.INTERNATIONAL, SimClass.INTERNATIONAL),
    (Kind.RENEWAL, SimClass.INTERNATIONAL),
]
REQUIRED = {
    Kind.NEW: ("health_cert", "psych_result"),
    Kind.UPGRADE: ("health_cert", "psych_result"),
    Kind.RENEWAL: ("health_cert", "psych_result"),
    Kind.REPLACEMENT: ("health_cert",),
}


def _requirements(kind: str, sim_class: str, today: dt.date = TODAY, **overrides: object) -> list[str]:
    values: dict[str, object] = {
        "health_cert_date": today,
        "psych_date": today,
        "jkn_active": True,
        "passport_expires_on": rules.add_years(today, 5),
        "replacement_reason": SimApplication.ReplacementReason.DAMAGED,
    }
    values.update(overrides)
    return codes(rules.requirement_refusals(kind=kind, sim_class=sim_class, today=today, **values))  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "sim_class"), ALL_KINDS)
def test_complete_requirements_pass(kind: str, sim_class: str) -> None:
    assert _requirements(kind, sim_class) == []


@pytest.mark.parametrize(("kind", "sim_class"), ALL_KINDS)
def test_required_certificates_per_service(kind: str, sim_class: str) -> None:
    international = sim_class == SimClass.INTERNATIONAL
    expected = () if international else REQUIRED[kind]
    assert rules.required_certificates(kind, sim_class) == expected
    assert rules.needs_jkn(kind, sim_class) is not international
    assert rules.needs_passport(kind, sim_class) is international


@pytest.mark.parametrize(("kind", "sim_class"), ALL_KINDS)
@pytest.mark.parametrize("field", ["health_cert_date", "psych_date"])
@pytest.mark.parametrize(
    ("cert_date", "expected"),
    [
        (dt.date(2025, 9, 3), []),  # 6 months old to the day on 3 March 2026
        (dt.date(2025, 9, 2), [C.CERTIFICATE_TOO_OLD]),
        (TODAY, []),
        (TODAY + DAY, [C.CERTIFICATE_IN_FUTURE]),
        (None, [C.CERTIFICATE_MISSING]),
    ],
)
def test_certificate_age(
    kind: str, sim_class: str, field: str, cert_date: dt.date | None, expected: list[str]
) -> None:
    key = "health_cert" if field == "health_cert_date" else "psych_result"
    required = key in rules.required_certificates(kind, sim_class)
    assert _requirements(kind, sim_class, **{field: cert_date}) == (expected if required else [])


@pytest.mark.parametrize(
    ("cert_date", "today", "ok"),
    [
        (dt.date(2025, 8, 31), dt.date(2026, 2, 28), True),  # 31 Aug + 6 months = 28 Feb
        (dt.date(2025, 8, 31), dt.date(2026, 3, 1), False),
        (dt.date(2025, 2, 28), dt.date(2025, 8, 28), True),
        (dt.date(2025, 2, 28), dt.date(2025, 8, 29), False),
    ],
)
def test_certificate_age_at_month_ends(cert_date: dt.date, today: dt.date, ok: bool) -> None:
    result = _requirements(Kind.NEW, SimClass.C, today, health_cert_date=cert_date)
    assert result == ([] if ok else [C.CERTIFICATE_TOO_OLD])


def test_certificate_message() -> None:
    refusals = rules.requirement_refusals(
        kind=Kind.NEW,
        sim_class=SimClass.C,
        today=TODAY,
        health_cert_date=dt.date(2025, 9, 2),
        psych_date=TODAY,
        jkn_active=True,
    )
    assert english(refusals) == [
        "Your health certificate is dated 2 Sep 2025; it must be at most 6 months old (it could be used "
        "until 2 Mar 2026). Get a new one and attach it."
    ]


@pytest.mark.parametrize(("kind", "sim_class"), ALL_KINDS)
def test_jkn_declared_for_national_services(kind: str, sim_class: str) -> None:
    expected = [] if sim_class == SimClass.INTERNATIONAL else [C.JKN_NOT_DECLARED]
    assert _requirements(kind, sim_class, jkn_active=False) == expected


@pytest.mark.parametrize(("kind", "sim_class"), ALL_KINDS)
@pytest.mark.parametrize(
    ("passport_expires_on", "expected"),
    [
        (dt.date(2026, 9, 3), []),  # exactly 6 months after 3 March 2026
        (dt.date(2026, 9, 2), [C.PASSPORT_EXPIRES_TOO_SOON]),
        (None, [C.PASSPORT_MISSING]),
    ],
)
def test_passport_validity(
    kind: str, sim_class: str, passport_expires_on: dt.date | None, expected: list[str]
) -> None:
    needed = sim_class == SimClass.INTERNATIONAL
    result = _requirements(kind, sim_class, passport_expires_on=passport_expires_on)
    assert result == (expected if needed else [])


def test_passport_message() -> None:
    refusals = rules.requirement_refusals(
        kind=Kind.INTERNATIONAL,
        sim_class=SimClass.INTERNATIONAL,
        today=dt.date(2026, 8, 31),
        passport_expires_on=dt.date(2027, 2, 27),
    )
    assert english(refusals) == [
        "Your passport expires on 27 Feb 2027; it must be valid until at least 28 Feb 2027 (6 months from "
        "today). Renew your passport first."
    ]


@pytest.mark.parametrize(
    ("reason", "report", "expected"),
    [
        ("", "", [C.REPLACEMENT_REASON_MISSING]),
        (SimApplication.ReplacementReason.LOST, "", [C.POLICE_REPORT_MISSING]),
        (SimApplication.ReplacementReason.LOST, "   ", [C.POLICE_REPORT_MISSING]),
        (SimApplication.ReplacementReason.LOST, "LP/123/III/2026", []),
        (SimApplication.ReplacementReason.DAMAGED, "", []),
    ],
)
def test_replacement_details(reason: str, report: str, expected: list[str]) -> None:
    result = _requirements(
        Kind.REPLACEMENT, SimClass.C, replacement_reason=reason, police_report_number=report
    )
    assert result == expected


def test_requirement_refusals_for_reads_the_application_row() -> None:
    sim = SimApplication(
        kind=Kind.RENEWAL,
        sim_class=SimClass.B1,
        health_cert_date=dt.date(2025, 9, 2),
        psych_date=TODAY,
        jkn_active=False,
    )
    assert codes(rules.requirement_refusals_for(sim, TODAY)) == [C.CERTIFICATE_TOO_OLD, C.JKN_NOT_DECLARED]


# --- What each service involves ------------------------------------------------------------


@pytest.mark.parametrize("sim_class", ALL_CLASSES)
@pytest.mark.parametrize("kind", Kind.values)
def test_exams_and_biometric_visits(sim_class: str, kind: str) -> None:
    assert rules.needs_exams(kind) is (kind in (Kind.NEW, Kind.UPGRADE))
    visit = kind in (Kind.RENEWAL, Kind.REPLACEMENT) and sim_class not in (
        SimClass.A,
        SimClass.C,
        SimClass.INTERNATIONAL,
    )
    assert rules.needs_biometric_visit(kind, sim_class) is visit


# --- Messages ------------------------------------------------------------------------------


def test_messages_are_lazy_and_follow_the_active_language() -> None:
    licence = expiring(SimClass.C, dt.date(2026, 5, 3))
    with translation.override("en"):
        refusal = _renewal(SimClass.C, licence, dt.date(2026, 5, 4))[0]
    with translation.override("id"):
        assert "3 Mei 2026" in str(refusal)
    with translation.override("en"):
        assert "3 May 2026" in str(refusal)
    assert rules.messages([refusal]) == [refusal.message]


def test_licence_names() -> None:
    with translation.override("en"):
        assert str(rules.licence_name(SimClass.B1_UMUM)) == "SIM B I Umum"
        assert str(rules.licence_name(SimClass.INTERNATIONAL)) == "international SIM"
