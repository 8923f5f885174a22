"""Demo vehicles for `make run` (never in production: the seed command skips demo data there).

The demo citizens (accounts.demo) get vehicles by their NIK, registered at Samsat Jakarta
Barat, with dates counted from the day the seed runs:

* the verified citizen: a motorcycle whose endorsement falls due in 20 days (last endorsed
  almost a year ago), a car whose endorsement is 40 days overdue, a motorcycle whose STNK
  expires in 25 days (the 5-year renewal is next), a car blocked as reported stolen, and a car
  whose STNK lapsed 670 days (about 22 months) ago, so the deletion warnings of Perpol 7/2021
  apply to it;
* the not-yet-verified citizen: a motorcycle in order, which appears once they verify.

Each vehicle is keyed by its plate: running the seed again (on any later day) adds nothing.
The printed lines give the last 5 chassis characters, which unlock a vehicle on
/warga/kendaraan/ — demo data only; the NIK is never printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from accounts.demo import CITIZENS, DOMAIN
from korlantas.lib import clock
from offices.models import Office
from vehicles import due_dates, identifiers, services
from vehicles.models import NOT_DELETED, OwnershipRecord, Vehicle

DEMO_SAMSAT = "samsat-jakarta-barat"


@dataclass(frozen=True)
class DemoVehicle:
    plate: str
    chassis: str
    engine: str
    make: str
    model: str
    vehicle_type: str
    category: str
    engine_cc: int
    colour: str
    year_made: int
    fuel: str
    njkb: int
    bpkb: str
    # The next due date, in days from today, and whether it is the 5-year renewal.
    due_in: int
    renewal: bool = False
    state: str = Vehicle.State.ACTIVE
    state_reason: str = ""


DEMO_VEHICLES: dict[str, list[DemoVehicle]] = {
    "warga.terverifikasi": [
        DemoVehicle(
            "B 3456 KJT", "MH1JM8117NK123456", "JM81E1123456", "Honda", "Vario 125", "Skuter",
            "2w", 125, "Hitam", 2022, "petrol", 18_500_000, "P08123456", due_in=20,
        ),
        DemoVehicle(
            "B 1789 SRT", "MHFM1BA3JNK045821", "1NRF245871", "Toyota", "Avanza 1.3 G", "Minibus",
            "4w", 1329, "Silver", 2022, "petrol", 185_000_000, "Q02458210", due_in=-40,
        ),
        DemoVehicle(
            "B 4521 UJA", "MH3SG3160MK302718", "G3E4E0302718", "Yamaha", "NMAX 155", "Skuter",
            "2w", 155, "Biru", 2021, "petrol", 24_000_000, "N07302718", due_in=25, renewal=True,
        ),
        DemoVehicle(
            "B 2011 PLM", "MHRDD1850PJ204567", "L12B31204567", "Honda", "Brio Satya E", "Hatchback",
            "4w", 1199, "Merah", 2023, "petrol", 150_000_000, "R01204567", due_in=150,
            state=Vehicle.State.BLOCKED, state_reason="Reported stolen",
        ),
        DemoVehicle(
            "B 1622 TRW", "MHKA6GJ6JLJ011622", "3SZ1011622", "Daihatsu", "Xenia 1.3 X", "Minibus",
            "4w", 1329, "Abu-abu", 2017, "petrol", 120_000_000, "M04011622", due_in=-670, renewal=True,
        ),
    ],
    "warga.belum.terverifikasi": [
        DemoVehicle(
            "B 6012 BDS", "MH1JM3128PK781245", "JM31E2781245", "Honda", "BeAT", "Skuter",
            "2w", 110, "Putih", 2023, "petrol", 15_000_000, "P09781245", due_in=200,
        ),
    ],
}  # fmt: skip


def dates_for(demo: DemoVehicle, today: dt.date) -> tuple[dt.date, dt.date]:
    """(STNK valid until, last endorsed on) that make the next due date ``today + due_in``."""
    due = today + dt.timedelta(days=demo.due_in)
    # Not the renewal: a due date in the STNK's third year (two more endorsements, then renewal).
    valid_until = due if demo.renewal else due_dates.add_years(due, 2)
    # The last endorsement paid the previous anniversary, 5 days before it fell due.
    last = due_dates.add_years(due, -1) - dt.timedelta(days=5)
    return valid_until, last


def _samsat() -> Office | None:
    return (
        Office.objects.filter(code=DEMO_SAMSAT).first()
        or Office.objects.filter(kind=Office.Kind.SAMSAT, is_active=True, polda__code="metro-jaya")
        .order_by("code")
        .first()
    )


def _seed_for(nik: str, email: str, vehicles: list[DemoVehicle], samsat: Office) -> Iterator[str]:
    today = clock.today()
    for demo in vehicles:
        plate = identifiers.parse_plate(demo.plate)
        vehicle = Vehicle.objects.filter(plate_normalised=plate.normalised, state__in=NOT_DELETED).first()
        if vehicle is None:
            valid_until, last = dates_for(demo, today)
            vehicle = services.vehicle_register(
                data=services.VehicleData(
                    plate=plate,
                    chassis_number=identifiers.validate_chassis(demo.chassis),
                    engine_number=identifiers.validate_engine_number(demo.engine),
                    make=demo.make,
                    model=demo.model,
                    vehicle_type=demo.vehicle_type,
                    category=demo.category,
                    engine_cc=demo.engine_cc,
                    colour=demo.colour,
                    year_made=demo.year_made,
                    fuel=demo.fuel,
                    plate_colour=Vehicle.PlateColour.WHITE,
                    njkb=demo.njkb,
                    stnk_valid_until=valid_until,
                    last_endorsed_on=last,
                    bpkb_number=demo.bpkb,
                    state=demo.state,
                    state_reason=demo.state_reason,
                ),
                owner_nik=nik,
                samsat=samsat,
                how=OwnershipRecord.How.REGISTRATION,
                owner_since=dt.date(demo.year_made, 6, 1),
            )
            if demo.state_reason == "Reported stolen":
                # A payment for it goes to an officer (the endorsement's ``no_flags``).
                Vehicle.objects.filter(pk=vehicle.pk).update(reported_stolen=True)
        standing = due_dates.standing(vehicle.stnk_valid_until, vehicle.last_endorsed_on, today)
        what = "5-year renewal" if standing.is_renewal else "endorsement"
        state = f", {vehicle.get_state_display()}" if vehicle.state != Vehicle.State.ACTIVE else ""
        yield (
            f"{email}: {vehicle.plate_display} ({vehicle.make} {vehicle.model}){state}, "
            f"{what} due {standing.due_on:%d %b %Y}; last 5 chassis characters {vehicle.chassis_number[-5:]}"
        )


def seed_demo_vehicles() -> list[str]:
    samsat = _samsat()
    if samsat is None:
        return ["no Samsat in the offices reference data: demo vehicles skipped"]
    lines: list[str] = []
    for local, nik, *_rest in CITIZENS:
        vehicles = DEMO_VEHICLES.get(local)
        if vehicles:
            lines.extend(_seed_for(nik, f"{local}@{DOMAIN}", vehicles, samsat))
    return lines
