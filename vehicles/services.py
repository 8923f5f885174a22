"""Writes of the vehicle registry: region codes, registering a vehicle, the CSV import, and a
citizen's proof of possession.

* ``region_codes_load`` adds the codes of ``vehicles/reference/region_codes.py`` that are
  missing (the data migration and ``manage.py seed`` call it); a row an administrator edited is
  left as it is.
* ``vehicle_register`` records one vehicle with its first ownership record. The owner is given
  by NIK and stored only as its blind index (``accounts.services.nik_index``), so the vehicle is
  theirs once their identity is verified.
* ``vehicles_import_csv`` is the staff import (docs/vehicles.md, "Import format"): every row is
  checked, a row is accepted or rejected with all its reasons at once, the accepted rows are
  registered in one transaction, and the report is kept (``VehicleImport``). The rejected rows
  are kept encrypted for ``REJECTED_ROWS_DAYS`` for the officer to download, then erased. NIKs
  never reach a log, the audit trail (counts only) or the report.
* ``vehicle_possession_prove``: the last 5 characters of the chassis number unlock a vehicle for
  the citizen it is registered to (a ``VehicleClaim``); every attempt is audited, never its value.
"""

from __future__ import annotations

import csv
import datetime as dt
import hmac
import io
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import StaffMembership, User
from accounts.nik import NikError, parse_nik
from accounts.nik import normalise as normalise_nik
from accounts.services import nik_index
from audit.services import audit_record
from korlantas.lib import clock, pii
from korlantas.lib.spreadsheet import safe_cell
from offices.models import Office
from vehicles import identifiers
from vehicles.models import (
    NOT_DELETED,
    REJECTED_ROWS_PURPOSE,
    OwnershipRecord,
    RegionCode,
    Vehicle,
    VehicleClaim,
    VehicleImport,
)
from vehicles.reference.region_codes import REGION_CODES

logger = logging.getLogger("korlantas.vehicles")

AUDIT_IMPORTED = "vehicle.imported"
AUDIT_REJECTED_ROWS_DOWNLOADED = "vehicle.import_rejected_downloaded"
AUDIT_POSSESSION_PROVEN = "vehicle.possession_proven"
AUDIT_POSSESSION_FAILED = "vehicle.possession_failed"

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
REJECTED_ROWS_DAYS = 7
MAX_NJKB = 100_000_000_000  # Rp 100 billion: above it, a typing error
MAX_ENGINE_CC = 30_000


# --- region codes -------------------------------------------------------------------------


def region_codes_load() -> list[str]:
    """Add the reference codes that are missing; returns a line to print."""
    existing = set(RegionCode.objects.values_list("code", flat=True))
    missing = [entry for entry in REGION_CODES if entry.code not in existing]
    RegionCode.objects.bulk_create(
        RegionCode(
            code=entry.code,
            group=entry.group,
            covers=entry.covers,
            province_codes=list(entry.province_codes),
            confirmed=entry.confirmed,
            note=entry.note,
        )
        for entry in missing
    )
    return [f"{len(missing)} plate region codes added, {len(existing)} already present"]


# --- registering a vehicle ----------------------------------------------------------------


class VehicleRefused(ValueError):
    """The vehicle cannot be registered as given; ``reasons`` says why (all at once)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class VehicleData:
    """A vehicle as checked by ``vehicle_data_check`` (normalised identifiers)."""

    plate: identifiers.Plate
    chassis_number: str
    engine_number: str
    make: str
    model: str
    category: str
    engine_cc: int
    colour: str
    year_made: int
    fuel: str
    plate_colour: str
    njkb: int
    stnk_valid_until: dt.date
    vehicle_type: str = ""
    chassis_legacy_reason: str = ""
    last_endorsed_on: dt.date | None = None
    bpkb_number: str = ""
    state: str = Vehicle.State.ACTIVE
    state_reason: str = ""


def registry_conflicts(data: VehicleData) -> list[str]:
    """What already in the registry stops this vehicle (plate or chassis of a live vehicle)."""
    reasons = []
    live = Vehicle.objects.filter(state__in=NOT_DELETED)
    if live.filter(plate_normalised=data.plate.normalised).exists():
        reasons.append(_("Plate %(plate)s is already registered.") % {"plate": data.plate.display})
    if live.filter(chassis_number=data.chassis_number).exists():
        reasons.append(_("A vehicle with this chassis number is already registered."))
    return reasons


def vehicle_register(
    *,
    data: VehicleData,
    owner_nik: str,
    samsat: Office,
    how: str = OwnershipRecord.How.REGISTRATION,
    owner_since: dt.date | None = None,
) -> Vehicle:
    """Record one vehicle and its current owner. Raises ``VehicleRefused`` when its plate's
    region code is unknown, the Samsat is no Samsat, the NIK is malformed, or a live vehicle
    already has its plate or chassis number. Runs in the caller's transaction (or its own)."""
    reasons = []
    if samsat.kind != Office.Kind.SAMSAT:
        reasons.append(_("The registering office must be a Samsat."))
    if not RegionCode.objects.filter(code=data.plate.region).exists():
        reasons.append(_("%(code)s is not a known plate region code.") % {"code": data.plate.region})
    try:
        parse_nik(normalise_nik(owner_nik))
    except NikError as exc:
        reasons.append(_("Owner NIK: %(reason)s") % {"reason": exc.message})
    reasons += registry_conflicts(data)
    if reasons:
        raise VehicleRefused(reasons)
    owner = nik_index(normalise_nik(owner_nik))
    with transaction.atomic():
        vehicle = Vehicle.objects.create(
            plate_display=data.plate.display,
            plate_normalised=data.plate.normalised,
            region_code=data.plate.region,
            chassis_number=data.chassis_number,
            chassis_legacy_reason=data.chassis_legacy_reason,
            engine_number=data.engine_number,
            make=data.make,
            model=data.model,
            vehicle_type=data.vehicle_type,
            category=data.category,
            engine_cc=data.engine_cc,
            colour=data.colour,
            year_made=data.year_made,
            fuel=data.fuel,
            plate_colour=data.plate_colour,
            njkb=data.njkb,
            registering_samsat=samsat,
            stnk_valid_until=data.stnk_valid_until,
            last_endorsed_on=data.last_endorsed_on,
            bpkb_number=data.bpkb_number,
            owner_nik_index=owner,
            state=data.state,
            state_reason=data.state_reason,
        )
        OwnershipRecord.objects.create(
            vehicle=vehicle, owner_nik_index=owner, from_date=owner_since or clock.today(), how=how
        )
    logger.info("vehicle %s registered at office %s (state %s)", vehicle.pk, samsat.pk, vehicle.state)
    return vehicle


# --- the CSV import -----------------------------------------------------------------------

REQUIRED_COLUMNS = (
    "plate",
    "chassis_number",
    "engine_number",
    "make",
    "model",
    "category",
    "engine_cc",
    "colour",
    "year_made",
    "fuel",
    "plate_colour",
    "njkb",
    "stnk_valid_until",
    "owner_nik",
)
OPTIONAL_COLUMNS = (
    "chassis_legacy_reason",
    "type",
    "last_endorsed_on",
    "bpkb_number",
    "owner_since",
    "state",
    "state_reason",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Added to the downloaded rejected rows; ignored when such a file is imported again.
REASONS_COLUMN = "rejection_reasons"
ROW_COLUMN = "source_row"

CATEGORY_ALIASES = {"2w": "2w", "2": "2w", "3": "2w", "r2": "2w", "4w": "4w", "4": "4w", "r4": "4w"}
FUEL_ALIASES = {
    **{value: value for value in Vehicle.Fuel.values},
    "bensin": "petrol",
    "solar": "diesel",
    "listrik": "electric",
    "hibrida": "hybrid",
    "cng": "gas",
    "lpg": "gas",
}
PLATE_COLOUR_ALIASES = {
    **{value: value for value in Vehicle.PlateColour.values},
    "putih": "white",
    "hitam": "black",
    "kuning": "yellow",
    "merah": "red",
    "hijau": "green",
}
IMPORTABLE_STATES = {
    "": "active",
    "active": "active",
    "blocked": "blocked",
    "aktif": "active",
    "blokir": "blocked",
}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
_TEXT_LIMITS = {"make": 60, "model": 80, "type": 60, "colour": 40, "bpkb_number": 20, "state_reason": 200}


class ImportRefused(ValueError):
    """The whole file (or the importer) is refused; the message says why."""


@dataclass
class RowReport:
    row: int  # the line in the file (the header is line 1)
    plate: str  # display form when it parsed, else the text given (no personal data)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.reasons

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "plate": self.plate,
            "accepted": self.accepted,
            "reasons": self.reasons,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class ImportReport:
    record: VehicleImport
    rows: list[RowReport]

    @property
    def accepted(self) -> int:
        return sum(1 for row in self.rows if row.accepted)

    @property
    def rejected(self) -> int:
        return sum(1 for row in self.rows if not row.accepted)


def import_offices(user: User) -> list[Office]:
    """The Samsat ``user`` may import vehicles for: an officer's or supervisor's own office
    when it is a Samsat; every active Samsat of a Polda supervisor's Polda. Anyone else: none."""
    if not roles.roles_of(user) & {roles.OFFICER, roles.SUPERVISOR}:
        return []
    membership = StaffMembership.objects.filter(user=user).only("office_id", "polda_id").first()
    if membership is None:
        return []
    samsat = Office.objects.filter(kind=Office.Kind.SAMSAT)
    if membership.office_id is not None:
        return list(samsat.filter(pk=membership.office_id))
    if membership.polda_id is not None and roles.SUPERVISOR in roles.roles_of(user):
        return list(samsat.filter(polda_id=membership.polda_id, is_active=True).order_by("name"))
    return []


def _import_office(actor: User, samsat: Office | None) -> Office:
    offices = import_offices(actor)
    if not offices:
        raise ImportRefused(_("Only officers and supervisors of a Samsat import vehicles."))
    if samsat is None:
        if len(offices) > 1:
            raise ImportRefused(_("Choose the Samsat the vehicles are registered at."))
        return offices[0]
    if samsat.pk not in {office.pk for office in offices}:
        raise ImportRefused(_("You cannot import vehicles for this Samsat."))
    return samsat


def _read_text(file: IO[bytes] | IO[str]) -> str:
    raw = file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportRefused(_("The file is larger than 2 MB: split it into several files."))
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(_("The file is not UTF-8 text: save it as “CSV UTF-8”.")) from None


def _column_name(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _shown_column(name: str) -> str:
    """A column name to quote back: a file without its header has data (a NIK?) there."""
    if not name:
        return "(empty)"
    return "…" if re.search(r"[0-9]{5}", name) else name[:30]


def _reader(text: str) -> tuple[list[str], Iterable[list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_column_name(name) for name in next(rows)]
    except StopIteration:
        raise ImportRefused(_("The file is empty.")) from None
    except csv.Error:
        raise ImportRefused(_("The file is not a CSV file.")) from None
    while header and not header[-1]:
        header.pop()
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in (*COLUMNS, REASONS_COLUMN, ROW_COLUMN)]
    twice = sorted({name for name in header if header.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
    if unknown:
        problems.append(
            _("Unknown columns: %(names)s (see docs/vehicles.md for the header).")
            % {"names": ", ".join(_shown_column(name) for name in unknown)}
        )
    if twice:
        problems.append(_("Columns given twice: %(names)s.") % {"names": ", ".join(twice)})
    if problems:
        raise ImportRefused(" ".join(problems))
    return header, rows


def _date(value: str) -> dt.date:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _integer(value: str) -> int:
    digits = re.sub(r"^rp\.?", "", value.strip().lower()).replace(".", "").replace(",", "").replace(" ", "")
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(value)
    return int(digits)


@dataclass
class _CheckedRow:
    report: RowReport
    data: VehicleData | None
    owner_nik: str
    owner_since: dt.date | None
    values: dict[str, str]


def _check_row(number: int, values: Mapping[str, str], samsat: Office, known_codes: set[str]) -> _CheckedRow:
    """Every problem of one row, each a reason of its own; the NIK never appears in one."""
    today = clock.today()
    get = {name: (values.get(name) or "").strip() for name in COLUMNS}
    # The plate as typed is shown only once it parsed: a shifted column could put a NIK there.
    report = RowReport(row=number, plate="")
    reasons = report.reasons

    plate = None
    try:
        plate = identifiers.parse_plate(get["plate"])
        report.plate = plate.display
    except identifiers.IdentifierError as exc:
        reasons.append(_("Plate: %(reason)s") % {"reason": exc})
    if plate is not None:
        if plate.region not in known_codes:
            reasons.append(_("Plate: %(code)s is not a known region code.") % {"code": plate.region})
        elif samsat.plate_region_codes and plate.region not in samsat.plate_region_codes:
            report.warnings.append(
                _("Plate region %(code)s is not among those %(office)s serves (%(served)s).")
                % {
                    "code": plate.region,
                    "office": samsat.name,
                    "served": ", ".join(samsat.plate_region_codes),
                }
            )

    legacy_reason = get["chassis_legacy_reason"]
    chassis = ""
    try:
        chassis = identifiers.validate_chassis(get["chassis_number"], legacy=bool(legacy_reason))
        if legacy_reason and identifiers.is_iso_vin(chassis):
            report.warnings.append(_("A legacy reason is given for a valid 17-character chassis number."))
            legacy_reason = ""
    except identifiers.IdentifierError as exc:
        reasons.append(_("Chassis number: %(reason)s") % {"reason": exc})
    if len(legacy_reason) > 300:
        reasons.append(_("The legacy chassis reason is longer than 300 characters."))

    engine = ""
    try:
        engine = identifiers.validate_engine_number(get["engine_number"])
    except identifiers.IdentifierError as exc:
        reasons.append(_("Engine number: %(reason)s") % {"reason": exc})

    for name in ("make", "model", "colour"):
        if not get[name]:
            reasons.append(_("%(column)s is empty.") % {"column": name})
    for name, limit in _TEXT_LIMITS.items():
        if len(get[name]) > limit:
            reasons.append(
                _("%(column)s is longer than %(limit)s characters.") % {"column": name, "limit": limit}
            )

    category = CATEGORY_ALIASES.get(get["category"].lower())
    if category is None:
        reasons.append(_("category must be 2w (2- or 3-wheel) or 4w (4 or more wheels)."))
    fuel = FUEL_ALIASES.get(get["fuel"].lower())
    if fuel is None:
        reasons.append(_("fuel must be one of %(values)s.") % {"values": ", ".join(Vehicle.Fuel.values)})
    plate_colour = PLATE_COLOUR_ALIASES.get(get["plate_colour"].lower())
    if plate_colour is None:
        reasons.append(
            _("plate_colour must be one of %(values)s.") % {"values": ", ".join(Vehicle.PlateColour.values)}
        )

    engine_cc = year_made = njkb = None
    try:
        engine_cc = _integer(get["engine_cc"])
        if engine_cc > MAX_ENGINE_CC or (engine_cc == 0 and fuel != Vehicle.Fuel.ELECTRIC):
            reasons.append(_("engine_cc must be between 1 and 30000 (0 only for an electric vehicle)."))
    except ValueError:
        reasons.append(_("engine_cc must be a whole number of cc."))
    try:
        year_made = _integer(get["year_made"])
        if not 1900 <= year_made <= today.year + 1:
            reasons.append(_("year_made must be a year between 1900 and next year."))
    except ValueError:
        reasons.append(_("year_made must be a year, e.g. 2021."))
    try:
        njkb = _integer(get["njkb"])
        if not 0 < njkb <= MAX_NJKB:
            reasons.append(_("njkb must be a positive amount in rupiah."))
    except ValueError:
        reasons.append(_("njkb must be a whole amount in rupiah, e.g. 18500000."))

    valid_until = endorsed = owner_since = None
    try:
        valid_until = _date(get["stnk_valid_until"])
    except ValueError:
        reasons.append(_("stnk_valid_until must be a date such as 2028-03-15."))
    if get["last_endorsed_on"]:
        try:
            endorsed = _date(get["last_endorsed_on"])
            if endorsed > today:
                reasons.append(_("last_endorsed_on is in the future."))
            elif valid_until is not None and endorsed > valid_until:
                reasons.append(_("last_endorsed_on is after the STNK's validity ends."))
        except ValueError:
            reasons.append(_("last_endorsed_on must be a date such as 2025-03-15, or empty."))
    if get["owner_since"]:
        try:
            owner_since = _date(get["owner_since"])
            if owner_since > today:
                reasons.append(_("owner_since is in the future."))
        except ValueError:
            reasons.append(_("owner_since must be a date such as 2021-03-15, or empty."))

    owner_nik = normalise_nik(get["owner_nik"])
    try:
        parse_nik(owner_nik)
    except NikError as exc:
        reasons.append(_("owner_nik: %(reason)s") % {"reason": exc.message})

    state = IMPORTABLE_STATES.get(get["state"].lower())
    if state is None:
        reasons.append(_("state must be active or blocked (a deleted registration is not imported)."))
    elif state == Vehicle.State.BLOCKED and not get["state_reason"]:
        reasons.append(_("A blocked vehicle needs a state_reason (e.g. reported stolen)."))

    data = None
    if (
        not reasons
        and plate is not None
        and category
        and fuel
        and plate_colour
        and state
        and engine_cc is not None
        and year_made is not None
        and njkb is not None
        and valid_until is not None
    ):
        data = VehicleData(
            plate=plate,
            chassis_number=chassis,
            engine_number=engine,
            make=get["make"],
            model=get["model"],
            vehicle_type=get["type"],
            category=category,
            engine_cc=engine_cc,
            colour=get["colour"],
            year_made=year_made,
            fuel=fuel,
            plate_colour=plate_colour,
            njkb=njkb,
            stnk_valid_until=valid_until,
            chassis_legacy_reason=legacy_reason,
            last_endorsed_on=endorsed,
            bpkb_number=get["bpkb_number"],
            state=state,
            state_reason=get["state_reason"] if state != Vehicle.State.ACTIVE else "",
        )
    return _CheckedRow(
        report=report, data=data, owner_nik=owner_nik, owner_since=owner_since, values=dict(get)
    )


def _flag_duplicates(checked: list[_CheckedRow]) -> None:
    """A plate or chassis number on several rows of the file: every such row is rejected."""
    for key, label in (
        (
            lambda row: row.data.plate.normalised,
            _("Plate %(plate)s is also on row(s) %(rows)s of this file."),
        ),
        (
            lambda row: row.data.chassis_number,
            _("The chassis number is also on row(s) %(rows)s of this file."),
        ),
    ):
        rows_by_key: dict[str, list[_CheckedRow]] = {}
        for row in checked:
            if row.data is not None:
                rows_by_key.setdefault(key(row), []).append(row)
        for rows in rows_by_key.values():
            if len(rows) < 2:
                continue
            for row in rows:
                others = ", ".join(str(other.report.row) for other in rows if other is not row)
                row.report.reasons.append(label % {"plate": row.report.plate, "rows": others})


def _rejected_csv(header: list[str], rejected: list[_CheckedRow]) -> str:
    columns = [name for name in COLUMNS if name in header]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*columns, ROW_COLUMN, REASONS_COLUMN])
    for row in rejected:
        writer.writerow(
            [
                *(safe_cell(row.values.get(name, "")) for name in columns),
                row.report.row,
                safe_cell(" | ".join(row.report.reasons)),
            ]
        )
    return out.getvalue()


def vehicle_imports_purge() -> int:
    """Erase the rejected rows of imports past their keeping time; returns how many."""
    return (
        VehicleImport.objects.filter(rejected_rows_until__lte=clock.now())
        .exclude(rejected_rows_ciphertext="")
        .update(rejected_rows_ciphertext="")
    )


def vehicles_import_csv(
    file: IO[bytes] | IO[str], *, actor: User, samsat: Office | None = None, file_name: str = ""
) -> ImportReport:
    """Import vehicles registered at ``samsat`` (the actor's own Samsat when not given).

    Raises ``ImportRefused`` for the whole file (not staff of a Samsat, too large, not UTF-8,
    a wrong header, too many rows). Otherwise every data row is reported: accepted rows are
    registered (owner by NIK blind index, ``OwnershipRecord.How.IMPORT``), rejected rows carry
    every reason found. One transaction for the whole import."""
    office = _import_office(actor, samsat)
    header, reader = _reader(_read_text(file))
    known_codes = set(RegionCode.objects.values_list("code", flat=True))
    checked: list[_CheckedRow] = []
    try:
        for line_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(checked) >= MAX_IMPORT_ROWS:
                raise ImportRefused(
                    _("The file has more than %(count)s rows: split it.") % {"count": MAX_IMPORT_ROWS}
                )
            values = dict(zip(header, cells, strict=False))
            row = _check_row(line_number, values, office, known_codes)
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                row.report.reasons.append(_("The row has more cells than the header has columns."))
                row.data = None
            checked.append(row)
    except csv.Error:
        raise ImportRefused(_("The file is not valid CSV (a quote is not closed?).")) from None
    if not checked:
        raise ImportRefused(_("The file has a header but no vehicle rows."))
    _flag_duplicates(checked)

    vehicle_imports_purge()
    with transaction.atomic(durable=True):
        for row in checked:
            if row.data is None or row.report.reasons:
                continue
            try:
                with transaction.atomic():
                    vehicle_register(
                        data=row.data,
                        owner_nik=row.owner_nik,
                        samsat=office,
                        how=OwnershipRecord.How.IMPORT,
                        owner_since=row.owner_since,
                    )
            except VehicleRefused as refused:
                row.report.reasons.extend(refused.reasons)
            except IntegrityError:
                row.report.reasons.append(
                    _("Registered meanwhile by someone else (plate or chassis number).")
                )
        rejected = [row for row in checked if not row.report.accepted]
        record = VehicleImport.objects.create(
            office=office,
            actor_id=actor.pk,
            file_name=file_name[:120],
            rows=len(checked),
            accepted=len(checked) - len(rejected),
            rejected=len(rejected),
            report=[row.report.as_json() for row in checked],
            rejected_rows_ciphertext=(
                pii.encrypt(_rejected_csv(header, rejected), purpose=REJECTED_ROWS_PURPOSE)
                if rejected
                else ""
            ),
            rejected_rows_until=clock.now() + dt.timedelta(days=REJECTED_ROWS_DAYS) if rejected else None,
        )
        audit_record(
            action=AUDIT_IMPORTED,
            actor_id=actor.pk,
            object_type="vehicle_import",
            object_id=str(record.public_id),
            details={"rows": record.rows, "accepted": record.accepted, "rejected": record.rejected},
            office_id=office.pk,
        )
    logger.info(
        "vehicle import %s at office %s: %s rows, %s accepted, %s rejected",
        record.pk,
        office.pk,
        record.rows,
        record.accepted,
        record.rejected,
    )
    return ImportReport(record=record, rows=[row.report for row in checked])


def rejected_rows_csv(record: VehicleImport, *, actor: User, ip: str | None = None) -> str | None:
    """The rejected rows of an import (they hold NIKs: each download is audited), or None once
    erased."""
    if not record.rejected_rows_available:
        return None
    text = pii.decrypt(record.rejected_rows_ciphertext, purpose=REJECTED_ROWS_PURPOSE)
    audit_record(
        action=AUDIT_REJECTED_ROWS_DOWNLOADED,
        actor_id=actor.pk,
        object_type="vehicle_import",
        object_id=str(record.public_id),
        details={"rejected": record.rejected},
        ip=ip,
        office_id=record.office_id,
    )
    return text


# --- possession -----------------------------------------------------------------------------


def suffix_matches(vehicle: Vehicle, suffix: str) -> bool:
    """Constant-time comparison of the last 5 chassis characters (already normalised)."""
    return hmac.compare_digest(vehicle.chassis_number[-identifiers.SUFFIX_LENGTH :], suffix)


def vehicle_possession_prove(*, user: User, vehicle: Vehicle, suffix: str, ip: str | None = None) -> bool:
    """True, and the vehicle unlocked for ``user``, when ``suffix`` (normalised) matches.

    The caller has checked that the vehicle is registered to the user's verified NIK. Both
    outcomes are audited, without the characters typed."""
    proven = suffix_matches(vehicle, suffix)
    with transaction.atomic():
        if proven:
            VehicleClaim.objects.get_or_create(
                user=user, vehicle=vehicle, defaults={"proven_at": clock.now()}
            )
        audit_record(
            action=AUDIT_POSSESSION_PROVEN if proven else AUDIT_POSSESSION_FAILED,
            actor_id=user.pk,
            object_type="vehicle",
            object_id=str(vehicle.public_id),
            ip=ip,
        )
    return proven
