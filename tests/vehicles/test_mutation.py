"""The ``vehicle_mutation`` service (move to another region) through the real services: draft →
submit at the registering Samsat → bill → payment → the origin releases the file to the
destination → physical check at the destination → approve → issue → a new plate of the
destination's region code, the registering Samsat changed, the history showing both offices, a
new e-STNK. And the refusals before payment, the plate allocation, the vehicle page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts import roles
from accounts.models import User
from applications.appointments import booking_create, slot_publish
from applications.models import Application
from applications.registry import get_service
from applications.selectors import forward_offices
from applications.services import TransitionRefused, application_start, attachment_add
from documents import rendering
from documents.models import IssuedDocument
from documents.registry import get_kind
from offices.models import AppointmentSlot, Office
from payments.models import Bill
from tests.accounts.factories import make_staff
from tests.applications.conftest import act
from tests.documents.conftest import layout_text
from tests.factories import sign_in_with_mfa
from tests.licensing.conftest import image_upload, pay
from tests.offices.factories import OfficeFactory
from tests.utils import jakarta
from tests.vehicles.conftest import BUDI, SITI, VIN_A, VIN_B, Register, citizen
from vehicles import ebpkb, estnk, identifiers, mutation, services
from vehicles.models import MutationApplication, Vehicle, VehicleHistoryEntry
from vehicles.mutation import SERVICE_CODE, MutationForm
from vehicles.physical_checks import physical_check_record

pytestmark = pytest.mark.django_db

STREET = "Jl. Asia Afrika 8, RT 01/RW 02"


@pytest.fixture(autouse=True)
def traveller() -> Iterator[Any]:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False) as moving:
        yield moving


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def siti(db: None) -> User:
    return citizen(SITI)


@pytest.fixture
def destination(db: None) -> Office:
    """A Samsat of another province issuing D plates (Bandung)."""
    return OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Uji Kota Bandung", plate_region_codes=["D"])


@pytest.fixture
def origin_officer(samsat: Office) -> User:
    return make_staff(roles.OFFICER, office=samsat)


@pytest.fixture
def destination_officer(destination: Office) -> User:
    return make_staff(roles.OFFICER, office=destination)


def unlocked(vehicle: Vehicle, user: User, chassis: str = VIN_A) -> Vehicle:
    assert services.vehicle_possession_prove(user=user, vehicle=vehicle, suffix=chassis[-5:])
    return vehicle


def in_order(register: Register, user: User, **overrides: Any) -> Vehicle:
    """A motorcycle registered at ``samsat`` (B), endorsed, next endorsement due 15 March 2026."""
    values: dict[str, Any] = {
        "stnk_valid_until": dt.date(2028, 3, 15),
        "last_endorsed_on": dt.date(2025, 3, 1),
    }
    values.update(overrides)
    return unlocked(register(SITI, **values), user)


def form_data(vehicle: Vehicle, destination: Office, **overrides: str) -> dict[str, str]:
    return {
        "vehicle": str(vehicle.public_id),
        "destination_samsat": str(destination.public_id),
        "new_street": STREET,
        "new_regency": "Kota Bandung",
        **overrides,
    }


def start(user: User, vehicle: Vehicle, destination: Office, delivery: str = "collection") -> Application:
    form = MutationForm(form_data(vehicle, destination), applicant=user)
    assert form.is_valid(), form.errors
    draft = application_start(
        applicant=user, service_code=SERVICE_CODE, details=form, delivery_choice=delivery
    )
    attachment_add(
        application_id=draft.pk, kind="ktp_scan", uploaded_file=image_upload("ktp.jpg"), actor=user
    )
    return draft


def reasons_of(refused: pytest.ExceptionInfo[TransitionRefused]) -> str:
    return " ".join(str(reason) for reason in refused.value.reasons)


def test_the_service_is_declared() -> None:
    service = get_service(SERVICE_CODE)
    assert service.route == (Office.Kind.SAMSAT, Office.Kind.SAMSAT)
    assert not service.approves_on_payment
    assert service.required_documents == ("ktp_scan",)
    assert set(service.delivery_choices) == {"courier", "collection"}
    assert service.document_kind == estnk.KIND
    assert service.listed_fee_codes == (
        "mutation_letter_2w",
        "mutation_letter_4w",
        "stnk_new_2w",
        "stnk_new_4w",
        "tnkb_2w",
        "tnkb_4w",
    )


def test_full_path_to_a_new_plate_at_the_destination(
    traveller: Any,
    client: Client,
    siti: User,
    register: Register,
    samsat: Office,
    destination: Office,
    origin_officer: User,
    destination_officer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    vehicle = in_order(register, siti)
    elsewhere = OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Uji Lain", plate_region_codes=["L"])
    draft = start(siti, vehicle, destination)
    row = MutationApplication.objects.get(application=draft)
    assert (row.origin_samsat, row.destination_samsat) == (samsat, destination)
    assert STREET not in row.new_address_ciphertext
    assert mutation.address_decrypt(row.new_address_ciphertext) == {
        "street": STREET,
        "regency": "Kota Bandung",
    }

    # Submitted only at the Samsat where the vehicle is registered.
    for office in (elsewhere, destination):
        with pytest.raises(TransitionRefused):
            act(draft, "submit", siti, office=office)
    application = act(draft, "submit", siti, office=samsat)
    assert application.status == "pending_payment"
    bill = Bill.objects.get(application=application)
    lines = [
        (line.kind, line.fee_code, line.quantity, line.amount) for line in bill.lines.order_by("position")
    ]
    # DOMAIN.md §4.2, 2- or 3-wheel: mutation letter 150,000; STNK 100,000; TNKB 60,000.
    assert lines == [
        ("pnbp", "mutation_letter_2w", 1, 150_000),
        ("pnbp", "stnk_new_2w", 1, 100_000),
        ("pnbp", "tnkb_2w", 1, 60_000),
    ]
    assert bill.total == 310_000

    with django_capture_on_commit_callbacks(execute=True):
        pay(application)
    application.refresh_from_db()
    assert application.status == "queued"
    application = act(application, "claim", origin_officer)
    # The origin neither schedules the check nor approves: it releases the file.
    with pytest.raises(TransitionRefused):
        act(application, "schedule", origin_officer)
    with pytest.raises(TransitionRefused) as refused:
        act(application, "approve", origin_officer)
    assert "Release the file to the destination Samsat" in reasons_of(refused)
    assert list(forward_offices(application=application)) == [destination]
    staff = Client()
    staff.cookies["django_language"] = "en"
    sign_in_with_mfa(staff, origin_officer)
    review = staff.get(f"/staf/antrean/{application.public_id}/").content.decode()
    assert "Move to another region (mutasi)" in review  # the panel
    assert "Not yet: the Samsat where the vehicle is registered reviews" in review
    assert destination.name in review
    assert elsewhere.name not in review
    with pytest.raises(TransitionRefused) as refused:
        act(application, "forward", origin_officer, office=elsewhere)
    assert "Choose one of the offices offered" in reasons_of(refused)
    application = act(application, "forward", origin_officer, office=destination)
    assert application.handling_office == destination
    row.refresh_from_db()
    assert row.released_at is not None

    application = act(application, "claim", destination_officer)
    # At the destination there is nowhere further to forward to.
    assert list(forward_offices(application=application)) == []
    for office in (samsat, destination):
        with pytest.raises(TransitionRefused):
            act(application, "forward", destination_officer, office=office)
    with pytest.raises(TransitionRefused) as refused:
        act(application, "approve", destination_officer)
    assert "physical check at this Samsat is not recorded" in reasons_of(refused)
    application = act(application, "schedule", destination_officer)
    assert application.status == "awaiting_appointment"

    starts_at = jakarta(2026, 3, 4, 9)
    slot = slot_publish(
        office=destination,
        kind=AppointmentSlot.Kind.PHYSICAL_CHECK,
        starts_at=starts_at,
        duration_minutes=30,
        capacity=2,
        actor=destination_officer,
    )
    booking = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=siti)
    traveller.move_to(starts_at + dt.timedelta(minutes=10))
    check = physical_check_record(
        booking_id=booking.pk,
        officer=destination_officer,
        chassis_matches=True,
        engine_matches=True,
        chassis_rubbing=image_upload("chassis.jpg"),
        engine_rubbing=image_upload("engine.jpg"),
    )
    assert check.passed
    application = act(application, "resume_review", destination_officer)
    application = act(application, "approve", destination_officer)
    application = act(application, "issue", destination_officer)
    assert application.status == "issued"

    vehicle.refresh_from_db()
    plate = identifiers.parse_plate(vehicle.plate_display)
    assert plate.region == "D" == vehicle.region_code
    assert 2000 <= int(plate.number) <= 6999  # a motorcycle's serial (DOMAIN.md §5.3)
    assert len(plate.suffix) == 3
    assert vehicle.plate_normalised == plate.normalised
    assert vehicle.registering_samsat == destination
    row.refresh_from_db()
    assert (row.previous_plate, row.new_plate, row.moved_on) == (
        "B 1234 ABC",
        vehicle.plate_display,
        dt.date(2026, 3, 4),
    )
    history = list(VehicleHistoryEntry.objects.filter(vehicle=vehicle).order_by("pk"))
    assert [(entry.kind, entry.office, entry.plate_display, entry.occurred_on) for entry in history] == [
        ("moved_out", samsat, "B 1234 ABC", dt.date(2026, 3, 2)),
        ("moved_in", destination, vehicle.plate_display, dt.date(2026, 3, 4)),
    ]

    document = IssuedDocument.objects.get(application=application, kind=estnk.KIND)
    kind = get_kind(estnk.KIND)
    text = layout_text(rendering.layout(kind, rendering.document_input(document, kind)))
    assert vehicle.plate_display in text
    assert destination.name in text
    assert "B 1234 ABC" not in text
    assert STREET not in text
    assert IssuedDocument.objects.filter(application=application, kind=ebpkb.KIND).exists()

    # The vehicle page shows both offices and both plates in the registration history.
    client.force_login(siti)
    client.cookies["django_language"] = "en"
    html = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    assert "Registration history" in html
    assert samsat.name in html
    assert destination.name in html
    assert "Registration released to another region" in html
    assert "Registration received from another region" in html
    assert "B 1234 ABC" in html
    # The application's page: where the move stands, the new plate; never the new address.
    page = client.get(f"/warga/permohonan/{application.public_id}/").content.decode()
    assert "File released" in page
    assert "2 March 2026" in page
    assert row.new_plate in page
    assert destination.name in page
    assert STREET not in page


def test_a_destination_in_the_same_region_is_refused_with_what_to_do(
    siti: User, register: Register, samsat: Office
) -> None:
    vehicle = in_order(register, siti)
    same_region = OfficeFactory(
        kind=Office.Kind.SAMSAT,
        name="Samsat Uji Jakarta Timur",
        plate_region_codes=["B"],
        regency=samsat.regency,
    )
    for office in (samsat, same_region):
        form = MutationForm(form_data(vehicle, office), applicant=siti)
        assert not form.is_valid()
        message = " ".join(form.errors["destination_samsat"])
        assert "not a move to another region (mutasi)" in message
        assert "change of address" in message
        assert "Samsat Uji Jakarta Barat" in message
    # Same region code B but another province (Kota Tangerang, Banten): a mutasi.
    tangerang = OfficeFactory(
        kind=Office.Kind.SAMSAT, name="Samsat Uji Kota Tangerang", plate_region_codes=["B"]
    )
    assert MutationForm(form_data(vehicle, tangerang), applicant=siti).is_valid()
    # A Samsat issuing no plates is not offered.
    no_plates = OfficeFactory(kind=Office.Kind.SAMSAT, plate_region_codes=[])
    assert not MutationForm(form_data(vehicle, no_plates), applicant=siti).is_valid()


def test_the_form_keeps_what_was_typed_and_lists_only_unlocked_vehicles(
    siti: User, register: Register, destination: Office
) -> None:
    locked = register(SITI, "B 5678 DEF", VIN_B)
    mine = in_order(register, siti)
    assert not MutationForm(form_data(locked, destination), applicant=siti).is_valid()
    budi = citizen(BUDI)
    assert not MutationForm(form_data(mine, destination), applicant=budi).is_valid()
    missing = MutationForm(form_data(mine, destination, new_street=""), applicant=siti)
    assert not missing.is_valid()
    assert "Enter the new address as on your KTP." in missing.errors["new_street"]
    assert missing.data["new_regency"] == "Kota Bandung"
    # The stored draft fills the form again (decrypted for its owner).
    draft = start(siti, mine, destination)
    again = MutationForm(application=draft, applicant=siti)
    assert again.initial["new_street"] == STREET
    assert again.initial["destination_samsat"] == destination


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"last_endorsed_on": dt.date(2024, 3, 1)}, "pay the annual endorsement first"),
        ({"state": "blocked", "state_reason": "Sengketa"}, "Contact the Samsat where it is registered"),
        ({"reported_stolen": True}, "reported stolen"),
        ({"stnk_valid_until": dt.date(2026, 2, 1)}, "Renew it first"),
    ],
)
def test_submission_is_refused_before_the_bill(
    change: dict[str, Any], expected: str, siti: User, register: Register, samsat: Office, destination: Office
) -> None:
    vehicle = in_order(register, siti)
    draft = start(siti, vehicle, destination)
    Vehicle.objects.filter(pk=vehicle.pk).update(**change)
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", siti, office=samsat)
    assert expected in reasons_of(refused)
    assert not Bill.objects.filter(application=draft).exists()
    # The vehicle page says the same, with no link.
    vehicle.refresh_from_db()
    vehicle.unlocked = True  # type: ignore[attr-defined]
    assert expected in " ".join(str(r) for r in mutation.vehicle_refusals_for(siti, vehicle))


def test_a_second_move_while_one_is_under_way_is_refused(
    siti: User, register: Register, samsat: Office, destination: Office
) -> None:
    vehicle = in_order(register, siti)
    first = act(start(siti, vehicle, destination), "submit", siti, office=samsat)
    vehicle.unlocked = True  # type: ignore[attr-defined]
    reasons = mutation.vehicle_refusals_for(siti, vehicle)
    assert [str(r) for r in reasons] == [
        f"A move of this vehicle's registration is already under way ({first.reference})."
    ]


def test_another_citizen_cannot_see_the_application(
    client: Client, siti: User, register: Register, destination: Office
) -> None:
    draft = start(siti, in_order(register, siti), destination)
    client.force_login(citizen(BUDI))
    assert client.get(f"/warga/permohonan/{draft.public_id}/").status_code == 404


def test_the_vehicle_page_offers_the_move_with_the_vehicle_preselected(
    client: Client, siti: User, register: Register
) -> None:
    vehicle = in_order(register, siti)
    client.force_login(siti)
    client.cookies["django_language"] = "en"
    html = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    link = f"/warga/permohonan/baru/{SERVICE_CODE}/?vehicle={vehicle.public_id}"
    assert "Move to another region (mutasi)" in html
    assert link in html
    assert "Apply to move the registration" in html
    page = client.get(link).content.decode()
    assert f'value="{vehicle.public_id}" selected' in page
    # Overdue endorsement: the refusal says what to do, no link.
    Vehicle.objects.filter(pk=vehicle.pk).update(last_endorsed_on=dt.date(2024, 3, 1))
    html = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    assert link not in html
    assert "pay the annual endorsement first" in html


def test_plate_allocation_never_draws_a_live_plate(
    monkeypatch: pytest.MonkeyPatch, register: Register, destination: Office
) -> None:
    register(SITI, "D 2345 ABC", VIN_A)
    drawn = iter([identifiers.parse_plate("D 2345 ABC"), identifiers.parse_plate("D 2346 ABC")])
    monkeypatch.setattr(mutation, "_candidate", lambda region, category: next(drawn))
    assert mutation.plate_allocate(office=destination, category="2w").display == "D 2346 ABC"


def test_plates_are_drawn_from_the_category_range(destination: Office) -> None:
    for category, (low, high) in (("2w", (2000, 6999)), ("4w", (1, 1999))):
        for _draw in range(20):
            plate = mutation.plate_allocate(office=destination, category=category)
            assert plate.region == "D"
            assert low <= int(plate.number) <= high
            assert not set(plate.suffix) & set("IOQ")


def test_a_plate_taken_meanwhile_is_drawn_again(
    monkeypatch: pytest.MonkeyPatch, siti: User, register: Register, destination: Office
) -> None:
    vehicle = register(SITI, "B 1234 ABC", VIN_A)
    register(SITI, "D 2345 ABC", VIN_B)  # live: the database refuses it a second time
    drawn = iter([identifiers.parse_plate("D 2345 ABC"), identifiers.parse_plate("D 2346 ABC")])
    monkeypatch.setattr(mutation, "plate_allocate", lambda office, category: next(drawn))
    plate = mutation.vehicle_replate(vehicle=vehicle, office=destination)
    assert plate.display == "D 2346 ABC"
    vehicle.refresh_from_db()
    assert (vehicle.plate_display, vehicle.registering_samsat) == ("D 2346 ABC", destination)
    assert Vehicle.objects.filter(plate_normalised="D2345ABC").count() == 1


def test_the_start_page_explains_a_same_region_destination_and_keeps_what_was_typed(
    client: Client, siti: User, register: Register, samsat: Office
) -> None:
    vehicle = in_order(register, siti)
    same_region = OfficeFactory(
        kind=Office.Kind.SAMSAT,
        name="Samsat Uji Jakarta Timur",
        plate_region_codes=["B"],
        regency=samsat.regency,
    )
    client.force_login(siti)
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/warga/permohonan/baru/{SERVICE_CODE}/",
        {**form_data(vehicle, same_region), "delivery_choice": "collection"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "not a move to another region (mutasi)" in html
    assert "Jl. Asia Afrika 8" in html
    assert not Application.objects.filter(service_code=SERVICE_CODE).exists()
