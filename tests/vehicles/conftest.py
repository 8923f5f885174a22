"""Fixtures of the vehicles tests, reached through the real services.

* ``region_codes`` (autouse for database tests): the plate region codes of the data migration,
  loaded again if an earlier ``transaction=True`` test flushed the tables.
* ``samsat`` (a Samsat serving B plates), ``samsat_officer``; ``vehicle_data(...)`` a checked
  ``VehicleData``; ``register(nik, ...)`` a vehicle recorded through ``vehicle_register``.
* Citizens: ``citizen(nik, verified=...)`` as in the licensing tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from accounts import roles
from accounts.models import User
from korlantas.lib import clock
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.offices.factories import OfficeFactory
from vehicles import endorsement, identifiers, services
from vehicles.models import Vehicle

SITI = "3171014507900003"  # woman, born 5 July 1990 (DKI Jakarta)
BUDI = "3273011203950002"  # man, born 12 March 1995 (Kota Bandung)
RINA = "3578015001880005"  # woman, born 10 January 1988 (Kota Surabaya)

VIN_A = "MH1JM8117NK123456"
VIN_B = "MHFM1BA3JNK045821"
VIN_C = "MH3SG3160MK302718"

_phones = iter(range(10_000, 99_999))


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages built outside a request (services, identifiers) read in English (their msgids)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def region_codes(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    services.region_codes_load()
    endorsement.tax_reference_load()


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def citizen(nik: str = SITI, *, verified: bool = True) -> User:
    return make_profile(nik, verified=verified, phone=f"+62812345{next(_phones)}").user


@pytest.fixture
def samsat(db: None) -> Office:
    return OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Uji Jakarta Barat", plate_region_codes=["B"])


@pytest.fixture
def samsat_officer(samsat: Office) -> User:
    return make_staff(roles.OFFICER, office=samsat)


def vehicle_data(
    plate: str = "B 1234 ABC",
    chassis: str = VIN_A,
    *,
    due_in: int | None = None,
    **overrides: Any,
) -> services.VehicleData:
    today = clock.today()
    values: dict[str, Any] = {
        "plate": identifiers.parse_plate(plate),
        "chassis_number": identifiers.validate_chassis(
            chassis, legacy=bool(overrides.get("chassis_legacy_reason"))
        ),
        "engine_number": "JM81E1123456",
        "make": "Honda",
        "model": "Vario 125",
        "vehicle_type": "Skuter",
        "category": "2w",
        "engine_cc": 125,
        "colour": "Hitam",
        "year_made": 2022,
        "fuel": "petrol",
        "plate_colour": "white",
        "njkb": 18_500_000,
        "stnk_valid_until": today + dt.timedelta(days=3 * 365),
        "last_endorsed_on": today - dt.timedelta(days=100),
        "bpkb_number": "P08123456",
    }
    values.update(overrides)
    return services.VehicleData(**values)


Register = Callable[..., Vehicle]


@pytest.fixture
def register(samsat: Office) -> Register:
    def make(nik: str = SITI, plate: str = "B 1234 ABC", chassis: str = VIN_A, **overrides: Any) -> Vehicle:
        return services.vehicle_register(
            data=vehicle_data(plate, chassis, **overrides), owner_nik=nik, samsat=samsat
        )

    return make
