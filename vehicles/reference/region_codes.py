"""Plate region codes (the letters before the number on a TNKB), from DOMAIN.md §5.3.

Perpol 7/2021; lists from Polres Jogja 2025, Kontan 2024, buliran.com and older Perkap 4/2006
lists (sources in DOMAIN.md §5.3). Each entry: the code, the area group it is listed under,
what it covers, the Kemendagri province codes (the first two NIK digits, DOMAIN.md §5.1a) of
the places it covers, and whether the retrieved sources confirm it.

The table is a **consistency check** for plates, not a tax rule: code B spans DKI Jakarta and
regencies of Jawa Barat and Banten, so the province that taxes a vehicle is that of its
registering Samsat, never one read off the plate.

Codes marked unconfirmed are the ones DOMAIN.md lists as "commonly listed but not confirmed"
(DP, DW, DC, DE, DG, PA, PB), plus PS, PT and PY: not in DOMAIN.md at all, but the offices
reference data (offices/reference/offices.py) gives them to the Samsat of the Papua provinces
created in 2022, so plates of those Samsat must pass the check. An administrator can confirm or
correct any row in the admin; the data migration and ``manage.py seed`` only add codes that
are missing, so they never overwrite a row an administrator has edited.
"""

from __future__ import annotations

from typing import NamedTuple


class RegionCodeEntry(NamedTuple):
    code: str
    group: str
    covers: str
    province_codes: tuple[str, ...]
    confirmed: bool = True
    note: str = ""


_UNCONFIRMED = "Commonly listed but not confirmed in the sources retrieved (DOMAIN.md §5.3)."
_OFFICES_ONLY = (
    "Not in DOMAIN.md §5.3: used by the offices reference data for a Samsat of the Papua "
    "provinces created in 2022 [unverified]."
)

SUMATRA = "Sumatra"
JAVA_WEST = "Jakarta, Banten and West Java"
JAVA_CENTRAL = "Central Java and DIY"
JAVA_EAST = "East Java"
BALI_NUSA = "Bali and Nusa Tenggara"
KALIMANTAN = "Kalimantan"
SULAWESI = "Sulawesi"
MALUKU_PAPUA = "Maluku and Papua"

REGION_CODES: tuple[RegionCodeEntry, ...] = (
    # --- Sumatra
    RegionCodeEntry("BL", SUMATRA, "Aceh", ("11",)),
    RegionCodeEntry("BB", SUMATRA, "North Sumatra, west coast / Tapanuli", ("12",)),
    RegionCodeEntry("BK", SUMATRA, "North Sumatra, east / Medan", ("12",)),
    RegionCodeEntry("BA", SUMATRA, "West Sumatra", ("13",)),
    RegionCodeEntry("BM", SUMATRA, "Riau", ("14",)),
    RegionCodeEntry("BP", SUMATRA, "Riau Islands", ("21",)),
    RegionCodeEntry("BH", SUMATRA, "Jambi", ("15",)),
    RegionCodeEntry("BG", SUMATRA, "South Sumatra", ("16",)),
    RegionCodeEntry("BD", SUMATRA, "Bengkulu", ("17",)),
    RegionCodeEntry("BN", SUMATRA, "Bangka Belitung", ("19",)),
    RegionCodeEntry("BE", SUMATRA, "Lampung", ("18",)),
    # --- Jakarta, Banten and West Java
    RegionCodeEntry(
        "B",
        JAVA_WEST,
        "DKI Jakarta, Depok, Bekasi (city and regency), Kota Tangerang, Tangerang Selatan (Jabodetabek)",
        ("31", "32", "36"),
        note="Some lists put part of Kab. Tangerang under A.",
    ),
    RegionCodeEntry("A", JAVA_WEST, "Banten (Serang, Cilegon, Pandeglang, Lebak, Kab. Tangerang)", ("36",)),
    RegionCodeEntry("D", JAVA_WEST, "Bandung (city and regency), Cimahi, Bandung Barat", ("32",)),
    RegionCodeEntry("E", JAVA_WEST, "Cirebon, Indramayu, Majalengka, Kuningan", ("32",)),
    RegionCodeEntry("F", JAVA_WEST, "Bogor, Sukabumi, Cianjur", ("32",)),
    RegionCodeEntry("T", JAVA_WEST, "Karawang, Purwakarta, Subang", ("32",)),
    RegionCodeEntry("Z", JAVA_WEST, "Garut, Tasikmalaya, Sumedang, Ciamis, Banjar, Pangandaran", ("32",)),
    # --- Central Java and DIY
    RegionCodeEntry("G", JAVA_CENTRAL, "Pekalongan, Tegal, Brebes, Batang, Pemalang", ("33",)),
    RegionCodeEntry("H", JAVA_CENTRAL, "Semarang, Salatiga, Kendal, Demak", ("33",)),
    RegionCodeEntry("K", JAVA_CENTRAL, "Pati, Kudus, Jepara, Rembang, Blora, Grobogan", ("33",)),
    RegionCodeEntry("R", JAVA_CENTRAL, "Banyumas, Cilacap, Purbalingga, Banjarnegara", ("33",)),
    RegionCodeEntry(
        "AA", JAVA_CENTRAL, "Kedu area (Magelang, Purworejo, Kebumen, Temanggung, Wonosobo)", ("33",)
    ),
    RegionCodeEntry(
        "AD",
        JAVA_CENTRAL,
        "Surakarta/Solo area (Boyolali, Klaten, Sukoharjo, Wonogiri, Karanganyar, Sragen)",
        ("33",),
    ),
    RegionCodeEntry("AB", JAVA_CENTRAL, "DI Yogyakarta", ("34",)),
    # --- East Java
    RegionCodeEntry("L", JAVA_EAST, "Surabaya", ("35",)),
    RegionCodeEntry("M", JAVA_EAST, "Madura", ("35",)),
    RegionCodeEntry("N", JAVA_EAST, "Malang, Batu, Pasuruan, Probolinggo, Lumajang", ("35",)),
    RegionCodeEntry("P", JAVA_EAST, "Besuki area (Jember, Banyuwangi, Bondowoso, Situbondo)", ("35",)),
    RegionCodeEntry("S", JAVA_EAST, "Bojonegoro, Tuban, Lamongan, Mojokerto, Jombang", ("35",)),
    RegionCodeEntry("W", JAVA_EAST, "Gresik, Sidoarjo", ("35",)),
    RegionCodeEntry("AE", JAVA_EAST, "Madiun area (Madiun, Magetan, Ngawi, Ponorogo, Pacitan)", ("35",)),
    RegionCodeEntry(
        "AG", JAVA_EAST, "Kediri area (Kediri, Blitar, Tulungagung, Nganjuk, Trenggalek)", ("35",)
    ),
    # --- Bali and Nusa Tenggara
    RegionCodeEntry("DK", BALI_NUSA, "Bali", ("51",)),
    RegionCodeEntry("DR", BALI_NUSA, "Lombok", ("52",)),
    RegionCodeEntry("EA", BALI_NUSA, "Sumbawa", ("52",)),
    RegionCodeEntry("DH", BALI_NUSA, "Timor (Kupang)", ("53",)),
    RegionCodeEntry("EB", BALI_NUSA, "Flores", ("53",)),
    RegionCodeEntry("ED", BALI_NUSA, "Sumba", ("53",)),
    # --- Kalimantan
    RegionCodeEntry("KB", KALIMANTAN, "West Kalimantan", ("61",)),
    RegionCodeEntry("DA", KALIMANTAN, "South Kalimantan", ("63",)),
    RegionCodeEntry("KH", KALIMANTAN, "Central Kalimantan", ("62",)),
    RegionCodeEntry("KT", KALIMANTAN, "East Kalimantan", ("64",)),
    RegionCodeEntry("KU", KALIMANTAN, "North Kalimantan", ("65",)),
    # --- Sulawesi
    RegionCodeEntry("DB", SULAWESI, "North Sulawesi", ("71",)),
    RegionCodeEntry("DL", SULAWESI, "Sangihe/Talaud/Sitaro", ("71",)),
    RegionCodeEntry("DM", SULAWESI, "Gorontalo", ("75",)),
    RegionCodeEntry("DN", SULAWESI, "Central Sulawesi", ("72",)),
    RegionCodeEntry("DT", SULAWESI, "Southeast Sulawesi", ("74",)),
    RegionCodeEntry("DD", SULAWESI, "South Sulawesi (Makassar and the southern regencies)", ("73",)),
    RegionCodeEntry("DP", SULAWESI, "South Sulawesi north / Parepare", ("73",), False, _UNCONFIRMED),
    RegionCodeEntry("DW", SULAWESI, "South Sulawesi (Bone/Wajo/Soppeng)", ("73",), False, _UNCONFIRMED),
    RegionCodeEntry("DC", SULAWESI, "West Sulawesi", ("76",), False, _UNCONFIRMED),
    # --- Maluku and Papua
    RegionCodeEntry("DE", MALUKU_PAPUA, "Maluku", ("81",), False, _UNCONFIRMED),
    RegionCodeEntry("DG", MALUKU_PAPUA, "North Maluku", ("82",), False, _UNCONFIRMED),
    RegionCodeEntry(
        "PA",
        MALUKU_PAPUA,
        "Papua (and, in the offices reference data, Papua Pegunungan)",
        ("91", "95"),
        False,
        _UNCONFIRMED,
    ),
    RegionCodeEntry("PB", MALUKU_PAPUA, "West Papua", ("92",), False, _UNCONFIRMED),
    RegionCodeEntry("PS", MALUKU_PAPUA, "South Papua (Papua Selatan)", ("93",), False, _OFFICES_ONLY),
    RegionCodeEntry("PT", MALUKU_PAPUA, "Central Papua (Papua Tengah)", ("94",), False, _OFFICES_ONLY),
    RegionCodeEntry("PY", MALUKU_PAPUA, "Southwest Papua (Papua Barat Daya)", ("96",), False, _OFFICES_ONLY),
)

CODES = frozenset(entry.code for entry in REGION_CODES)
