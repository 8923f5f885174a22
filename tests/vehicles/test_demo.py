"""Demo vehicles (vehicles.demo): the demo citizens' vehicles in several states, seeded once."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.demo import CITIZENS
from accounts.services import nik_index
from korlantas.lib import clock, seeding
from vehicles import due_dates
from vehicles.models import OwnershipRecord, Vehicle

pytestmark = pytest.mark.django_db

NEEDED = ("offices.regions", "offices.offices", "demo accounts", "vehicles.region_codes", "demo vehicles")


def seed() -> list[str]:
    lines: list[str] = []
    for seeder in seeding.seeders(include_demo=True):
        if seeder.name in NEEDED:
            lines.extend(seeder.run())
    return lines


def test_demo_citizens_get_vehicles_in_several_states_once() -> None:
    first = seed()
    niks = {local: nik for local, nik, *_rest in CITIZENS}
    today = clock.today()
    verified = {
        v.plate_display: v
        for v in Vehicle.objects.filter(owner_nik_index=nik_index(niks["warga.terverifikasi"]))
    }
    assert set(verified) == {"B 3456 KJT", "B 1789 SRT", "B 4521 UJA", "B 2011 PLM", "B 1622 TRW"}
    assert {v.registering_samsat.code for v in verified.values()} == {"samsat-jakarta-barat"}
    assert {v.category for v in verified.values()} == {"2w", "4w"}

    def standing(plate: str) -> due_dates.Standing:
        vehicle = verified[plate]
        return due_dates.standing(vehicle.stnk_valid_until, vehicle.last_endorsed_on, today)

    due_soon = standing("B 3456 KJT")
    assert (due_soon.kind, due_soon.status, due_soon.days) == ("endorsement", "due_soon", 20)
    assert verified["B 3456 KJT"].last_endorsed_on < today - dt.timedelta(days=300)
    overdue = standing("B 1789 SRT")
    assert (overdue.kind, overdue.status, overdue.overdue_days) == ("endorsement", "overdue", 40)
    renewal = standing("B 4521 UJA")
    assert (renewal.kind, renewal.status) == ("renewal", "due_soon")
    assert verified["B 4521 UJA"].stnk_valid_until == today + dt.timedelta(days=25)
    blocked = verified["B 2011 PLM"]
    assert (blocked.state, blocked.state_reason) == ("blocked", "Reported stolen")
    assert Vehicle.objects.filter(owner_nik_index=nik_index(niks["warga.belum.terverifikasi"])).count() == 1
    # Lapsed about 22 months ago: within the deletion warnings of Perpol 7/2021 (21–24 months).
    assert verified["B 1622 TRW"].stnk_valid_until == today - dt.timedelta(days=670)
    assert OwnershipRecord.objects.count() == 6

    counts = (Vehicle.objects.count(), OwnershipRecord.objects.count())
    second = seed()
    assert (Vehicle.objects.count(), OwnershipRecord.objects.count()) == counts
    vehicle_lines = [line for line in second if "chassis characters" in line]
    assert len(vehicle_lines) == 6
    assert [line for line in first if "chassis characters" in line] == vehicle_lines
    for nik in niks.values():
        assert not any(nik in line for line in first + second)


def test_without_the_offices_reference_data_demo_vehicles_are_skipped() -> None:
    lines = [
        line for s in seeding.seeders(include_demo=True) if s.name == "demo vehicles" for line in s.run()
    ]
    assert lines == ["no Samsat in the offices reference data: demo vehicles skipped"]
    assert not Vehicle.objects.exists()
