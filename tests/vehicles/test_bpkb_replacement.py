"""The ``bpkb_replacement`` service through the real services: documents per reason, submitted
at the registering Samsat only, paid, claimed, the physical check booked and recorded there,
forwarded to the Polda's BPKB unit, approved and issued → a new BPKB number, the history entry
and the e-BPKB (superseding the previous one)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from accounts import roles
from accounts.models import User
from applications.appointments import booking_create, slot_publish
from applications.models import Application, Booking
from applications.registry import get_service
from applications.services import TransitionRefused, application_start
from documents import rendering
from documents.models import IssuedDocument
from documents.registry import get_kind
from offices.models import AppointmentSlot, Office
from payments.models import Bill
from tests.accounts.factories import make_staff
from tests.applications.conftest import act
from tests.documents.conftest import layout_text
from tests.licensing.conftest import image_upload, pay, pdf_upload
from tests.offices.factories import OfficeFactory
from tests.utils import jakarta
from tests.vehicles.conftest import BUDI, SITI, VIN_A, VIN_B, Register, citizen
from vehicles import bpkb_replacement, ebpkb, services
from vehicles.bpkb_replacement import SERVICE_CODE, BpkbReplacementForm
from vehicles.models import BpkbReplacementApplication, Vehicle, VehicleHistoryEntry
from vehicles.physical_checks import physical_check_record

pytestmark = pytest.mark.django_db

START = jakarta(2026, 3, 2, 10)
LOST_DOCUMENTS = ("police_report", "police_bap", "not_pledged", "newspaper_notice", "newspaper_notice")


@pytest.fixture(autouse=True)
def traveller() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as machine:
        yield machine


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def siti(db: None) -> User:
    return citizen(SITI)


@pytest.fixture
def bpkb_unit(samsat: Office) -> Office:
    return OfficeFactory(
        kind=Office.Kind.BPKB_UNIT, name="Unit BPKB Uji", polda=samsat.polda, plate_region_codes=["B"]
    )


@pytest.fixture
def bpkb_officer(bpkb_unit: Office) -> User:
    return make_staff(roles.OFFICER, office=bpkb_unit)


def unlocked(vehicle: Vehicle, user: User, chassis: str = VIN_A) -> Vehicle:
    assert services.vehicle_possession_prove(user=user, vehicle=vehicle, suffix=chassis[-5:])
    return vehicle


def start(user: User, vehicle: Vehicle, reason: str = "lost", **extra: Any) -> Application:
    form = BpkbReplacementForm({"vehicle": str(vehicle.public_id), "reason": reason, **extra}, applicant=user)
    assert form.is_valid(), form.errors
    return application_start(
        applicant=user, service_code=SERVICE_CODE, details=form, delivery_choice="collection"
    )


def attach(application: Application, user: User, *kinds: str) -> None:
    from applications.services import attachment_add

    for kind in kinds:
        uploaded = image_upload() if kind == "damaged_bpkb" else pdf_upload()
        attachment_add(application_id=application.pk, kind=kind, uploaded_file=uploaded, actor=user)


def reasons(refused: pytest.ExceptionInfo[TransitionRefused]) -> list[str]:
    return [str(reason) for reason in refused.value.reasons]


def through_the_physical_check(
    application: Application, citizen_user: User, samsat: Office, officer: User, traveller: Any
) -> Application:
    """Paid → claimed at the Samsat → scheduled → booked → checked (both numbers match) → resumed."""
    pay(application)
    application = act(Application.objects.get(pk=application.pk), "claim", officer)
    with pytest.raises(TransitionRefused) as refused:
        act(application, "approve", officer)
    assert "The vehicle's physical check is not recorded yet: schedule it." in reasons(refused)
    application = act(application, "schedule", officer)
    assert application.status == "awaiting_appointment"
    now = dt.datetime.now(tz=dt.UTC)
    slot = slot_publish(
        office=samsat,
        kind=AppointmentSlot.Kind.PHYSICAL_CHECK,
        starts_at=now + dt.timedelta(days=2),
        duration_minutes=30,
        capacity=2,
        actor=officer,
    )
    booking = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=citizen_user)
    traveller.move_to(now + dt.timedelta(days=2, minutes=5))
    check = physical_check_record(
        booking_id=booking.pk,
        officer=officer,
        chassis_matches=True,
        engine_matches=True,
        chassis_rubbing=image_upload("chassis.jpg"),
        engine_rubbing=image_upload("engine.jpg"),
    )
    assert check.passed
    assert Booking.objects.get(pk=booking.pk).outcome == Booking.Outcome.PASS
    return act(Application.objects.get(pk=application.pk), "resume_review", officer)


def test_the_service_is_declared() -> None:
    service = get_service(SERVICE_CODE)
    assert service.route == (Office.Kind.SAMSAT, Office.Kind.BPKB_UNIT)
    assert service.reference_prefix == "GBP"
    assert not service.approves_on_payment
    assert service.required_documents == ()
    assert set(service.optional_documents) == {
        "police_report",
        "police_bap",
        "not_pledged",
        "newspaper_notice",
        "damaged_bpkb",
    }
    assert service.delivery_choices == ("courier", "collection")
    assert service.document_kind == ebpkb.KIND
    assert service.listed_fee_codes == ("bpkb_replacement_2w", "bpkb_replacement_4w")


def test_lost_book_full_path_to_a_new_bpkb_and_its_e_bpkb(
    siti: User,
    register: Register,
    samsat: Office,
    samsat_officer: User,
    bpkb_unit: Office,
    bpkb_officer: User,
    traveller: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    vehicle = unlocked(register(SITI), siti)
    assert vehicle.bpkb_number == "P08123456"
    draft = start(siti, vehicle, "lost", pledged="on")
    assert draft.subject == "B 1234 ABC"
    assert draft.reference.startswith("GBP")
    row = BpkbReplacementApplication.objects.get(application=draft)
    assert (row.vehicle, row.reason, row.pledged) == (vehicle, "lost", True)

    # Every missing document is named before the bill.
    attach(draft, siti, "police_report", "newspaper_notice")
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", siti, office=samsat)
    assert reasons(refused) == [
        "Upload the police investigation report (BAP).",
        "Upload the statement that the BPKB is not pledged, or the lender's letter.",
        "Upload the proof of at least 2 newspaper announcements of the loss, one file each (1 uploaded).",
    ]
    assert not Bill.objects.filter(application=draft).exists()
    attach(draft, siti, "police_bap", "not_pledged", "newspaper_notice")

    # Only at the vehicle's registering Samsat.
    elsewhere = OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", siti, office=elsewhere)
    assert reasons(refused) == ["Choose one of the offices offered for this application."]
    application = act(draft, "submit", siti, office=samsat)
    assert application.status == "pending_payment"
    bill = Bill.objects.get(application=application)
    assert [(line.kind, line.fee_code, line.amount) for line in bill.lines.order_by("position")] == [
        ("pnbp", "bpkb_replacement_2w", 225_000)
    ]

    application = through_the_physical_check(application, siti, samsat, samsat_officer, traveller)
    assert application.status == "in_review"
    # The Samsat does not approve: the Polda's BPKB unit does.
    with pytest.raises(TransitionRefused) as refused:
        act(application, "approve", samsat_officer)
    assert reasons(refused) == [
        "Forward the application to the BPKB unit of the Polda: it approves and issues the new BPKB."
    ]
    other_polda_unit = OfficeFactory(kind=Office.Kind.BPKB_UNIT)
    with pytest.raises(TransitionRefused):
        act(application, "forward", samsat_officer, office=other_polda_unit)
    application = act(application, "forward", samsat_officer, office=bpkb_unit)
    assert (application.status, application.handling_office) == ("queued", bpkb_unit)
    application = act(application, "claim", bpkb_officer)
    application = act(application, "approve", bpkb_officer)
    with django_capture_on_commit_callbacks(execute=True):
        application = act(application, "issue", bpkb_officer)
    assert application.status == "issued"

    vehicle.refresh_from_db()
    row.refresh_from_db()
    assert row.previous_bpkb_number == "P08123456"
    assert row.replaced_on == dt.date(2026, 3, 4)
    assert vehicle.bpkb_number != "P08123456"
    assert len(vehicle.bpkb_number) == 9
    assert vehicle.bpkb_number[0] in bpkb_replacement.BPKB_SERIES_LETTERS
    assert vehicle.bpkb_number[1:].isdigit()
    entry = VehicleHistoryEntry.objects.get(vehicle=vehicle, kind=VehicleHistoryEntry.Kind.BPKB_REPLACED)
    assert (entry.office, entry.plate_display, entry.application) == (bpkb_unit, "B 1234 ABC", application)

    document = IssuedDocument.objects.get(application=application, kind=ebpkb.KIND)
    assert document.status == IssuedDocument.Status.VALID
    assert document.is_rendered
    kind = get_kind(ebpkb.KIND)
    text = layout_text(rendering.layout(kind, rendering.document_input(document, kind)))
    assert vehicle.bpkb_number in text
    assert "B 1234 ABC" in text
    assert VIN_A not in text

    # A second replacement (damaged this time) supersedes the first e-BPKB.
    first_number = vehicle.bpkb_number
    act(application, "complete", None)  # collected (delivery is issue 9)
    second = replace_damaged(
        siti,
        vehicle,
        samsat,
        samsat_officer,
        bpkb_unit,
        bpkb_officer,
        traveller,
        django_capture_on_commit_callbacks,
    )
    document.refresh_from_db()
    assert document.status == IssuedDocument.Status.SUPERSEDED
    new_document = IssuedDocument.objects.get(application=second, kind=ebpkb.KIND)
    assert new_document.status == IssuedDocument.Status.VALID
    vehicle.refresh_from_db()
    assert BpkbReplacementApplication.objects.get(application=second).previous_bpkb_number == first_number
    assert vehicle.bpkb_number not in (first_number, "P08123456")
    assert VehicleHistoryEntry.objects.filter(vehicle=vehicle, kind="bpkb_replaced").count() == 2


def replace_damaged(
    user: User,
    vehicle: Vehicle,
    samsat: Office,
    samsat_officer: User,
    bpkb_unit: Office,
    bpkb_officer: User,
    traveller: Any,
    capture: Any,
) -> Application:
    draft = start(user, vehicle, "damaged", pledged="on")
    assert BpkbReplacementApplication.objects.get(application=draft).pledged is False
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", user, office=samsat)
    assert reasons(refused) == ["Upload the photo of the damaged BPKB."]
    attach(draft, user, "damaged_bpkb")
    application = act(draft, "submit", user, office=samsat)
    application = through_the_physical_check(application, user, samsat, samsat_officer, traveller)
    application = act(application, "forward", samsat_officer, office=bpkb_unit)
    application = act(application, "claim", bpkb_officer)
    application = act(application, "approve", bpkb_officer)
    with capture(execute=True):
        application = act(application, "issue", bpkb_officer)
    assert application.status == "issued"
    return application


def test_damaged_book_of_a_car_pays_the_four_wheel_fee(
    siti: User, register: Register, samsat: Office
) -> None:
    car = unlocked(
        register(SITI, "B 1 CAR", VIN_B, category="4w", make="Toyota", model="Avanza", engine_cc=1300),
        siti,
        VIN_B,
    )
    draft = start(siti, car, "damaged")
    attach(draft, siti, "damaged_bpkb")
    application = act(draft, "submit", siti, office=samsat)
    bill = Bill.objects.get(application=application)
    assert [(line.fee_code, line.amount) for line in bill.lines.all()] == [("bpkb_replacement_4w", 375_000)]


def test_refusals_before_the_bill(siti: User, register: Register, samsat: Office) -> None:
    from accounts.services import nik_index

    vehicle = unlocked(register(SITI), siti)
    first = start(siti, vehicle, "damaged")
    attach(first, siti, "damaged_bpkb")
    act(first, "submit", siti, office=samsat)
    # One under way: the vehicle page says so, with the reference (the core refuses a second draft).
    assert [
        str(r)
        for r in bpkb_replacement.replacement_refusals(vehicle, owner_index=nik_index(SITI), unlocked=True)
    ] == [
        f"A replacement BPKB for this vehicle is already under way ({first.reference}): follow it on "
        "your applications page."
    ]
    act(Application.objects.get(pk=first.pk), "cancel", siti)
    second = start(siti, vehicle, "damaged")
    attach(second, siti, "damaged_bpkb")
    Vehicle.objects.filter(pk=vehicle.pk).update(state="blocked", state_reason="Sengketa")
    with pytest.raises(TransitionRefused) as refused:
        act(second, "submit", siti, office=samsat)
    assert reasons(refused)[0].startswith(
        "This vehicle is blocked. Contact the Samsat where it is registered"
    )
    assert not Bill.objects.filter(application=second).exists()
    Vehicle.objects.filter(pk=vehicle.pk).update(state="deleted", state_reason="Perpol 7/2021")
    with pytest.raises(TransitionRefused) as refused:
        act(second, "submit", siti, office=samsat)
    assert reasons(refused) == [
        "This vehicle's registration was deleted: no BPKB can be issued for it any more."
    ]


def test_the_vehicle_page_offers_the_replacement(client: Client, siti: User, register: Register) -> None:
    vehicle = unlocked(register(SITI), siti)
    client.force_login(siti)
    client.cookies["django_language"] = "en"
    html = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    link = f"/warga/permohonan/baru/{SERVICE_CODE}/?vehicle={vehicle.public_id}"
    assert link in html
    assert "Apply for a replacement BPKB" in html
    page = client.get(link).content.decode()
    assert f'value="{vehicle.public_id}" selected' in page
    Vehicle.objects.filter(pk=vehicle.pk).update(state="blocked", state_reason="Sengketa")
    html = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    assert link not in html


def test_another_citizen_cannot_choose_the_vehicle_nor_see_the_application(
    client: Client, siti: User, register: Register, samsat: Office
) -> None:
    vehicle = unlocked(register(SITI), siti)
    budi = citizen(BUDI)
    assert not BpkbReplacementForm(
        {"vehicle": str(vehicle.public_id), "reason": "lost"}, applicant=budi
    ).is_valid()
    draft = start(siti, vehicle, "damaged")
    client.force_login(budi)
    assert client.get(f"/warga/permohonan/{draft.public_id}/").status_code == 404
    assert client.get(f"/warga/permohonan/{draft.public_id}/dokumen/").status_code == 404
    refusals = bpkb_replacement.replacement_refusals(vehicle, owner_index=None, unlocked=True)
    with translation.override("en"):  # a request above activated the page's language
        assert "not registered to you" in str(refusals[0])
