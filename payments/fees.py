"""Every fee code the portal knows, what it means, and the amounts of PP 76/2020.

A ``Fee`` row stores only a code and an amount per schedule; this module says what each code
is (its label on bills and on the public fee page, its group, its unit) and holds the figures
the first schedule is seeded with (DOMAIN.md §4; the notes there say which lines are inferred).
Services name the codes they charge (``ServiceDefinition.fee_codes``); a code that is not here
is refused when a bill is made, and the seed must cover every code (tests/payments check both).

Postage is a flat rate per delivery zone, chosen by the province of the delivery address. The
rates are our own (no regulation sets them) and administrators edit them in each schedule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

PP_76_2020_NAME = "PP 76/2020"
PP_76_2020_BASIS = "Peraturan Pemerintah No. 76 Tahun 2020 (Lampiran: tarif PNBP Polri)"
# In force since 12 November 2020 (promulgation); the same amounts as PP 60/2016.
PP_76_2020_FROM = dt.date(2020, 11, 12)


@dataclass(frozen=True)
class FeeDefinition:
    code: str
    label: str | Promise
    group: str  # "sim", "vehicle", "plate_choice" or "postage"
    unit: str | Promise = ""
    # Inferred rather than read in the regulation's attachment (DOMAIN.md §4 notes).
    inferred: bool = False


GROUPS: dict[str, Promise] = {
    "sim": _("Driving licence (SIM)"),
    "vehicle": _("Vehicle documents (STNK, TNKB, BPKB)"),
    "plate_choice": _("Chosen registration number"),
    "postage": _("Courier postage"),
}

# --- SIM: code "sim_<new|renewal>_<class>" -----------------------------------------------------
SIM_CLASSES: dict[str, str] = {
    "a": "A",
    "a_umum": "A Umum",
    "b1": "B I",
    "b1_umum": "B I Umum",
    "b2": "B II",
    "b2_umum": "B II Umum",
    "c": "C",
    "c1": "C I",
    "c2": "C II",
    "d": "D",
    "d1": "D I",
    "international": "Internasional",
}
_SIM_NEW = {
    "a": 120_000, "a_umum": 120_000, "b1": 120_000, "b1_umum": 120_000, "b2": 120_000,
    "b2_umum": 120_000, "c": 100_000, "c1": 100_000, "c2": 100_000, "d": 50_000, "d1": 50_000,
    "international": 250_000,
}  # fmt: skip
_SIM_RENEWAL = {
    "a": 80_000, "a_umum": 80_000, "b1": 80_000, "b1_umum": 80_000, "b2": 80_000,
    "b2_umum": 80_000, "c": 75_000, "c1": 75_000, "c2": 75_000, "d": 30_000, "d1": 30_000,
    "international": 225_000,
}  # fmt: skip
_UMUM_RENEWAL_INFERRED = {"a_umum", "b1_umum", "b2_umum"}


def sim_fee_code(kind: str, sim_class: str) -> str:
    """``sim_fee_code("new", "c1")`` → ``"sim_new_c1"``. A class upgrade pays the new-issuance
    tariff of the target class; a replacement pays the renewal tariff (DOMAIN.md §4.1)."""
    if kind not in {"new", "renewal"} or sim_class not in SIM_CLASSES:
        raise ValueError(f"no SIM fee for {kind!r} {sim_class!r}")
    return f"sim_{kind}_{sim_class}"


# --- vehicle documents: code "<item>_<2w|4w>" --------------------------------------------------
WHEELS: dict[str, Promise] = {"2w": _("2- or 3-wheel"), "4w": _("4 or more wheels")}
VEHICLE_ITEMS: dict[str, tuple[Promise, str | Promise, int, int]] = {
    "stnk_new": (_("STNK, new"), _("per issuance"), 100_000, 200_000),
    "stnk_renewal": (_("STNK, 5-year renewal"), _("per issuance"), 100_000, 200_000),
    "stnk_endorsement": (_("STNK annual endorsement"), _("per year"), 25_000, 50_000),
    "tnkb": (_("TNKB plates, new or renewal"), _("per pair"), 60_000, 100_000),
    "bpkb_new": (_("BPKB, new"), _("per issuance"), 225_000, 375_000),
    "bpkb_transfer": (_("BPKB, change of ownership"), _("per issuance"), 225_000, 375_000),
    "bpkb_replacement": (_("BPKB replacement (lost or damaged)"), _("per issuance"), 225_000, 375_000),
    "mutation_letter": (_("Mutation letter to another region"), _("per issuance"), 150_000, 250_000),
    "stck": (_("STCK (trial-vehicle certificate)"), _("per issuance"), 25_000, 50_000),
}


def vehicle_fee_code(item: str, wheels: str) -> str:
    """``vehicle_fee_code("stnk_endorsement", "2w")`` → ``"stnk_endorsement_2w"``."""
    if item not in VEHICLE_ITEMS or wheels not in WHEELS:
        raise ValueError(f"no vehicle fee for {item!r} {wheels!r}")
    return f"{item}_{wheels}"


# --- chosen registration number (NRKB pilihan) -------------------------------------------------
_PLATE_CHOICE = {
    (1, False): 20_000_000, (1, True): 15_000_000, (2, False): 15_000_000, (2, True): 10_000_000,
    (3, False): 10_000_000, (3, True): 7_500_000, (4, False): 7_500_000, (4, True): 5_000_000,
}  # fmt: skip


def plate_choice_fee_code(digits: int, with_letters: bool) -> str:
    if (digits, with_letters) not in _PLATE_CHOICE:
        raise ValueError(f"no chosen-number fee for {digits} digits")
    return f"plate_choice_{digits}d_{'letters' if with_letters else 'no_letters'}"


# --- postage: one flat rate per zone, by the province of the delivery address ------------------
POSTAGE_ZONES: dict[str, tuple[Promise, int, frozenset[str]]] = {
    "postage_zone_1": (
        _("Java and Bali"),
        20_000,
        frozenset({"31", "32", "33", "34", "35", "36", "51"}),
    ),
    "postage_zone_2": (
        _("Sumatra and its islands"),
        30_000,
        frozenset({"11", "12", "13", "14", "15", "16", "17", "18", "19", "21"}),
    ),
    "postage_zone_3": (
        _("Kalimantan, Sulawesi and Nusa Tenggara"),
        40_000,
        frozenset({"52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76"}),
    ),
    "postage_zone_4": (
        _("Maluku and Papua"),
        60_000,
        frozenset({"81", "82", "91", "92", "93", "94", "95", "96"}),
    ),
}


def postage_fee_code(province_code: str) -> str:
    """The postage code for a delivery address in ``province_code`` (Kemendagri, 2 digits)."""
    for code, (_label, _amount, provinces) in POSTAGE_ZONES.items():
        if province_code in provinces:
            return code
    raise ValueError(f"province {province_code!r} is in no postage zone")


def _definitions() -> dict[str, FeeDefinition]:
    found: dict[str, FeeDefinition] = {}
    for kind, kind_label in (("new", _("new issuance")), ("renewal", _("renewal"))):
        for key, name in SIM_CLASSES.items():
            code = sim_fee_code(kind, key)
            found[code] = FeeDefinition(
                code=code,
                label=format_lazy("SIM {}, {}", name, kind_label),
                group="sim",
                unit=_("per card"),
                inferred=kind == "renewal" and key in _UMUM_RENEWAL_INFERRED,
            )
    for item, (label, unit, _two, _four) in VEHICLE_ITEMS.items():
        for wheels, wheels_label in WHEELS.items():
            code = vehicle_fee_code(item, wheels)
            found[code] = FeeDefinition(
                code=code,
                label=format_lazy("{} ({})", label, wheels_label),
                group="vehicle",
                unit=unit,
                inferred=item == "stck",
            )
    for digits, with_letters in _PLATE_CHOICE:
        code = plate_choice_fee_code(digits, with_letters)
        found[code] = FeeDefinition(
            code=code,
            label=format_lazy(
                "{}: {}",
                _("Chosen number with letters") if with_letters else _("Chosen number without letters"),
                format_lazy(_("{} digit(s)"), digits),
            ),
            group="plate_choice",
            unit=_("per number"),
        )
    for code, (label, _amount, _provinces) in POSTAGE_ZONES.items():
        found[code] = FeeDefinition(
            code=code,
            label=format_lazy("{}: {}", _("Postage"), label),
            group="postage",
            unit=_("per delivery"),
        )
    return found


FEES: dict[str, FeeDefinition] = _definitions()


def pp_76_2020_amounts() -> dict[str, int]:
    """The first schedule's amount for every code in ``FEES``."""
    amounts: dict[str, int] = {}
    for key in SIM_CLASSES:
        amounts[sim_fee_code("new", key)] = _SIM_NEW[key]
        amounts[sim_fee_code("renewal", key)] = _SIM_RENEWAL[key]
    for item, (_label, _unit, two, four) in VEHICLE_ITEMS.items():
        amounts[vehicle_fee_code(item, "2w")] = two
        amounts[vehicle_fee_code(item, "4w")] = four
    for (digits, with_letters), amount in _PLATE_CHOICE.items():
        amounts[plate_choice_fee_code(digits, with_letters)] = amount
    for code, (_label, amount, _provinces) in POSTAGE_ZONES.items():
        amounts[code] = amount
    return amounts
