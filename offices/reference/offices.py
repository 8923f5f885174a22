"""Poldas, their offices and the Korlantas headquarters: the portal's starting set.

What the seeder takes from here, and what it leaves to administrators, is described in
``offices/models.py``. The rules this data follows:

* **Names and cities.** Offices are named the way the police name them in public
  ("Satpas Daan Mogot", "Samsat Jakarta Pusat", "Unit BPKB Ditlantas Polda Metro Jaya")
  and placed in the regency/city (Kemendagri code) they sit in. Outside the few offices
  cited below the names are representative: one Satpas, one Samsat and the BPKB unit of
  each Polda, usually in the Polda's headquarters city. Administrators correct and extend
  them (a Samsat induk per kabupaten/kota exists in reality; only a handful are here).
* **Street addresses** are filled only where a public source gives one, and the source
  goes into ``address_source``. Nothing is invented; administrators complete the rest.
* **Opening hours** are the portal's assumed default (``DEFAULT_HOURS``, plus Saturday
  morning for Samsat: ``SAMSAT_DEFAULT_HOURS``), loaded with ``hours_are_default=True``
  until an administrator confirms the real hours.
* **Plate region codes** (DOMAIN.md §5.3) per office: a Samsat or Polres serves the
  code(s) of its own area; a Polda's Satpas and BPKB unit serve every code of the Polda's
  provinces (``polda_plate_codes``). The Korlantas headquarters serves **none**: its
  services (SIM Internasional, the national systems) are central and not tied to a
  registration region, so no routing by plate ever lands there.

Polda coverage (38 provinces, each covered by exactly one Polda):

* **Polda Metro Jaya** covers DKI Jakarta. In practice it also serves Bodetabek: Kota and
  Kab. Bekasi and Kota Depok (Jawa Barat), Kota Tangerang and Kota Tangerang Selatan
  (Banten) carry B plates and are served by Polda Metro Jaya offices (e.g. Samsat Kota
  Depok, Polres Metro Depok below) although those provinces are covered by Polda Jawa
  Barat and Polda Banten. Province membership is modelled as DKI Jakarta only; the
  B-plate offices outside Jakarta are simply offices of Polda Metro Jaya sitting in
  Jawa Barat or Banten regencies.
* **Papua.** Until 2024 two Poldas covered the six Papua provinces. The Kapolri's
  telegram ST/2517/XI/KEP./2024 (11 Nov 2024) appointed the first Kapolda of **Polda
  Papua Tengah** (headquarters Nabire) and of **Polda Papua Barat Daya** (headquarters
  planned in Distrik Mariat, Kab. Sorong); in January 2025 the Kapolda Papua said the
  other two new provinces, Papua Selatan and Papua Pegunungan, remain under Polda Papua.
  Sources:
  https://liputan6.com/amp/5786209/kapolri-tunjuk-kapolda-2-daerah-otonom-baru-papua-tengah-dan-barat-daya
  https://klikpapua.com/papua-barat/manokwari/kapolda-pertama-papua-tengah-brigjen-alfred-papare-fokus-jaga-kondusifitas.html
  https://tribratanews.polri.go.id./blog/nasional-3/kapolda-papua-pimpin-rapat-bahas-terkait-pemisahan-polda-papua-tengah-82742
  So: Polda Papua → 91 Papua, 93 Papua Selatan, 95 Papua Pegunungan; Polda Papua Barat →
  92; Polda Papua Tengah → 94; Polda Papua Barat Daya → 96 (36 Poldas in all). The two new
  Poldas' Ditlantas/BPKB units are **[unverified]**: they are listed so that routing has a
  target, and an administrator should confirm or deactivate them. Polda Papua Barat
  Daya's headquarters city is recorded as Kota Sorong until the Mariat headquarters opens
  **[unverified]**.
* **New Papua plate codes.** Per Korlantas (reported by GridOto, 21 Aug 2024,
  https://gridoto.com/read/224139501/resmi-kode-pelat-nomor-papua-berubah-berikut-perubahannya):
  Papua Barat Daya changed PB → **PY** (May 2024), Papua Selatan PA → **PS** (July 2024),
  Papua Tengah PA → **PT** (Aug 2024); PA stays for Papua (and Papua Pegunungan), PB for
  Papua Barat. Vehicles not yet re-plated still carry PA/PB; routing by owner address
  covers them (DOMAIN.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass

# Opening hours, per weekday in local time (format: offices/models.py). An assumption of
# the portal, not a published schedule; loaded with hours_are_default=True.
_WEEKDAY_HOURS = [["08:00", "15:00"]]
DEFAULT_HOURS: dict[str, list[list[str]]] = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), _WEEKDAY_HOURS)
SAMSAT_DEFAULT_HOURS: dict[str, list[list[str]]] = {**DEFAULT_HOURS, "sat": [["08:00", "12:00"]]}

# DOMAIN.md §5.3 region codes by province (Kemendagri code). Codes DOMAIN.md marks as
# commonly listed but unverified are included (they are what plates carry) and flagged.
# Jawa Barat's and Banten's B-plate areas belong to Polda Metro Jaya (see above), so B
# appears only under DKI Jakarta.
PROVINCE_PLATE_CODES: dict[str, tuple[str, ...]] = {
    "11": ("BL",),
    "12": ("BK", "BB"),
    "13": ("BA",),
    "14": ("BM",),
    "15": ("BH",),
    "16": ("BG",),
    "17": ("BD",),
    "18": ("BE",),
    "19": ("BN",),
    "21": ("BP",),
    "31": ("B",),
    "32": ("D", "E", "F", "T", "Z"),
    "33": ("G", "H", "K", "R", "AA", "AD"),
    "34": ("AB",),
    "35": ("L", "M", "N", "P", "S", "W", "AE", "AG"),
    "36": ("A",),
    "51": ("DK",),
    "52": ("DR", "EA"),
    "53": ("DH", "EB", "ED"),
    "61": ("KB",),
    "62": ("KH",),
    "63": ("DA",),
    "64": ("KT",),
    "65": ("KU",),
    "71": ("DB", "DL"),
    "72": ("DN",),
    "73": ("DD", "DP", "DW"),  # DP, DW [unverified]
    "74": ("DT",),
    "75": ("DM",),
    "76": ("DC",),  # [unverified]
    "81": ("DE",),  # [unverified]
    "82": ("DG",),  # [unverified]
    "91": ("PA",),  # [unverified in DOMAIN.md; confirmed by the 2024 reports above]
    "92": ("PB",),
    "93": ("PS",),
    "94": ("PT",),
    "95": ("PA",),
    "96": ("PY",),
}


@dataclass(frozen=True)
class PoldaSpec:
    code: str
    name: str
    province_codes: tuple[str, ...]
    headquarters: str  # regency code


@dataclass(frozen=True)
class OfficeSpec:
    code: str
    kind: str  # an Office.Kind value
    name: str
    polda: str | None  # Polda code; None only for the Korlantas headquarters
    regency: str  # regency code
    plate_region_codes: tuple[str, ...]
    street_address: str = ""
    address_source: str = ""

    @property
    def default_hours(self) -> dict[str, list[list[str]]]:
        return SAMSAT_DEFAULT_HOURS if self.kind == "samsat" else DEFAULT_HOURS


POLDAS: tuple[PoldaSpec, ...] = (
    PoldaSpec("aceh", "Polda Aceh", ("11",), "1171"),
    PoldaSpec("sumatera-utara", "Polda Sumatera Utara", ("12",), "1271"),
    PoldaSpec("sumatera-barat", "Polda Sumatera Barat", ("13",), "1371"),
    PoldaSpec("riau", "Polda Riau", ("14",), "1471"),
    PoldaSpec("jambi", "Polda Jambi", ("15",), "1571"),
    PoldaSpec("sumatera-selatan", "Polda Sumatera Selatan", ("16",), "1671"),
    PoldaSpec("bengkulu", "Polda Bengkulu", ("17",), "1771"),
    PoldaSpec("lampung", "Polda Lampung", ("18",), "1871"),
    PoldaSpec("kepulauan-bangka-belitung", "Polda Kepulauan Bangka Belitung", ("19",), "1971"),
    PoldaSpec("kepulauan-riau", "Polda Kepulauan Riau", ("21",), "2171"),  # headquarters in Batam
    # DKI Jakarta only; Bodetabek offices below belong to it too (see the module docstring).
    PoldaSpec("metro-jaya", "Polda Metro Jaya", ("31",), "3174"),
    PoldaSpec("jawa-barat", "Polda Jawa Barat", ("32",), "3273"),
    PoldaSpec("jawa-tengah", "Polda Jawa Tengah", ("33",), "3374"),
    PoldaSpec("diy", "Polda Daerah Istimewa Yogyakarta", ("34",), "3404"),  # Ring Road Utara, Sleman
    PoldaSpec("jawa-timur", "Polda Jawa Timur", ("35",), "3578"),
    PoldaSpec("banten", "Polda Banten", ("36",), "3673"),
    PoldaSpec("bali", "Polda Bali", ("51",), "5171"),
    PoldaSpec("nusa-tenggara-barat", "Polda Nusa Tenggara Barat", ("52",), "5271"),
    PoldaSpec("nusa-tenggara-timur", "Polda Nusa Tenggara Timur", ("53",), "5371"),
    PoldaSpec("kalimantan-barat", "Polda Kalimantan Barat", ("61",), "6171"),
    PoldaSpec("kalimantan-tengah", "Polda Kalimantan Tengah", ("62",), "6271"),
    PoldaSpec("kalimantan-selatan", "Polda Kalimantan Selatan", ("63",), "6371"),
    PoldaSpec("kalimantan-timur", "Polda Kalimantan Timur", ("64",), "6471"),  # Balikpapan
    PoldaSpec("kalimantan-utara", "Polda Kalimantan Utara", ("65",), "6501"),  # Tanjung Selor [unverified]
    PoldaSpec("sulawesi-utara", "Polda Sulawesi Utara", ("71",), "7171"),
    PoldaSpec("sulawesi-tengah", "Polda Sulawesi Tengah", ("72",), "7271"),
    PoldaSpec("sulawesi-selatan", "Polda Sulawesi Selatan", ("73",), "7371"),
    PoldaSpec("sulawesi-tenggara", "Polda Sulawesi Tenggara", ("74",), "7471"),
    PoldaSpec("gorontalo", "Polda Gorontalo", ("75",), "7571"),
    PoldaSpec("sulawesi-barat", "Polda Sulawesi Barat", ("76",), "7602"),  # Mamuju
    PoldaSpec("maluku", "Polda Maluku", ("81",), "8171"),
    PoldaSpec("maluku-utara", "Polda Maluku Utara", ("82",), "8271"),
    PoldaSpec("papua", "Polda Papua", ("91", "93", "95"), "9171"),
    PoldaSpec("papua-barat", "Polda Papua Barat", ("92",), "9202"),
    PoldaSpec("papua-tengah", "Polda Papua Tengah", ("94",), "9401"),  # Nabire
    PoldaSpec("papua-barat-daya", "Polda Papua Barat Daya", ("96",), "9671"),  # [unverified] see above
)

_POLDAS_BY_CODE = {polda.code: polda for polda in POLDAS}


def polda_plate_codes(polda_code: str) -> tuple[str, ...]:
    """Every plate region code of the Polda's provinces, in a stable order."""
    codes: list[str] = []
    for province_code in _POLDAS_BY_CODE[polda_code].province_codes:
        codes.extend(code for code in PROVINCE_PLATE_CODES[province_code] if code not in codes)
    return tuple(codes)


def _bpkb_units() -> list[OfficeSpec]:
    # "BPKB services (new, balik nama, duplicate) are handled by the BPKB unit at the
    # Polda" (DOMAIN.md §6), placed in the Polda's headquarters city. Polda Metro Jaya's
    # is the "Gedung Biru" in Jakarta Selatan (Republika, 5 Jan 2020:
    # https://news.republika.co.id/berita/q3n90r384/pascabanjir-ditlantas-polda-metro-buka-posko-pelayanan-bpkb).
    return [
        OfficeSpec(
            code=f"bpkb-{polda.code}",
            kind="bpkb_unit",
            name=f"Unit BPKB Ditlantas {polda.name}",
            polda=polda.code,
            regency=polda.headquarters,
            plate_region_codes=polda_plate_codes(polda.code),
        )
        for polda in POLDAS
    ]


# One Satpas per Polda: (Polda, office code, name, regency). Outside Jakarta the Satpas
# named is the one of the Polres/Polresta/Polrestabes of the headquarters city.
_SATPAS: tuple[tuple[str, str, str, str], ...] = (
    ("aceh", "satpas-polresta-banda-aceh", "Satpas Polresta Banda Aceh", "1171"),
    ("sumatera-utara", "satpas-polrestabes-medan", "Satpas Polrestabes Medan", "1271"),
    ("sumatera-barat", "satpas-polresta-padang", "Satpas Polresta Padang", "1371"),
    ("riau", "satpas-polresta-pekanbaru", "Satpas Polresta Pekanbaru", "1471"),
    ("jambi", "satpas-polresta-jambi", "Satpas Polresta Jambi", "1571"),
    ("sumatera-selatan", "satpas-polrestabes-palembang", "Satpas Polrestabes Palembang", "1671"),
    ("bengkulu", "satpas-polresta-bengkulu", "Satpas Polresta Bengkulu", "1771"),
    ("lampung", "satpas-polresta-bandar-lampung", "Satpas Polresta Bandar Lampung", "1871"),
    ("kepulauan-bangka-belitung", "satpas-polresta-pangkalpinang", "Satpas Polresta Pangkalpinang", "1971"),
    ("kepulauan-riau", "satpas-polresta-barelang", "Satpas Polresta Barelang", "2171"),
    ("jawa-barat", "satpas-polrestabes-bandung", "Satpas Polrestabes Bandung", "3273"),
    ("jawa-tengah", "satpas-polrestabes-semarang", "Satpas Polrestabes Semarang", "3374"),
    ("diy", "satpas-polresta-yogyakarta", "Satpas Polresta Yogyakarta", "3471"),
    ("jawa-timur", "satpas-polrestabes-surabaya", "Satpas Polrestabes Surabaya", "3578"),
    ("banten", "satpas-polresta-serang-kota", "Satpas Polresta Serang Kota", "3673"),
    ("bali", "satpas-polresta-denpasar", "Satpas Polresta Denpasar", "5171"),
    ("nusa-tenggara-barat", "satpas-polresta-mataram", "Satpas Polresta Mataram", "5271"),
    ("nusa-tenggara-timur", "satpas-polresta-kupang-kota", "Satpas Polresta Kupang Kota", "5371"),
    ("kalimantan-barat", "satpas-polresta-pontianak", "Satpas Polresta Pontianak", "6171"),
    ("kalimantan-tengah", "satpas-polresta-palangka-raya", "Satpas Polresta Palangka Raya", "6271"),
    ("kalimantan-selatan", "satpas-polresta-banjarmasin", "Satpas Polresta Banjarmasin", "6371"),
    ("kalimantan-timur", "satpas-polresta-balikpapan", "Satpas Polresta Balikpapan", "6471"),
    ("kalimantan-utara", "satpas-polres-bulungan", "Satpas Polres Bulungan", "6501"),
    ("sulawesi-utara", "satpas-polresta-manado", "Satpas Polresta Manado", "7171"),
    ("sulawesi-tengah", "satpas-polresta-palu", "Satpas Polresta Palu", "7271"),
    ("sulawesi-selatan", "satpas-polrestabes-makassar", "Satpas Polrestabes Makassar", "7371"),
    ("sulawesi-tenggara", "satpas-polresta-kendari", "Satpas Polresta Kendari", "7471"),
    ("gorontalo", "satpas-polresta-gorontalo-kota", "Satpas Polresta Gorontalo Kota", "7571"),
    ("sulawesi-barat", "satpas-polresta-mamuju", "Satpas Polresta Mamuju", "7602"),
    ("maluku", "satpas-polresta-ambon", "Satpas Polresta Pulau Ambon dan Pulau-Pulau Lease", "8171"),
    ("maluku-utara", "satpas-polres-ternate", "Satpas Polres Ternate", "8271"),
    ("papua", "satpas-polresta-jayapura-kota", "Satpas Polresta Jayapura Kota", "9171"),
    ("papua-barat", "satpas-polresta-manokwari", "Satpas Polresta Manokwari", "9202"),
    ("papua-tengah", "satpas-polres-nabire", "Satpas Polres Nabire", "9401"),
    # "Satpas SIM Polresta Sorong Kota" (Sorong News, 14 Aug 2025).
    ("papua-barat-daya", "satpas-polresta-sorong-kota", "Satpas Polresta Sorong Kota", "9671"),
)


def _satpas() -> list[OfficeSpec]:
    offices = [
        OfficeSpec(
            code="satpas-daan-mogot",
            kind="satpas",
            name="Satpas Daan Mogot",
            polda="metro-jaya",
            regency="3173",  # Kota Jakarta Barat
            plate_region_codes=polda_plate_codes("metro-jaya"),
            street_address="Jl. Daan Mogot Raya Km 11 No. 3, Cengkareng, Jakarta Barat",
            address_source=(
                "Jakarta Insider, 18 Oct 2022: https://www.jakartainsider.id/hukum-kriminal/amp/"
                "pr-7315232443/warga-dki-sim-keliling-jakarta-hari-ini-dialihkan-ke-satpas-polda-metro-jaya-"
                "begini-alasannya"
            ),
        )
    ]
    offices.extend(
        OfficeSpec(
            code=code,
            kind="satpas",
            name=name,
            polda=polda,
            regency=regency,
            plate_region_codes=polda_plate_codes(polda),
        )
        for polda, code, name, regency in _SATPAS
    )
    return offices


# Samsat: (Polda, office code, name, regency, plate codes served).
_SAMSAT: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("aceh", "samsat-banda-aceh", "Samsat Banda Aceh", "1171", ("BL",)),
    ("sumatera-utara", "samsat-medan", "Samsat Medan", "1271", ("BK",)),
    ("sumatera-barat", "samsat-padang", "Samsat Padang", "1371", ("BA",)),
    ("riau", "samsat-pekanbaru", "Samsat Pekanbaru", "1471", ("BM",)),
    ("jambi", "samsat-kota-jambi", "Samsat Kota Jambi", "1571", ("BH",)),
    ("sumatera-selatan", "samsat-palembang", "Samsat Palembang", "1671", ("BG",)),
    ("bengkulu", "samsat-kota-bengkulu", "Samsat Kota Bengkulu", "1771", ("BD",)),
    ("lampung", "samsat-bandar-lampung", "Samsat Bandar Lampung", "1871", ("BE",)),
    ("kepulauan-bangka-belitung", "samsat-pangkalpinang", "Samsat Pangkalpinang", "1971", ("BN",)),
    ("kepulauan-riau", "samsat-batam", "Samsat Batam", "2171", ("BP",)),
    # Polda Metro Jaya: the five Jakarta cities, and B-plate Samsat in Jawa Barat and Banten.
    ("metro-jaya", "samsat-jakarta-pusat", "Samsat Jakarta Pusat", "3171", ("B",)),
    ("metro-jaya", "samsat-jakarta-utara", "Samsat Jakarta Utara", "3172", ("B",)),
    ("metro-jaya", "samsat-jakarta-barat", "Samsat Jakarta Barat", "3173", ("B",)),
    ("metro-jaya", "samsat-jakarta-selatan", "Samsat Jakarta Selatan", "3174", ("B",)),
    ("metro-jaya", "samsat-jakarta-timur", "Samsat Jakarta Timur", "3175", ("B",)),
    ("metro-jaya", "samsat-kota-depok", "Samsat Kota Depok", "3276", ("B",)),
    ("metro-jaya", "samsat-kota-bekasi", "Samsat Kota Bekasi", "3275", ("B",)),
    ("metro-jaya", "samsat-kota-tangerang", "Samsat Kota Tangerang", "3671", ("B",)),
    ("jawa-barat", "samsat-kota-bandung", "Samsat Kota Bandung", "3273", ("D",)),
    ("jawa-barat", "samsat-kota-bogor", "Samsat Kota Bogor", "3271", ("F",)),
    ("jawa-tengah", "samsat-kota-semarang", "Samsat Kota Semarang", "3374", ("H",)),
    ("jawa-tengah", "samsat-surakarta", "Samsat Surakarta", "3372", ("AD",)),
    ("diy", "samsat-kota-yogyakarta", "Samsat Kota Yogyakarta", "3471", ("AB",)),
    ("jawa-timur", "samsat-surabaya", "Samsat Surabaya", "3578", ("L",)),
    ("jawa-timur", "samsat-kota-malang", "Samsat Kota Malang", "3573", ("N",)),
    ("banten", "samsat-kota-serang", "Samsat Kota Serang", "3673", ("A",)),
    ("bali", "samsat-denpasar", "Samsat Denpasar", "5171", ("DK",)),
    ("nusa-tenggara-barat", "samsat-mataram", "Samsat Mataram", "5271", ("DR",)),
    ("nusa-tenggara-timur", "samsat-kota-kupang", "Samsat Kota Kupang", "5371", ("DH",)),
    ("kalimantan-barat", "samsat-pontianak", "Samsat Pontianak", "6171", ("KB",)),
    ("kalimantan-tengah", "samsat-palangka-raya", "Samsat Palangka Raya", "6271", ("KH",)),
    ("kalimantan-selatan", "samsat-banjarmasin", "Samsat Banjarmasin", "6371", ("DA",)),
    ("kalimantan-timur", "samsat-balikpapan", "Samsat Balikpapan", "6471", ("KT",)),
    ("kalimantan-utara", "samsat-bulungan", "Samsat Bulungan", "6501", ("KU",)),
    ("sulawesi-utara", "samsat-manado", "Samsat Manado", "7171", ("DB",)),
    ("sulawesi-tengah", "samsat-palu", "Samsat Palu", "7271", ("DN",)),
    ("sulawesi-selatan", "samsat-makassar", "Samsat Makassar", "7371", ("DD",)),
    ("sulawesi-tenggara", "samsat-kendari", "Samsat Kendari", "7471", ("DT",)),
    ("gorontalo", "samsat-kota-gorontalo", "Samsat Kota Gorontalo", "7571", ("DM",)),
    ("sulawesi-barat", "samsat-mamuju", "Samsat Mamuju", "7602", ("DC",)),
    ("maluku", "samsat-ambon", "Samsat Ambon", "8171", ("DE",)),
    ("maluku-utara", "samsat-ternate", "Samsat Ternate", "8271", ("DG",)),
    ("papua", "samsat-kota-jayapura", "Samsat Kota Jayapura", "9171", ("PA",)),
    ("papua", "samsat-merauke", "Samsat Merauke", "9301", ("PS",)),  # Papua Selatan
    ("papua", "samsat-jayawijaya", "Samsat Jayawijaya", "9501", ("PA",)),  # Papua Pegunungan
    ("papua-barat", "samsat-manokwari", "Samsat Manokwari", "9202", ("PB",)),
    ("papua-tengah", "samsat-nabire", "Samsat Nabire", "9401", ("PT",)),
    ("papua-barat-daya", "samsat-kota-sorong", "Samsat Kota Sorong", "9671", ("PY",)),
)

# A representative set of Polres across the islands: (Polda, code, name, regency, plates).
_POLRES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("sumatera-utara", "polrestabes-medan", "Polrestabes Medan", "1271", ("BK",)),
    ("sumatera-selatan", "polrestabes-palembang", "Polrestabes Palembang", "1671", ("BG",)),
    ("kepulauan-riau", "polresta-barelang", "Polresta Barelang", "2171", ("BP",)),
    ("metro-jaya", "polres-metro-jakarta-selatan", "Polres Metro Jakarta Selatan", "3174", ("B",)),
    ("metro-jaya", "polres-metro-depok", "Polres Metro Depok", "3276", ("B",)),  # in Jawa Barat
    ("jawa-barat", "polrestabes-bandung", "Polrestabes Bandung", "3273", ("D",)),
    ("jawa-tengah", "polrestabes-semarang", "Polrestabes Semarang", "3374", ("H",)),
    ("diy", "polresta-yogyakarta", "Polresta Yogyakarta", "3471", ("AB",)),
    ("jawa-timur", "polrestabes-surabaya", "Polrestabes Surabaya", "3578", ("L",)),
    ("bali", "polresta-denpasar", "Polresta Denpasar", "5171", ("DK",)),
    # Polres Bima keeps a BPKB officer under its Satlantas (DOMAIN.md §6, SOP of Polres Bima).
    ("nusa-tenggara-barat", "polres-bima", "Polres Bima", "5206", ("EA",)),
    ("nusa-tenggara-timur", "polresta-kupang-kota", "Polresta Kupang Kota", "5371", ("DH",)),
    ("kalimantan-barat", "polresta-pontianak", "Polresta Pontianak", "6171", ("KB",)),
    ("kalimantan-timur", "polresta-balikpapan", "Polresta Balikpapan", "6471", ("KT",)),
    ("sulawesi-utara", "polresta-manado", "Polresta Manado", "7171", ("DB",)),
    ("sulawesi-selatan", "polrestabes-makassar", "Polrestabes Makassar", "7371", ("DD",)),
    ("maluku", "polresta-ambon", "Polresta Pulau Ambon dan Pulau-Pulau Lease", "8171", ("DE",)),
    ("papua", "polresta-jayapura-kota", "Polresta Jayapura Kota", "9171", ("PA",)),
    ("papua-tengah", "polres-mimika", "Polres Mimika", "9404", ("PT",)),
    ("papua-barat-daya", "polresta-sorong-kota", "Polresta Sorong Kota", "9671", ("PY",)),
)

KORLANTAS_HQ = OfficeSpec(
    code="korlantas-polri",
    kind="korlantas",
    name="Korlantas Polri",
    polda=None,
    regency="3174",  # Kota Jakarta Selatan
    plate_region_codes=(),  # central services: no registration region (see above)
)


def _offices() -> tuple[OfficeSpec, ...]:
    offices: list[OfficeSpec] = [KORLANTAS_HQ]
    offices.extend(_satpas())
    offices.extend(
        OfficeSpec(
            code=code, kind="samsat", name=name, polda=polda, regency=regency, plate_region_codes=plates
        )
        for polda, code, name, regency, plates in _SAMSAT
    )
    offices.extend(_bpkb_units())
    offices.extend(
        OfficeSpec(
            code=code, kind="polres", name=name, polda=polda, regency=regency, plate_region_codes=plates
        )
        for polda, code, name, regency, plates in _POLRES
    )
    return tuple(offices)


OFFICES: tuple[OfficeSpec, ...] = _offices()
OFFICE_CODES: frozenset[str] = frozenset(office.code for office in OFFICES)
POLDA_CODES: frozenset[str] = frozenset(polda.code for polda in POLDAS)
