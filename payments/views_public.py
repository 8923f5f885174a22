"""The public "Services and fees" page (``/biaya/``, no sign-in).

Generated from the same data bills are made from: the registered services
(``applications.registry``), the fee codes (``payments.fees``) and the schedule in force
(``payments.schedule``), so the page and the bills cannot disagree. A constant number of
queries whatever the number of services or fees: the schedule in force and its fees, the
upcoming schedules and their fees, the provinces' names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from applications import registry
from applications.registry import DeliveryChoice, ServiceDefinition
from offices.models import Province
from offices.reference import regions
from payments import fees as fee_codes
from payments.fees import FEES, GROUPS, POSTAGE_ZONES, SIM_CLASSES, WHEELS, sim_fee_code
from payments.models import FeeSchedule
from payments.schedule import NoScheduleInForce, fees_in_force, upcoming_schedules

Label = str | Promise


@dataclass(frozen=True)
class FeeItem:
    """One amount as the page shows it (``amount`` None: the schedule has no such fee)."""

    code: str
    label: Label
    unit: Label
    amount: int | None
    inferred: bool = False


@dataclass(frozen=True)
class Row:
    label: Label
    cells: list[FeeItem]
    unit: Label = ""
    # Postage: the provinces of the zone.
    places: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    group: str
    title: Label
    row_header: Label
    columns: list[Label]
    rows: list[Row]
    show_unit: bool = False
    notes: list[Label] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceCard:
    code: str
    name: Label
    description: Label
    documents: list[Label]
    delivery: list[Label]
    fees: list[FeeItem]


@dataclass(frozen=True)
class Change:
    label: Label
    before: int | None
    after: int | None


@dataclass(frozen=True)
class Upcoming:
    schedule: FeeSchedule
    changes: list[Change]


def _item(code: str, amounts: Mapping[str, int]) -> FeeItem:
    definition = FEES.get(code)
    if definition is None:
        return FeeItem(code=code, label=code, unit="", amount=amounts.get(code))
    return FeeItem(
        code=code,
        label=definition.label,
        unit=definition.unit,
        amount=amounts.get(code),
        inferred=definition.inferred,
    )


# --- the schedule, table by table -------------------------------------------------------------


def _sim_table(amounts: Mapping[str, int]) -> Table:
    rows = [
        Row(
            label=format_lazy("SIM {}", name),
            cells=[_item(sim_fee_code("new", key), amounts), _item(sim_fee_code("renewal", key), amounts)],
        )
        for key, name in SIM_CLASSES.items()
    ]
    return Table(
        group="sim",
        title=GROUPS["sim"],
        row_header=_("Class"),
        columns=[_("New issuance"), _("Renewal")],
        rows=rows,
        notes=[
            _("Amounts per card. A new issuance includes the tests."),
            _("A class upgrade pays the new-issuance fee of the target class."),
            _("Replacing a lost or damaged SIM pays the renewal fee of its class."),
        ],
    )


def _vehicle_item_label(item: str, fallback: Label) -> Label:
    # payments.fees keeps the item labels (without the wheel count) in its item table.
    entry = fee_codes.VEHICLE_ITEMS.get(item)
    return entry[0] if entry else fallback


def _vehicle_table(amounts: Mapping[str, int]) -> Table:
    items: dict[str, None] = {}
    for code, definition in FEES.items():
        if definition.group == "vehicle":
            items.setdefault(code.rsplit("_", 1)[0], None)
    rows = []
    for item in items:
        cells = [_item(f"{item}_{wheels}", amounts) for wheels in WHEELS]
        rows.append(Row(label=_vehicle_item_label(item, cells[0].label), cells=cells, unit=cells[0].unit))
    return Table(
        group="vehicle",
        title=GROUPS["vehicle"],
        row_header=_("Document"),
        columns=list(WHEELS.values()),
        rows=rows,
        show_unit=True,
    )


PLATE_CHOICE_CODE = re.compile(r"plate_choice_(\d+)d_(letters|no_letters)")


def _plate_choice_table(amounts: Mapping[str, int]) -> Table:
    digits = sorted(
        {int(match[1]) for code in FEES if (match := PLATE_CHOICE_CODE.fullmatch(code)) is not None}
    )
    rows = [
        Row(
            label=format_lazy(_("{} digit(s)"), count),
            cells=[
                _item(f"plate_choice_{count}d_no_letters", amounts),
                _item(f"plate_choice_{count}d_letters", amounts),
            ],
        )
        for count in digits
    ]
    return Table(
        group="plate_choice",
        title=GROUPS["plate_choice"],
        row_header=_("Digits in the number"),
        columns=[_("Without letters after the number"), _("With letters after the number")],
        rows=rows,
        notes=[_("Amounts per number, on top of the fees of the registration itself.")],
    )


def _postage_table(amounts: Mapping[str, int], province_names: Mapping[str, str]) -> Table:
    rows = [
        Row(
            label=label,
            cells=[_item(code, amounts)],
            places=[province_names.get(province, province) for province in sorted(provinces)],
        )
        for code, (label, _amount, provinces) in POSTAGE_ZONES.items()
    ]
    return Table(
        group="postage",
        title=GROUPS["postage"],
        row_header=_("Delivery zone"),
        columns=[_("Per delivery")],
        rows=rows,
        notes=[
            _(
                "Charged only when you choose delivery by courier, by the province of the delivery "
                "address. Postage is set by the portal, not by the regulation."
            )
        ],
    )


def _other_table(placed: set[str], amounts: Mapping[str, int]) -> Table | None:
    """Codes none of the tables above lays out (a code added later still shows)."""
    rest = [_item(code, amounts) for code in FEES if code not in placed]
    if not rest:
        return None
    return Table(
        group="other",
        title=_("Other fees"),
        row_header=_("Fee"),
        columns=[_("Amount")],
        rows=[Row(label=item.label, cells=[item], unit=item.unit) for item in rest],
        show_unit=True,
    )


def schedule_tables(amounts: Mapping[str, int], province_names: Mapping[str, str]) -> list[Table]:
    tables = [
        _sim_table(amounts),
        _vehicle_table(amounts),
        _plate_choice_table(amounts),
        _postage_table(amounts, province_names),
    ]
    placed = {cell.code for table in tables for row in table.rows for cell in row.cells}
    other = _other_table(placed, amounts)
    return [*tables, other] if other is not None else tables


@functools.cache
def _dataset_province_names() -> dict[str, str]:
    try:
        return {row.code: row.name for row in regions.provinces()}
    except regions.ReferenceDataError:
        return {}


def province_names() -> dict[str, str]:
    """The names of the provinces of the postage zones (one query): as seeded, or, for a
    province not seeded yet, as the official dataset spells it."""
    codes = sorted({p for _label, _amount, provinces in POSTAGE_ZONES.values() for p in provinces})
    seeded = dict(Province.objects.filter(code__in=codes).values_list("code", "name"))
    dataset = _dataset_province_names()
    return {code: seeded.get(code) or dataset.get(code, code) for code in codes}


# --- services and upcoming schedules ------------------------------------------------------------


def service_card(service: ServiceDefinition, amounts: Mapping[str, int]) -> ServiceCard:
    delivery_labels = dict(DeliveryChoice.choices)
    return ServiceCard(
        code=service.code,
        name=service.name,
        description=service.description,
        documents=[registry.DOCUMENT_KINDS.get(kind, kind) for kind in service.required_documents],
        delivery=[delivery_labels.get(choice, choice) for choice in service.delivery_choices],
        fees=[_item(code, amounts) for code in service.listed_fee_codes],
    )


def upcoming_changes(current: Mapping[str, int], schedules: list[FeeSchedule]) -> list[Upcoming]:
    """Each upcoming schedule with the amounts that differ from the one before it."""
    found = []
    before = dict(current)
    for schedule in schedules:
        after = {fee.code: fee.amount for fee in schedule.fees.all()}
        codes = [*FEES, *sorted(set(after) - set(FEES))]
        changes = [
            Change(label=_item(code, after).label, before=before.get(code), after=after.get(code))
            for code in codes
            if before.get(code) != after.get(code)
        ]
        found.append(Upcoming(schedule=schedule, changes=changes))
        before = after
    return found


def fee_page_context() -> dict[str, Any]:
    services = registry.all_services()
    try:
        in_force = fees_in_force()
    except NoScheduleInForce:
        return {"schedule": None, "services": [service_card(s, {}) for s in services]}
    tables = schedule_tables(in_force.amounts, province_names())
    cards = [service_card(s, in_force.amounts) for s in services]
    shown = [cell for table in tables for row in table.rows for cell in row.cells]
    shown += [fee for card in cards for fee in card.fees]
    return {
        "schedule": in_force.schedule,
        "services": cards,
        "tables": tables,
        "has_inferred": any(fee.inferred for fee in shown),
        "upcoming": upcoming_changes(in_force.amounts, upcoming_schedules()),
    }


@login_not_required
@require_GET
def fees(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/fees.html", fee_page_context())
