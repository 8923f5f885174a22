"""Vehicle identifiers: the plate (NRKB), the chassis number (VIN) and the engine number.

Pure functions, no database: each raises ``IdentifierError`` (a ``ValueError``) with a message
saying what is wrong, and nothing else, whatever text it is given (tests/vehicles/
test_identifiers.py checks that with Hypothesis). Input is tolerant of case and spacing;
non-ASCII characters are refused before anything is upper-cased, so that no Unicode case
mapping (``"ß".upper() == "SS"``) can turn foreign text into a valid identifier.

* **Plate** (DOMAIN.md §5.3, Perpol 7/2021 Pasal 6): a region code of 1–2 letters, a serial
  number of 1–4 digits, and 0–3 series letters — ``B 1234 ABC``. Stored twice: the display form
  with single spaces (``B 1234 ABC``) and the normalised form without them (``B1234ABC``), which
  is what uniqueness and look-ups use. The serial number never starts with 0 (serials start
  at 1; allowing ``B 0012 X`` would give one plate two normalised forms). Whether the region
  code exists is a question for the ``RegionCode`` table, not for this module. Special
  registrations (diplomatic CD/CC series, military, police) have other formats and are not
  accepted here.
* **Chassis number** (DOMAIN.md §5.4, ISO 3779): 17 characters, capital letters and digits
  without I, O and Q. The check digit (character 9) is mandatory only for vehicles sold in
  North America (49 CFR 565); ISO 3779 does not require it and Indonesian-assembled VINs need
  not carry it, so it is **not** checked. Older or imported vehicles may carry a number of
  another length: ``validate_chassis(..., legacy=True)`` accepts 6–25 capital letters and
  digits (any letters), for an officer who records why (``Vehicle.chassis_legacy_reason``).
* **Engine number** (DOMAIN.md §5.5): no national format — an engine-code prefix and a serial
  set by each maker. Checked loosely: 5–25 capital letters and digits once spaces and hyphens
  are removed.

Spaces and hyphens inside a chassis or engine number are dropped (they are often typed to
group characters); the last five characters of the chassis number prove possession
(``possession_suffix``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

PLATE_RE = re.compile(r"([A-Z]{1,2})([1-9][0-9]{0,3})([A-Z]{0,3})")
# Tokens the plate may be typed in: letters and digits, separated by any spaces or hyphens.
_PLATE_TOKENS = re.compile(r"[A-Z]+|[0-9]+")
_SEPARATORS = re.compile(r"[\s\-]+")

VIN_LENGTH = 17
VIN_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
LEGACY_CHASSIS_RE = re.compile(r"[A-Z0-9]{6,25}")
ENGINE_RE = re.compile(r"[A-Z0-9]{5,25}")
SUFFIX_LENGTH = 5  # the last characters of the chassis number that prove possession

MAX_INPUT = 100  # longer text is refused before any work


class IdentifierError(ValueError):
    """The text is not a valid identifier; ``str(error)`` says why, in the active language."""


@dataclass(frozen=True)
class Plate:
    region: str
    number: str
    suffix: str

    @property
    def display(self) -> str:
        return " ".join(part for part in (self.region, self.number, self.suffix) if part)

    @property
    def normalised(self) -> str:
        return f"{self.region}{self.number}{self.suffix}"

    def __str__(self) -> str:
        return self.display


def _ascii_upper(text: object) -> str:
    if not isinstance(text, str):
        raise IdentifierError(_("Enter text."))
    if len(text) > MAX_INPUT:
        raise IdentifierError(_("This is far too long."))
    if not text.isascii():
        raise IdentifierError(_("Use only the letters A–Z, digits and spaces."))
    return text.strip().upper()


def parse_plate(text: str) -> Plate:
    """``"b 1234 abc"``, ``"B1234ABC"``, ``"B-1234-ABC"`` → ``Plate("B", "1234", "ABC")``."""
    value = _ascii_upper(text)
    if not value:
        raise IdentifierError(_("Enter the plate number, e.g. B 1234 ABC."))
    compact = _SEPARATORS.sub("", value)
    if not compact.isalnum():
        raise IdentifierError(_("A plate number has only letters, digits and spaces, e.g. B 1234 ABC."))
    tokens = _PLATE_TOKENS.findall(compact)
    if not tokens[0].isalpha():
        raise IdentifierError(
            _("A plate number starts with its region code of 1 or 2 letters, e.g. B or DK.")
        )
    if len(tokens[0]) > 2:
        raise IdentifierError(_("The region code at the start of a plate has 1 or 2 letters, e.g. B or DK."))
    if len(tokens) < 2 or len(tokens[1]) > 4:
        raise IdentifierError(_("After the region code comes a number of 1 to 4 digits, e.g. B 1234 ABC."))
    if tokens[1].startswith("0"):
        raise IdentifierError(_("The number on a plate does not start with 0."))
    if len(tokens) > 3 or (len(tokens) == 3 and len(tokens[2]) > 3):
        raise IdentifierError(_("After the number come at most 3 letters and nothing else, e.g. B 1234 ABC."))
    match = PLATE_RE.fullmatch(compact)
    if match is None:  # pragma: no cover - the token checks above cover every case
        raise IdentifierError(_("This is not a plate number such as B 1234 ABC."))
    return Plate(region=match.group(1), number=match.group(2), suffix=match.group(3))


def normalise_compact(text: str) -> str:
    """Upper-case, spaces and hyphens removed (ASCII only)."""
    return _SEPARATORS.sub("", _ascii_upper(text))


def validate_chassis(text: str, *, legacy: bool = False) -> str:
    """The chassis number, normalised; ``legacy`` also accepts a non-17-character number."""
    value = normalise_compact(text)
    if not value:
        raise IdentifierError(_("Enter the chassis number (17 characters, on the STNK as No. Rangka)."))
    if not value.isalnum():
        raise IdentifierError(_("A chassis number has only letters A–Z and digits."))
    if len(value) == VIN_LENGTH:
        bad = sorted({c for c in value if c in "IOQ"})
        if bad and not legacy:
            raise IdentifierError(
                _(
                    "A 17-character chassis number never contains the letters I, O or Q "
                    "(found %(letters)s): check for the digits 1 and 0."
                )
                % {"letters": ", ".join(bad)}
            )
        if not bad:
            return value
    if legacy:
        if LEGACY_CHASSIS_RE.fullmatch(value) is None:
            raise IdentifierError(_("An older chassis number has 6 to 25 letters and digits."))
        return value
    raise IdentifierError(
        _(
            "A chassis number has 17 characters (ISO 3779), not %(count)s. "
            "An older number of another length needs an officer's recorded reason."
        )
        % {"count": len(value)}
    )


def is_iso_vin(value: str) -> bool:
    return VIN_RE.fullmatch(value) is not None


def validate_engine_number(text: str) -> str:
    value = normalise_compact(text)
    if not value:
        raise IdentifierError(_("Enter the engine number (on the STNK as No. Mesin)."))
    if not value.isalnum():
        raise IdentifierError(_("An engine number has only letters A–Z and digits."))
    if ENGINE_RE.fullmatch(value) is None:
        raise IdentifierError(
            _("An engine number has 5 to 25 letters and digits, not %(count)s.") % {"count": len(value)}
        )
    return value


def possession_suffix(text: str) -> str:
    """What a citizen types as the last 5 characters of the chassis number, normalised.

    Raises ``IdentifierError`` when it is not 5 letters or digits."""
    value = normalise_compact(text)
    if len(value) != SUFFIX_LENGTH or not value.isalnum():
        raise IdentifierError(_("Enter the last 5 characters of the chassis number (letters and digits)."))
    return value
