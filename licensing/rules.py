"""SIM eligibility rules: the one place that says who may apply for what, and why not.

Pure functions over plain data (dates, ``Licence`` rows — saved or not — and dispensation
windows); nothing here queries the database or reads the clock, so callers pass ``today``
(``korlantas.lib.clock``, Jakarta date). Used by the SIM services' guards and the licences page.
Sources: DOMAIN.md §1.1 (classes, ages, prerequisites), §1.2 (validity, renewal window,
dispensations), §1.3–§1.7 (requirements); docs/licensing.md "Eligibility rules" explains the
choices made where the sources are silent or disagree.

Refusals carry a stable ``code`` (for tests, counting, and branching) and a ``message``: a lazy
string, translated and formatted (dates as "3 Mar 2026") in the language active when it is turned
into ``str`` — so a guard can build it once and the page renders it in the reader's language.

29 February: ``add_years``/``add_months`` clamp to the last day of the target month, so
29 February + 1 year is **28 February**. No Indonesian rule for this case was found; 28 February
is chosen because (1) the old birthday-based expiry (Perkap 9/2012 Pasal 41(3): expiry "sesuai
dengan tanggal dan bulan kelahiran") keeps the birth *month*, and 28 February is the only such day;
(2) a licence issued on 29 February is then never valid for more than its 5 (3) years;
(3) it is what PostgreSQL (``date + interval '1 year'``) and ``dateutil.relativedelta`` compute,
so database-side date arithmetic (reminders, reports) agrees with this module. The same rule gives
ages: someone born on 29 February 2008 turns 17 on 28 February 2025.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol, TypeVar

from django.utils.formats import date_format
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from licensing.models import Licence, SimApplication, SimClass

Kind = SimApplication.Kind

# --- Constants -----------------------------------------------------------------------------

#: Minimum age on the day of application (Perpol 5/2021 Pasal 8; DOMAIN.md §1.1).
MIN_AGE: Mapping[str, int] = MappingProxyType(
    {
        SimClass.A: 17,
        SimClass.A_UMUM: 20,
        SimClass.B1: 20,
        SimClass.B1_UMUM: 22,
        SimClass.B2: 21,
        SimClass.B2_UMUM: 23,
        SimClass.C: 17,
        SimClass.C1: 18,
        SimClass.C2: 19,
        SimClass.D: 17,
        SimClass.D1: 17,
    }
)

#: Classes of which one must be held (valid) for PREREQUISITE_HELD_MONTHS before applying for
#: the key class (DOMAIN.md §1.1). B II Umum: B I, as stated by the Dirregident (the only
#: official statement quoted); other summaries name B II or B I Umum [conflict] — see the docs.
PREREQUISITES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        SimClass.B1: (SimClass.A, SimClass.A_UMUM),
        SimClass.B1_UMUM: (SimClass.A_UMUM, SimClass.B1),
        SimClass.B2: (SimClass.B1,),
        SimClass.B2_UMUM: (SimClass.B1,),
        SimClass.C1: (SimClass.C,),
        SimClass.C2: (SimClass.C1,),
    }
)
PREREQUISITE_HELD_MONTHS = 12

#: A licence may be renewed from this many days before its expiry date up to that date.
RENEWAL_WINDOW_DAYS = 90

#: Validity from the date of issue (Perpol 5/2021 Pasal 4(1)–(2)); a renewal counts from its issue.
VALIDITY_YEARS: Mapping[str, int] = MappingProxyType({"national": 5, "international": 3})

#: Health certificate and psychological test result: at most this many months old.
CERTIFICATE_MAX_AGE_MONTHS = 6
#: International SIM: the passport must be valid at least this many months after today.
PASSPORT_MIN_VALIDITY_MONTHS = 6

NATIONAL_CLASSES: frozenset[str] = frozenset(c.value for c in SimClass if c != SimClass.INTERNATIONAL)
#: National classes an international SIM can be based on: all of them. D and D I are the
#: disability-adapted equivalents of C and A (DOMAIN.md §1.1) and map to the same categories of
#: the 1968 Vienna Convention, so refusing them would refuse disabled drivers for no stated reason.
INTERNATIONAL_BASE_CLASSES: frozenset[str] = NATIONAL_CLASSES

#: Classes whose renewal (and replacement) is entirely online (DOMAIN.md §1.4, §1.7); the others
#: need a visit for biometric capture.
ONLINE_RENEWAL_CLASSES: frozenset[str] = frozenset({SimClass.A, SimClass.C})

#: Services that include the theory and practical exams (DOMAIN.md §1.3, §1.5).
EXAM_KINDS: frozenset[str] = frozenset({Kind.NEW, Kind.UPGRADE})

# Certificate keys are the document kinds of applications.registry.DOCUMENT_KINDS.
HEALTH_CERT = "health_cert"
PSYCH_RESULT = "psych_result"


class Code:
    """Refusal codes (stable; tests and counts rely on them)."""

    BIRTH_DATE_UNKNOWN = "birth_date_unknown"
    TOO_YOUNG = "too_young"
    PREREQUISITE_MISSING = "prerequisite_missing"
    PREREQUISITE_TOO_RECENT = "prerequisite_too_recent"
    ALREADY_HELD = "already_held"
    NOT_UPGRADABLE = "not_upgradable"
    UPGRADE_WRONG_BASE = "upgrade_wrong_base"
    WRONG_SERVICE = "wrong_service"
    LICENCE_REQUIRED = "licence_required"
    NOT_YOUR_LICENCE = "not_your_licence"
    CLASS_MISMATCH = "class_mismatch"
    LICENCE_REVOKED = "licence_revoked"
    LICENCE_REPLACED = "licence_replaced"
    RENEWAL_TOO_EARLY = "renewal_too_early"
    LICENCE_EXPIRED = "licence_expired"
    DISPENSATION_ENDED = "dispensation_ended"
    NATIONAL_LICENCE_REQUIRED = "national_licence_required"
    CERTIFICATE_MISSING = "certificate_missing"
    CERTIFICATE_IN_FUTURE = "certificate_in_future"
    CERTIFICATE_TOO_OLD = "certificate_too_old"
    PASSPORT_MISSING = "passport_missing"
    PASSPORT_EXPIRES_TOO_SOON = "passport_expires_too_soon"
    JKN_NOT_DECLARED = "jkn_not_declared"
    REPLACEMENT_REASON_MISSING = "replacement_reason_missing"
    POLICE_REPORT_MISSING = "police_report_missing"


class DispensationLike(Protocol):
    """A ``RenewalDispensation`` row or anything with its three dates."""

    @property
    def expired_from(self) -> datetime.date: ...
    @property
    def expired_to(self) -> datetime.date: ...
    @property
    def renew_until(self) -> datetime.date: ...


D = TypeVar("D", bound=DispensationLike)


# --- Dates ---------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` (may be negative); a day the target month lacks becomes its
    last day: 31 August + 6 months = 28 (29) February, 29 February 2024 + 12 months =
    28 February 2025. The same as PostgreSQL's ``date + interval`` and ``relativedelta``."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: datetime.date, years: int) -> datetime.date:
    """``day`` moved by ``years``; 29 February becomes 28 February in a common year (module
    docstring: why 28 February and not 1 March)."""
    return add_months(day, 12 * years)


def birthday(birth_date: datetime.date, years: int) -> datetime.date:
    """The day a person born on ``birth_date`` turns ``years`` old (29 Feb → 28 Feb)."""
    return add_years(birth_date, years)


def birthday_reached(birth_date: datetime.date, years: int, day: datetime.date) -> bool:
    """True from the day of the ``years``-th birthday on (that day included)."""
    return birthday(birth_date, years) <= day


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Completed years on ``day`` (a birthday counts from its morning; 29 Feb → 28 Feb)."""
    years = day.year - birth_date.year
    if years > 0 and not birthday_reached(birth_date, years, day):
        years -= 1
    return max(years, 0)


def new_expiry(kind: str, sim_class: str, issued_on: datetime.date) -> datetime.date:
    """Expiry of a licence issued on ``issued_on`` by a ``kind`` application: 5 years after issue
    (international 3), the same day and month (29 Feb → 28 Feb). A renewal, an upgrade and a
    replacement all count from their own issue day (DOMAIN.md §1.2)."""
    international = kind == Kind.INTERNATIONAL or sim_class == SimClass.INTERNATIONAL
    return add_years(issued_on, VALIDITY_YEARS["international" if international else "national"])


# --- Licences ------------------------------------------------------------------------------


def is_valid(licence: Licence, today: datetime.date) -> bool:
    """Active (not expired, replaced or revoked) and not past its expiry date."""
    return licence.state == Licence.State.ACTIVE and today <= licence.expires_on


def renewal_opens_on(licence: Licence) -> datetime.date:
    """First day a renewal may be applied for: 90 days before expiry (the expiry day is the last)."""
    return licence.expires_on - datetime.timedelta(days=RENEWAL_WINDOW_DAYS)


def covering_dispensations(licence: Licence, dispensations: Iterable[D]) -> list[D]:
    """The dispensation windows whose expiry period contains the licence's expiry date."""
    return [d for d in dispensations if d.expired_from <= licence.expires_on <= d.expired_to]


def renewal_closes_on(licence: Licence, dispensations: Iterable[DispensationLike] = ()) -> datetime.date:
    """Last day a renewal may be applied for: the expiry day, or the latest ``renew_until`` of a
    dispensation covering the expiry date."""
    ends = [d.renew_until for d in covering_dispensations(licence, dispensations)]
    return max([licence.expires_on, *ends])


def renewal_allowed(
    licence: Licence, today: datetime.date, dispensations: Iterable[DispensationLike] = ()
) -> bool:
    """Not revoked or replaced, and ``renewal_opens_on <= today <= renewal_closes_on``: inside
    the 90-day window, or expired but covered by a dispensation that still runs."""
    if licence.state in (Licence.State.REVOKED, Licence.State.REPLACED):
        return False
    return renewal_opens_on(licence) <= today <= renewal_closes_on(licence, dispensations)


def held_since(licence: Licence, licences: Iterable[Licence]) -> datetime.date:
    """Since when the holder has held this class without a new application: the ``issued_on``
    of the earliest predecessor in its renewal/replacement chain (a predecessor is a licence of
    ``licences`` whose ``replaced_by`` is the later one, i.e. ``Licence.replaces``), else its own
    ``issued_on``. Only ``licences`` are searched, so no query is made."""
    by_successor = {
        other.replaced_by_id: other
        for other in licences
        if other.replaced_by_id is not None and other.sim_class == licence.sim_class
    }
    since = licence.issued_on
    current, seen = licence, set()
    while current.pk is not None and current.pk in by_successor and current.pk not in seen:
        seen.add(current.pk)
        current = by_successor[current.pk]
        since = min(since, current.issued_on)
    return since


def prerequisite_met_on(licence: Licence, licences: Iterable[Licence]) -> datetime.date:
    """The day a prerequisite licence has been held 12 months: ``held_since`` + 12 months, to
    the day (held since 15 March 2024 → eligible on 15 March 2025, not on 14 March)."""
    return add_months(held_since(licence, licences), PREREQUISITE_HELD_MONTHS)


# --- What each service requires ------------------------------------------------------------


def needs_exams(kind: str) -> bool:
    return kind in EXAM_KINDS


def _is_international(kind: str, sim_class: str) -> bool:
    return kind == Kind.INTERNATIONAL or sim_class == SimClass.INTERNATIONAL


def needs_biometric_visit(kind: str, sim_class: str) -> bool:
    """Renewal and replacement of classes other than A and C need a visit for biometric capture
    (DOMAIN.md §1.4, §1.6). New licences and upgrades capture them at the exam visits; the
    international SIM is handled centrally and online (§1.7)."""
    if _is_international(kind, sim_class):
        return False
    return kind in (Kind.RENEWAL, Kind.REPLACEMENT) and sim_class not in ONLINE_RENEWAL_CLASSES


def required_certificates(kind: str, sim_class: str) -> tuple[str, ...]:
    """Certificates (``applications.registry.DOCUMENT_KINDS`` keys) a service needs: health and
    psychological for new, upgrade and renewal (§1.3–§1.5); health only for a replacement (§1.6
    lists the health certificate for a lost SIM); none for the international SIM (§1.7)."""
    if _is_international(kind, sim_class):
        return ()
    if kind == Kind.REPLACEMENT:
        return (HEALTH_CERT,)
    return (HEALTH_CERT, PSYCH_RESULT)


def needs_jkn(kind: str, sim_class: str) -> bool:
    """Active JKN/BPJS Kesehatan membership (Perpol 2/2023): every national service (§1.3, §1.4)."""
    return not _is_international(kind, sim_class)


def needs_passport(kind: str, sim_class: str) -> bool:
    return _is_international(kind, sim_class)


# --- Refusals ------------------------------------------------------------------------------


def licence_name(sim_class: str) -> str | Promise:
    """ "SIM C", "SIM B I Umum", or "international SIM" (translated)."""
    if sim_class == SimClass.INTERNATIONAL:
        return _("international SIM")
    return f"SIM {SimClass(sim_class).label}"


def _render(value: object) -> str:
    if isinstance(value, datetime.date):
        return date_format(value, "j M Y")
    if isinstance(value, tuple):
        names = [str(v) for v in value]
        if len(names) <= 1:
            return "".join(names)
        return gettext("%(items)s or %(last)s") % {"items": ", ".join(names[:-1]), "last": names[-1]}
    return str(value)


def _format(template: str | Promise, params: Mapping[str, object]) -> str:
    return str(template) % {key: _render(value) for key, value in params.items()}


_format_lazy = lazy(_format, str)


@dataclass(frozen=True)
class Refusal:
    """Why a rule blocks an application, and what the citizen can do instead."""

    code: str
    message: str | Promise

    def __str__(self) -> str:
        return str(self.message)


def _refusal(code: str, template: str | Promise, **params: object) -> Refusal:
    return Refusal(code, _format_lazy(template, params))


def messages(refusals: Iterable[Refusal]) -> list[str | Promise]:
    """The messages, as a guard returns them."""
    return [r.message for r in refusals]


def _names(classes: Sequence[str]) -> tuple[str | Promise, ...]:
    return tuple(licence_name(c) for c in classes)


def _owned(licence: Licence, licences: Sequence[Licence]) -> bool:
    return any(other is licence or (other.pk is not None and other.pk == licence.pk) for other in licences)


def _age_refusals(sim_class: str, birth_date: datetime.date | None, today: datetime.date) -> list[Refusal]:
    if birth_date is None:
        return [
            _refusal(
                Code.BIRTH_DATE_UNKNOWN,
                _(
                    "Your date of birth is not in your verified profile. "
                    "Complete your identity verification first."
                ),
            )
        ]
    minimum = MIN_AGE[sim_class]
    if birthday_reached(birth_date, minimum, today):
        return []
    return [
        _refusal(
            Code.TOO_YOUNG,
            _(
                "%(licence)s requires a minimum age of %(age)s. "
                "You can apply from %(date)s, when you turn %(age)s."
            ),
            licence=licence_name(sim_class),
            age=minimum,
            date=birthday(birth_date, minimum),
        )
    ]


def _prerequisite_refusals(
    sim_class: str, pool: Sequence[Licence], licences: Sequence[Licence], today: datetime.date
) -> list[Refusal]:
    required = PREREQUISITES.get(sim_class, ())
    if not required:
        return []
    held = [lic for lic in pool if lic.sim_class in required and is_valid(lic, today)]
    if not held:
        return [
            _refusal(
                Code.PREREQUISITE_MISSING,
                _(
                    "%(licence)s requires a valid %(prerequisite)s held for at least 12 months. "
                    "Obtain that licence first; you can apply for %(licence)s 12 months after it is issued."
                ),
                licence=licence_name(sim_class),
                prerequisite=_names(required),
            )
        ]
    best = min(held, key=lambda lic: prerequisite_met_on(lic, licences))
    met_on = prerequisite_met_on(best, licences)
    if met_on <= today:
        return []
    return [
        _refusal(
            Code.PREREQUISITE_TOO_RECENT,
            _(
                "%(licence)s requires %(prerequisite)s held for at least 12 months. You have held your "
                "%(held)s since %(since)s: you can apply from %(date)s."
            ),
            licence=licence_name(sim_class),
            prerequisite=_names(required),
            held=licence_name(best.sim_class),
            since=held_since(best, licences),
            date=met_on,
        )
    ]


def _already_held_refusals(
    sim_class: str, licences: Sequence[Licence], today: datetime.date
) -> list[Refusal]:
    for lic in licences:
        if lic.sim_class != sim_class or not is_valid(lic, today):
            continue
        opens = renewal_opens_on(lic)
        if today < opens:
            return [
                _refusal(
                    Code.ALREADY_HELD,
                    _(
                        "You already hold a valid %(licence)s, valid until %(expires)s. Renew it instead: "
                        "renewal opens on %(opens)s."
                    ),
                    licence=licence_name(sim_class),
                    expires=lic.expires_on,
                    opens=opens,
                )
            ]
        return [
            _refusal(
                Code.ALREADY_HELD,
                _(
                    "You already hold a valid %(licence)s, valid until %(expires)s. Apply for its renewal "
                    "instead (possible until %(expires)s)."
                ),
                licence=licence_name(sim_class),
                expires=lic.expires_on,
            )
        ]
    return []


def _chosen_licence_refusals(
    sim_class: str, licence: Licence | None, licences: Sequence[Licence]
) -> tuple[list[Refusal], Licence | None]:
    """The licence a renewal or replacement is for: given, the person's own, of the class."""
    if licence is None:
        return [_refusal(Code.LICENCE_REQUIRED, _("Choose the licence this application is for."))], None
    if not _owned(licence, licences):
        return [
            _refusal(
                Code.NOT_YOUR_LICENCE,
                _("This licence is not registered to you. Choose one of your own licences."),
            )
        ], None
    if licence.sim_class != sim_class:
        return [
            _refusal(
                Code.CLASS_MISMATCH,
                _("The chosen licence is a %(held)s, not a %(licence)s. Choose the licence of that class."),
                held=licence_name(licence.sim_class),
                licence=licence_name(sim_class),
            )
        ], None
    if licence.state == Licence.State.REVOKED:
        return [
            _refusal(
                Code.LICENCE_REVOKED,
                _(
                    "Your %(licence)s was revoked; it cannot be renewed or replaced. Apply for a new "
                    "%(licence)s (with exams) once the revocation allows it."
                ),
                licence=licence_name(sim_class),
            )
        ], None
    if licence.state == Licence.State.REPLACED:
        return [
            _refusal(
                Code.LICENCE_REPLACED,
                _(
                    "This %(licence)s card has been replaced by a newer card. "
                    "Choose your current %(licence)s."
                ),
                licence=licence_name(sim_class),
            )
        ], None
    return [], licence


def _renewal_date_refusals(
    licence: Licence, today: datetime.date, dispensations: Sequence[DispensationLike]
) -> list[Refusal]:
    name = licence_name(licence.sim_class)
    opens = renewal_opens_on(licence)
    if today < opens:
        return [
            _refusal(
                Code.RENEWAL_TOO_EARLY,
                _(
                    "Your %(licence)s is valid until %(expires)s. Renewal opens 90 days before expiry: "
                    "you can renew it from %(opens)s."
                ),
                licence=name,
                expires=licence.expires_on,
                opens=opens,
            )
        ]
    if today <= licence.expires_on:
        return []
    covering = covering_dispensations(licence, dispensations)
    if not covering:
        return [
            _refusal(
                Code.LICENCE_EXPIRED,
                _(
                    "Your %(licence)s expired on %(expires)s. A licence past its expiry date cannot be "
                    "renewed: apply for a new %(licence)s (with exams)."
                ),
                licence=name,
                expires=licence.expires_on,
            )
        ]
    until = max(d.renew_until for d in covering)
    if today <= until:
        return []
    return [
        _refusal(
            Code.DISPENSATION_ENDED,
            _(
                "Your %(licence)s expired on %(expires)s. The dispensation for licences that expired "
                "then allowed renewal until %(until)s only: apply for a new %(licence)s (with exams)."
            ),
            licence=name,
            expires=licence.expires_on,
            until=until,
        )
    ]


def _national_base_refusals(licences: Sequence[Licence], today: datetime.date) -> list[Refusal]:
    if any(lic.sim_class in INTERNATIONAL_BASE_CLASSES and is_valid(lic, today) for lic in licences):
        return []
    return [
        _refusal(
            Code.NATIONAL_LICENCE_REQUIRED,
            _(
                "An international SIM requires a valid national SIM. Renew your national SIM or apply "
                "for a new one first."
            ),
        )
    ]


def eligibility(
    kind: str,
    sim_class: str,
    *,
    birth_date: datetime.date | None,
    licences: Iterable[Licence],
    today: datetime.date,
    dispensations: Iterable[DispensationLike] = (),
    licence: Licence | None = None,
) -> list[Refusal]:
    """Why the person may not apply for ``kind`` of ``sim_class`` on ``today`` (empty: they may).

    ``licences``: all the person's ``Licence`` rows, every state. ``licence``: for renewal and
    replacement the licence concerned; for an upgrade the prerequisite licence (optional: any
    held one counts); for the international SIM the national licence it is based on.

    * new — minimum age; prerequisite held 12 months to the day; no valid licence of the class
      (one past its expiry date does not block: a new licence is the way back).
    * upgrade — the target class must have a prerequisite; then as new.
    * renewal — the person's own licence of the class, not revoked or replaced, applied for from
      90 days before expiry up to the expiry day; after it only inside a dispensation covering the
      expiry date, until its ``renew_until``. An international SIM is renewed with this kind
      (``sim_class`` "international"); it also needs a valid national SIM.
    * replacement — the person's own licence of the class, active and not past expiry
      (international included).
    * international (``sim_class`` "international") — a valid national licence, and no valid
      international SIM (that one is renewed instead).
    """
    owned = list(licences)
    windows = list(dispensations)
    if kind in (Kind.NEW, Kind.UPGRADE):
        if sim_class == SimClass.INTERNATIONAL:
            return [
                _refusal(
                    Code.WRONG_SERVICE,
                    _("An international SIM is requested with the international SIM service."),
                )
            ]
        if kind == Kind.UPGRADE:
            required = PREREQUISITES.get(sim_class, ())
            if not required:
                return [
                    _refusal(
                        Code.NOT_UPGRADABLE,
                        _(
                            "%(licence)s is not an upgrade of another class: "
                            "apply for a new %(licence)s instead."
                        ),
                        licence=licence_name(sim_class),
                    )
                ]
            if licence is not None:
                if not _owned(licence, owned):
                    return [
                        _refusal(
                            Code.NOT_YOUR_LICENCE,
                            _("This licence is not registered to you. Choose one of your own licences."),
                        )
                    ]
                if licence.sim_class not in required:
                    return [
                        _refusal(
                            Code.UPGRADE_WRONG_BASE,
                            _(
                                "An upgrade to %(licence)s starts from %(prerequisite)s; "
                                "your %(held)s does not qualify."
                            ),
                            licence=licence_name(sim_class),
                            prerequisite=_names(required),
                            held=licence_name(licence.sim_class),
                        )
                    ]
        pool = [licence] if kind == Kind.UPGRADE and licence is not None else owned
        return [
            *_age_refusals(sim_class, birth_date, today),
            *_prerequisite_refusals(sim_class, pool, owned, today),
            *_already_held_refusals(sim_class, owned, today),
        ]

    if kind == Kind.RENEWAL:
        refusals, chosen = _chosen_licence_refusals(sim_class, licence, owned)
        if chosen is None:
            return refusals
        refusals = _renewal_date_refusals(chosen, today, windows)
        if sim_class == SimClass.INTERNATIONAL:
            refusals += _national_base_refusals(owned, today)
        return refusals

    if kind == Kind.REPLACEMENT:
        refusals, chosen = _chosen_licence_refusals(sim_class, licence, owned)
        if chosen is None:
            return refusals
        if is_valid(chosen, today):
            return []
        name = licence_name(sim_class)
        if renewal_allowed(chosen, today, windows):
            return [
                _refusal(
                    Code.LICENCE_EXPIRED,
                    _(
                        "Your %(licence)s expired on %(expires)s. Only a valid licence can be replaced, "
                        "but you can still renew it until %(until)s: apply for a renewal instead."
                    ),
                    licence=name,
                    expires=chosen.expires_on,
                    until=renewal_closes_on(chosen, windows),
                )
            ]
        return [
            _refusal(
                Code.LICENCE_EXPIRED,
                _(
                    "Your %(licence)s expired on %(expires)s. Only a valid licence can be replaced: "
                    "apply for a new %(licence)s (with exams)."
                ),
                licence=name,
                expires=chosen.expires_on,
            )
        ]

    if kind == Kind.INTERNATIONAL:
        if sim_class != SimClass.INTERNATIONAL:
            return [
                _refusal(
                    Code.WRONG_SERVICE,
                    _(
                        "The international SIM service issues international SIMs only: "
                        "choose another service."
                    ),
                )
            ]
        refusals = []
        if licence is None:
            refusals.append(
                _refusal(
                    Code.LICENCE_REQUIRED,
                    _("Choose the valid national SIM your international SIM is based on."),
                )
            )
        elif not _owned(licence, owned):
            refusals.append(
                _refusal(
                    Code.NOT_YOUR_LICENCE,
                    _("This licence is not registered to you. Choose one of your own licences."),
                )
            )
        elif licence.sim_class not in INTERNATIONAL_BASE_CLASSES or not is_valid(licence, today):
            refusals += _national_base_refusals([], today)
        return refusals + _already_held_refusals(SimClass.INTERNATIONAL, owned, today)

    raise ValueError(f"unknown SIM service kind {kind!r}")


def requirement_refusals(
    *,
    kind: str,
    sim_class: str,
    today: datetime.date,
    health_cert_date: datetime.date | None = None,
    psych_date: datetime.date | None = None,
    jkn_active: bool = False,
    passport_expires_on: datetime.date | None = None,
    replacement_reason: str = "",
    police_report_number: str = "",
) -> list[Refusal]:
    """What the application's details still lack (empty: nothing).

    Certificates (``required_certificates``): dated, not in the future, and at most 6 months old
    to the day (dated 15 March → usable until 15 September, inclusive). JKN declared for every
    national service. International SIM (new or renewed): passport valid until at least 6 months
    after today (that day included). Replacement: a reason; a lost licence needs the police loss
    report number. Scans are required documents of the service, checked by the core.
    """
    refusals: list[Refusal] = []
    dates = {HEALTH_CERT: health_cert_date, PSYCH_RESULT: psych_date}
    names = {HEALTH_CERT: _("health certificate"), PSYCH_RESULT: _("psychological test result")}
    for key in required_certificates(kind, sim_class):
        issued = dates[key]
        if issued is None:
            refusals.append(
                _refusal(
                    Code.CERTIFICATE_MISSING,
                    _("Enter the date of your %(certificate)s."),
                    certificate=names[key],
                )
            )
        elif issued > today:
            refusals.append(
                _refusal(
                    Code.CERTIFICATE_IN_FUTURE,
                    _("Your %(certificate)s is dated %(date)s, which is in the future. Check the date."),
                    certificate=names[key],
                    date=issued,
                )
            )
        elif add_months(issued, CERTIFICATE_MAX_AGE_MONTHS) < today:
            refusals.append(
                _refusal(
                    Code.CERTIFICATE_TOO_OLD,
                    _(
                        "Your %(certificate)s is dated %(date)s; it must be at most 6 months old "
                        "(it could be used until %(until)s). Get a new one and attach it."
                    ),
                    certificate=names[key],
                    date=issued,
                    until=add_months(issued, CERTIFICATE_MAX_AGE_MONTHS),
                )
            )
    if needs_jkn(kind, sim_class) and not jkn_active:
        refusals.append(
            _refusal(
                Code.JKN_NOT_DECLARED,
                _(
                    "Confirm that your JKN/BPJS Kesehatan membership is active. If it is not, activate it "
                    "first (at a BPJS Kesehatan office or in the Mobile JKN app)."
                ),
            )
        )
    if needs_passport(kind, sim_class):
        needed_until = add_months(today, PASSPORT_MIN_VALIDITY_MONTHS)
        if passport_expires_on is None:
            refusals.append(_refusal(Code.PASSPORT_MISSING, _("Enter your passport's expiry date.")))
        elif passport_expires_on < needed_until:
            refusals.append(
                _refusal(
                    Code.PASSPORT_EXPIRES_TOO_SOON,
                    _(
                        "Your passport expires on %(date)s; it must be valid until at least %(until)s "
                        "(6 months from today). Renew your passport first."
                    ),
                    date=passport_expires_on,
                    until=needed_until,
                )
            )
    if kind == Kind.REPLACEMENT:
        if replacement_reason not in SimApplication.ReplacementReason.values:
            refusals.append(
                _refusal(Code.REPLACEMENT_REASON_MISSING, _("Say whether the licence was lost or damaged."))
            )
        elif replacement_reason == SimApplication.ReplacementReason.LOST and not police_report_number.strip():
            refusals.append(
                _refusal(
                    Code.POLICE_REPORT_MISSING,
                    _("A lost licence needs a police loss report: enter its number."),
                )
            )
    return refusals


def requirement_refusals_for(sim: SimApplication, today: datetime.date) -> list[Refusal]:
    """``requirement_refusals`` over a ``SimApplication`` row's fields."""
    return requirement_refusals(
        kind=sim.kind,
        sim_class=sim.sim_class,
        today=today,
        health_cert_date=sim.health_cert_date,
        psych_date=sim.psych_date,
        jkn_active=sim.jkn_active,
        passport_expires_on=sim.passport_expires_on,
        replacement_reason=sim.replacement_reason,
        police_report_number=sim.police_report_number,
    )


def register() -> None:
    """Called once from LicensingConfig.ready(); the rules need no registration."""
