"""The citizen's "My vehicles" pages (/warga/kendaraan/): found by the verified NIK only,
locked until possession is proven with the last 5 chassis characters, someone else's a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.services import nik_index
from audit.models import AuditEvent
from korlantas.lib import clock, navigation
from tests.offices.factories import OfficeFactory
from tests.vehicles.conftest import BUDI, RINA, SITI, VIN_A, VIN_B, VIN_C, Register, citizen
from vehicles import offers
from vehicles.due_dates import add_years
from vehicles.models import OwnershipRecord, Vehicle, VehicleClaim, VehicleHistoryEntry

pytestmark = pytest.mark.django_db

URL = "/warga/kendaraan/"


def detail_url(vehicle: Vehicle) -> str:
    return reverse("vehicles:detail", kwargs={"public_id": vehicle.public_id})


def unlock_url(vehicle: Vehicle) -> str:
    return reverse("vehicles:unlock", kwargs={"public_id": vehicle.public_id})


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_url_names_and_navigation_entry() -> None:
    assert reverse("vehicles:mine") == URL
    assert "vehicles:mine" in [item.url_name for item in navigation.items_for(citizen(SITI))]


def test_a_verified_citizen_sees_their_own_vehicles_locked(client: Client, register: Register) -> None:
    own = register(SITI, "B 1234 ABC", VIN_A)
    register(BUDI, "D 77 XY", VIN_B)
    html = signed_in(client, citizen(SITI)).get(URL).content.decode()
    assert "B 1234 ABC" in html
    assert "Honda Vario 125" in html
    assert "D 77 XY" not in html
    assert "Locked" in html
    assert "Prove possession" in html
    # Locked: nothing beyond plate, make and model — no dates, no colour, no chassis characters.
    assert "Hitam" not in html
    assert own.stnk_valid_until.strftime("%Y") not in html.split("B 1234 ABC", 1)[1].split("</section>")[0]
    assert VIN_A[-5:] not in html
    assert SITI not in html


def test_an_unverified_citizen_sees_nothing_tied_to_the_nik(client: Client, register: Register) -> None:
    vehicle = register(BUDI, "D 77 XY", VIN_B)
    user = citizen(BUDI, verified=False)
    html = signed_in(client, user).get(URL).content.decode()
    assert "Once your identity is verified" in html
    assert reverse("accounts:identity") in html
    assert "D 77 XY" not in html
    assert client.get(detail_url(vehicle)).status_code == 404
    assert client.post(unlock_url(vehicle), {"suffix": VIN_B[-5:]}).status_code == 404
    assert not VehicleClaim.objects.exists()


def test_a_citizen_without_vehicles_is_told_so(client: Client) -> None:
    assert (
        "No vehicle is registered to your NIK." in signed_in(client, citizen(RINA)).get(URL).content.decode()
    )


def test_another_citizens_vehicle_does_not_exist(client: Client, register: Register) -> None:
    theirs = register(SITI, "B 1234 ABC", VIN_A)
    signed_in(client, citizen(BUDI))
    assert client.get(detail_url(theirs)).status_code == 404
    assert client.post(unlock_url(theirs), {"suffix": VIN_A[-5:]}).status_code == 404
    assert not VehicleClaim.objects.exists()
    assert not AuditEvent.objects.filter(object_type="vehicle").exists()


def test_possession_unlocks_details_history_and_honest_service_labels(
    client: Client, register: Register
) -> None:
    vehicle = register(SITI, "B 1234 ABC", VIN_A, state="blocked", state_reason="Tax arrears")
    # An earlier owner (another person) in the history: never named.
    OwnershipRecord.objects.filter(vehicle=vehicle).update(from_date=dt.date(2024, 6, 1))
    OwnershipRecord.objects.create(
        vehicle=vehicle,
        owner_nik_index=nik_index(BUDI),
        from_date=dt.date(2022, 6, 1),
        to_date=dt.date(2024, 5, 31),
        how=OwnershipRecord.How.REGISTRATION,
    )
    user = citizen(SITI)
    signed_in(client, user)
    locked = client.get(detail_url(vehicle)).content.decode()
    assert "Unlock" in locked
    assert "Registration data" not in locked
    assert "Registration history" not in locked
    response = client.post(unlock_url(vehicle), {"suffix": " " + VIN_A[-5:].lower()})
    assert response.status_code == 302
    assert response["Location"] == detail_url(vehicle)
    assert VehicleClaim.objects.filter(user=user, vehicle=vehicle).exists()
    html = client.get(detail_url(vehicle)).content.decode()
    assert "Possession proven" in html
    assert "Registration data" in html
    assert "Nothing recorded through this portal yet" in html  # the registration history, empty
    assert "••••••••••••" + VIN_A[-5:] in html
    assert VIN_A not in html
    assert "JM81E1123456" in html  # the engine number
    assert "Tax arrears" in html
    assert "blocked vehicle cannot be endorsed" in html
    assert "Another owner" in html
    assert "You" in html
    assert "1 June 2022" in html
    assert "31 May 2024" in html
    assert BUDI not in html
    assert SITI not in html
    # Every registered service offer, in its order (endorsement 10, renewal 20, sale 30, BPKB
    # replacement 40, mutasi 50), none "coming soon".
    titles = [escape(str(offer.title)) for offer in offers.all_offers()]
    assert {"Annual STNK endorsement", "Move to another region (mutasi)"} <= set(titles)
    positions = [html.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "coming soon" not in html
    # Blocked: no link to any service, each refusal says what to do instead.
    assert "/warga/permohonan/baru/" not in html
    assert "This vehicle is blocked. Contact the Samsat where it is registered" in html
    assert "its registration can be moved afterwards" in html
    # The list shows the unlocked vehicle's dates and what falls due.
    listing = client.get(URL).content.decode()
    assert "Hitam" in listing
    assert "2022" in listing
    assert "Next annual endorsement due on" in listing or "annual endorsement" in listing
    events = AuditEvent.objects.filter(action="vehicle.possession_proven", object_id=str(vehicle.public_id))
    assert events.count() == 1
    assert VIN_A[-5:] not in str(events.get().details) + str(events.get().changed_fields)


def test_wrong_characters_get_one_generic_message_and_are_audited(client: Client, register: Register) -> None:
    vehicle = register(SITI, "B 1234 ABC", VIN_A)
    register(SITI, "B 5 C", VIN_C)
    signed_in(client, citizen(SITI))
    other_vehicle = client.post(unlock_url(vehicle), {"suffix": VIN_C[-5:]}).content.decode()
    wrong = client.post(unlock_url(vehicle), {"suffix": "ZZZZ9"}).content.decode()
    for html in (other_vehicle, wrong):
        assert "These characters do not match." in html
    assert not VehicleClaim.objects.exists()
    assert AuditEvent.objects.filter(action="vehicle.possession_failed").count() == 2
    # A malformed value is a form error, and costs no attempt.
    malformed = client.post(unlock_url(vehicle), {"suffix": "12"}).content.decode()
    assert "Enter the last 5 characters" in malformed
    assert AuditEvent.objects.filter(action="vehicle.possession_failed").count() == 2


def test_unlocking_is_rate_limited_per_user(client: Client, register: Register, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "vehicle_unlock": "3/h/user"}
    vehicle = register(SITI, "B 1234 ABC", VIN_A)
    signed_in(client, citizen(SITI))
    for _attempt in range(3):
        assert client.post(unlock_url(vehicle), {"suffix": "ZZZZ9"}).status_code == 200
    # Over the budget even the right characters are not looked at.
    assert client.post(unlock_url(vehicle), {"suffix": VIN_A[-5:]}).status_code == 429
    assert not VehicleClaim.objects.exists()
    assert AuditEvent.objects.filter(action="vehicle.possession_failed").count() == 3


def test_the_list_page_query_count_does_not_grow_with_vehicles(
    client: Client, register: Register, django_assert_num_queries: Any
) -> None:
    user = citizen(SITI)
    signed_in(client, user)
    first = register(SITI, "B 1 A", VIN_A)
    VehicleClaim.objects.create(user=user, vehicle=first)
    client.get(URL)  # the session's first request writes more than later ones
    with CaptureQueriesContext(connection) as one_vehicle:
        assert client.get(URL).status_code == 200
    # Two more vehicles, one unlocked and one blocked (locked): the same number of queries.
    second = register(SITI, "B 2 A", VIN_B, stnk_valid_until=clock.today() + dt.timedelta(days=10))
    VehicleClaim.objects.create(user=user, vehicle=second)
    register(SITI, "B 3 A", VIN_C, state="blocked", state_reason="Reported stolen")
    with django_assert_num_queries(len(one_vehicle)):
        html = client.get(URL).content.decode()
    assert html.count('<section class="card h-100" aria-labelledby="vehicle-') == 3


def test_the_detail_page_query_count_is_constant(
    client: Client, register: Register, django_assert_num_queries: Any
) -> None:
    user = citizen(SITI)
    signed_in(client, user)
    vehicle = register(SITI, "B 1 A", VIN_A)
    VehicleClaim.objects.create(user=user, vehicle=vehicle)
    client.get(detail_url(vehicle))
    with CaptureQueriesContext(connection) as captured:
        client.get(detail_url(vehicle))
    for day in range(5):
        OwnershipRecord.objects.create(
            vehicle=vehicle,
            owner_nik_index=nik_index(BUDI),
            from_date=dt.date(2010 + day, 1, 1),
            to_date=dt.date(2010 + day, 12, 31),
            how=OwnershipRecord.How.TRANSFER,
        )
        # The registration history: a different office on each row, loaded with the rows.
        VehicleHistoryEntry.objects.create(
            vehicle=vehicle,
            kind=VehicleHistoryEntry.Kind.MOVED_IN,
            occurred_on=dt.date(2010 + day, 6, 1),
            office=OfficeFactory(name=f"Samsat Riwayat {day}"),
            plate_display=f"D {day + 1} XY",
        )
    with django_assert_num_queries(len(captured)):
        html = client.get(detail_url(vehicle)).content.decode()
    assert html.count("Registration received from another region") == 5
    assert "Samsat Riwayat 4" in html
    assert "D 5 XY" in html


def test_the_list_says_what_falls_due_in_either_language(client: Client, register: Register) -> None:
    today = clock.today()
    user = citizen(SITI)
    soon, late = today + dt.timedelta(days=20), today - dt.timedelta(days=40)
    dates = {
        # plate: (STNK valid until, last endorsed on) → due soon, overdue, renewal soon, STNK expired
        "B 1 A": (add_years(soon, 2), add_years(soon, -1)),
        "B 2 A": (add_years(late, 3), add_years(late, -1)),
        "B 3 A": (today + dt.timedelta(days=25), today - dt.timedelta(days=340)),
        "B 4 A": (today - dt.timedelta(days=3), today - dt.timedelta(days=370)),
    }
    for (plate, (valid_until, last)), vin in zip(
        dates.items(), (VIN_A, VIN_B, VIN_C, "MHRDD1850PJ204567"), strict=True
    ):
        vehicle = register(SITI, plate, vin, stnk_valid_until=valid_until, last_endorsed_on=last)
        VehicleClaim.objects.create(user=user, vehicle=vehicle)
    client.force_login(user)
    indonesian = client.get(URL)
    assert indonesian.status_code == 200
    assert '<html lang="id">' in indonesian.content.decode()
    html = signed_in(client, user).get(URL).content.decode()
    assert "Endorsement due soon" in html
    assert "(in 20 days)" in html
    assert "Endorsement overdue" in html
    assert "40 days overdue" in html
    assert "Renewal due soon" in html
    assert "Renewal overdue" in html
