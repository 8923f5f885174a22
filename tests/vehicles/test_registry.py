"""The registry itself: region codes from the data migration, the database's rules,
``vehicle_register`` refusals, and the admin (read-only vehicles, searchable by plate)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.services import nik_index
from offices.models import Office
from tests.factories import UserFactory, sign_in_with_mfa
from tests.offices.factories import OfficeFactory
from tests.vehicles.conftest import BUDI, SITI, VIN_A, VIN_B, Register, vehicle_data
from vehicles import services
from vehicles.models import OwnershipRecord, RegionCode, Vehicle
from vehicles.reference.region_codes import REGION_CODES

pytestmark = pytest.mark.django_db


def test_the_region_code_table_is_seeded_once_and_admin_edits_survive() -> None:
    assert RegionCode.objects.count() == len(REGION_CODES)
    b = RegionCode.objects.get(code="B")
    assert b.province_codes == ["31", "32", "36"]
    assert b.confirmed
    assert not RegionCode.objects.get(code="DW").confirmed
    assert {"AB", "DK", "PS", "PY"} <= set(RegionCode.objects.values_list("code", flat=True))
    RegionCode.objects.filter(code="DW").update(confirmed=True, note="Confirmed by Polda Sulsel")
    RegionCode.objects.filter(code="PY").delete()
    services.region_codes_load()
    assert RegionCode.objects.get(code="DW").confirmed
    assert RegionCode.objects.filter(code="PY").exists()


def test_a_vehicle_is_registered_with_its_first_owner(register: Register) -> None:
    vehicle = register(SITI, "b 1234 abc", VIN_A)
    assert (vehicle.plate_display, vehicle.plate_normalised, vehicle.region_code) == (
        "B 1234 ABC",
        "B1234ABC",
        "B",
    )
    assert vehicle.owner_nik_index == nik_index(SITI)
    record = OwnershipRecord.objects.get(vehicle=vehicle)
    assert (record.how, record.to_date, record.owner_nik_index) == ("registration", None, nik_index(SITI))
    assert vehicle.masked_chassis == "•" * 12 + VIN_A[-5:]
    assert SITI not in str(Vehicle.objects.filter(pk=vehicle.pk).values().get())


def test_registration_refusals_name_every_reason(samsat: Office, register: Register) -> None:
    register(SITI, "B 1234 ABC", VIN_A)
    satpas = OfficeFactory(kind=Office.Kind.SATPAS)
    with pytest.raises(services.VehicleRefused) as refused:
        services.vehicle_register(
            data=vehicle_data("QQ 1234 ABC", VIN_A), owner_nik="3171014507900000", samsat=satpas
        )
    assert len(refused.value.reasons) == 4
    assert "must be a Samsat" in refused.value.reasons[0]
    assert "QQ is not a known plate region code" in refused.value.reasons[1]
    assert "Owner NIK" in refused.value.reasons[2]
    assert "chassis number is already registered" in refused.value.reasons[3]


def test_the_database_keeps_plates_and_chassis_numbers_unique_among_live_vehicles(register: Register) -> None:
    first = register(SITI, "B 1234 ABC", VIN_A)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Vehicle.objects.filter(pk=register(BUDI, "B 1 A", VIN_B).pk).update(plate_normalised="B1234ABC")
    # A deleted registration frees its plate and chassis number (and keeps its row).
    Vehicle.objects.filter(pk=first.pk).update(state="deleted", state_reason="Perpol 7/2021 Pasal 85")
    again = register(BUDI, "B 1234 ABC", VIN_A)
    assert Vehicle.objects.filter(plate_normalised="B1234ABC").count() == 2
    assert again.state == "active"


def test_the_database_refuses_inconsistent_rows(register: Register) -> None:
    vehicle = register(SITI, "B 1234 ABC", VIN_A)
    for change in (
        {"chassis_number": "K3120045871"},  # legacy number without a reason
        {"state": "blocked"},  # a block without a reason
        {"plate_normalised": "B0123"},
        {"category": "3w"},
    ):
        with transaction.atomic(), pytest.raises(IntegrityError):
            Vehicle.objects.filter(pk=vehicle.pk).update(**change)
    with transaction.atomic(), pytest.raises(IntegrityError):
        OwnershipRecord.objects.create(
            vehicle=vehicle, owner_nik_index="x", from_date=dt.date(2020, 1, 1), how="transfer"
        )  # a second current owner


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    sign_in_with_mfa(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_finds_a_vehicle_by_plate_and_shows_it_masked(
    admin_client: Client, register: Register
) -> None:
    wanted = register(SITI, "B 4321 XYZ", VIN_A)
    register(BUDI, "B 5 X", VIN_B)
    html = admin_client.get("/admin/vehicles/vehicle/", {"q": "b4321 xyz"}).content.decode()
    assert "B 4321 XYZ" in html
    assert "B 5 X" not in html
    by_chassis = admin_client.get("/admin/vehicles/vehicle/", {"q": VIN_B[-5:]}).content.decode()
    assert "B 5 X" in by_chassis
    assert "B 4321 XYZ" not in by_chassis
    assert "B 4321 XYZ" in admin_client.get("/admin/vehicles/vehicle/", {"q": "Vario"}).content.decode()
    page = admin_client.get(f"/admin/vehicles/vehicle/{wanted.pk}/change/").content.decode()
    assert wanted.masked_chassis in page
    assert VIN_A not in page
    assert admin_client.get("/admin/vehicles/vehicle/add/").status_code == 403
    assert admin_client.get("/admin/vehicles/regioncode/").status_code == 200
