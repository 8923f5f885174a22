"""The ``stnk_renewal`` service through the real services: draft → submit at the registering
Samsat → bill → payment → claim → schedule → a physical-check booking → the check recorded →
resume → approve → issue → the STNK extended by 5 years and the e-STNK rendered, the previous
one superseded. The bill's arithmetic, every refusal, a failed check, and another citizen."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts import roles
from accounts.models import User
from applications.appointments import BookingRefused, booking_create, slot_publish
from applications.models import Application, Booking, StatusChange
from applications.registry import get_service
from applications.services import TransitionRefused, application_start
from documents.models import IssuedDocument
from documents.services import document_render
from offices.models import AppointmentSlot, Office
from payments.models import Bill
from tests.accounts.factories import make_staff
from tests.applications.conftest import act
from tests.factories import sign_in_with_mfa
from tests.licensing.conftest import image_upload, pay
from tests.offices.factories import OfficeFactory
from tests.utils import jakarta
from tests.vehicles.conftest import BUDI, SITI, VIN_A, VIN_B, Register, citizen
from vehicles import estnk, physical_checks, renewal, services
from vehicles.models import ProvinceTaxRule, RenewalApplication, Vehicle, VehicleHistoryEntry
from vehicles.renewal import SERVICE_CODE, RenewalForm
from vehicles.services_registry import SERVICE_CODE as ENDORSEMENT_CODE
from vehicles.services_registry import EndorsementForm

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)
VALID_UNTIL = dt.date(2026, 4, 15)  # the renewal opens on 14 February 2026 (60 days before)


@pytest.fixture
def traveller() -> Iterator[Any]:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _frozen(traveller: Any) -> None:
    return None


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _rates(samsat: Office) -> None:
    ProvinceTaxRule.objects.update_or_create(
        province=samsat.regency.province,
        defaults={
            "first_rate_bp": 200,
            "progressive_rates_bp": [250, 300, 350, 400],
            "fine_bp_per_month": 200,
        },
    )


@pytest.fixture
def siti(db: None) -> User:
    return citizen(SITI)


def unlocked(vehicle: Vehicle, user: User, chassis: str = VIN_A) -> Vehicle:
    assert services.vehicle_possession_prove(user=user, vehicle=vehicle, suffix=chassis[-5:])
    return vehicle


def due_vehicle(register: Register, user: User, **overrides: Any) -> Vehicle:
    values: dict[str, Any] = {"stnk_valid_until": VALID_UNTIL, "last_endorsed_on": dt.date(2025, 3, 20)}
    values.update(overrides)
    return unlocked(register(SITI, **values), user)


def start(user: User, vehicle: Vehicle, delivery: str = "collection") -> Application:
    form = RenewalForm({"vehicle": str(vehicle.public_id)}, applicant=user)
    assert form.is_valid(), form.errors
    return application_start(
        applicant=user, service_code=SERVICE_CODE, details=form, delivery_choice=delivery
    )


def bill_lines(application: Application) -> list[tuple[str, str, int, int]]:
    bill = Bill.objects.get(application=application)
    return [
        (line.kind, line.fee_code, line.quantity, line.amount) for line in bill.lines.order_by("position")
    ]


def reasons(refused: pytest.ExceptionInfo[TransitionRefused]) -> str:
    return " ".join(str(reason) for reason in refused.value.reasons)


def awaiting_check(application: Application, officer: User) -> Application:
    pay(application)
    application = act(application, "claim", officer)
    return act(application, "schedule", officer)


def book_check(traveller: Any, application: Application, officer: User, office: Office) -> Booking:
    """A physical-check slot tomorrow at 09:00 at ``office``, booked; the clock moved into it."""
    starts = jakarta(2026, 3, 3, 9)
    slot = slot_publish(
        office=office,
        kind=AppointmentSlot.Kind.PHYSICAL_CHECK,
        starts_at=starts,
        duration_minutes=60,
        capacity=4,
        actor=officer,
    )
    booking = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=application.applicant)
    traveller.move_to(jakarta(2026, 3, 3, 9, 30))
    return booking


def record(booking: Booking, officer: User, *, passed: bool = True) -> None:
    physical_checks.physical_check_record(
        booking_id=booking.pk,
        officer=officer,
        chassis_matches=True,
        engine_matches=passed,
        chassis_rubbing=image_upload("rangka.jpg"),
        engine_rubbing=image_upload("mesin.jpg"),
        notes="" if passed else "Engine number ground off",
    )


def actions(application: Application) -> list[str]:
    return list(
        StatusChange.objects.filter(application=application).order_by("pk").values_list("action", flat=True)
    )


# --- the declaration -----------------------------------------------------------------------------


def test_the_service_is_declared() -> None:
    service = get_service(SERVICE_CODE)
    assert service.reference_prefix == "PRP"
    assert service.route == (Office.Kind.SAMSAT,)
    assert not service.approves_on_payment
    assert service.delivery_choices == ("courier", "collection")
    assert service.document_kind == estnk.KIND
    assert service.listed_fee_codes == ("stnk_renewal_2w", "stnk_renewal_4w", "tnkb_2w", "tnkb_4w")


# --- the full path ---------------------------------------------------------------------------------


def test_full_path_to_the_e_stnk(
    traveller: Any,
    siti: User,
    register: Register,
    samsat: Office,
    samsat_officer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    vehicle = due_vehicle(register, siti)
    # An e-STNK issued earlier for this vehicle (by any vehicle service): the renewal supersedes it.
    form = EndorsementForm({"vehicle": str(vehicle.public_id)}, applicant=siti)
    assert form.is_valid()
    earlier = application_start(
        applicant=siti, service_code=ENDORSEMENT_CODE, details=form, delivery_choice="digital"
    )
    old = estnk.issue_estnk(application=earlier, vehicle=vehicle, actor=None)

    draft = start(siti, vehicle)
    assert draft.subject == "B 1234 ABC"
    other_samsat = OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Lain", plate_region_codes=["B"])
    with pytest.raises(TransitionRefused) as elsewhere:
        act(draft, "submit", siti, office=other_samsat)
    assert "Choose one of the offices offered for this application." in reasons(elsewhere)
    application = act(draft, "submit", siti, office=samsat)
    assert application.status == "pending_payment"
    assert application.reference.startswith("PRP")

    pay(application)
    application.refresh_from_db()
    assert application.status == "queued"  # an officer reviews every renewal
    application = act(application, "claim", samsat_officer)
    with pytest.raises(TransitionRefused) as refused:
        act(application, "approve", samsat_officer)
    assert "physical check is not recorded yet" in reasons(refused)
    application = act(application, "schedule", samsat_officer)
    assert application.status == "awaiting_appointment"

    booking = book_check(traveller, application, samsat_officer, samsat)
    record(booking, samsat_officer)
    officer_client = Client()
    sign_in_with_mfa(officer_client, samsat_officer)
    officer_client.cookies["django_language"] = "en"
    review = officer_client.get(f"/staf/antrean/{application.public_id}/").content.decode()
    assert "Vehicle to renew" in review
    assert "15 Apr 2031" in review  # the validity the renewal will give
    assert "Physical check" in review
    application = act(application, "resume_review", samsat_officer)
    application = act(application, "approve", samsat_officer)
    with django_capture_on_commit_callbacks(execute=True):
        application = act(application, "issue", samsat_officer)
    assert application.status == "issued"  # delivery of the plates is not built yet
    assert actions(application) == ["submit", "pay", "claim", "schedule", "resume_review", "approve", "issue"]

    vehicle.refresh_from_db()
    assert vehicle.stnk_valid_until == dt.date(2031, 4, 15)
    assert vehicle.last_endorsed_on == dt.date(2026, 3, 3)
    row = RenewalApplication.objects.get(application=application)
    assert (row.previous_valid_until, row.new_valid_until, row.renewed_on) == (
        VALID_UNTIL,
        dt.date(2031, 4, 15),
        dt.date(2026, 3, 3),
    )
    entry = VehicleHistoryEntry.objects.get(vehicle=vehicle, kind=VehicleHistoryEntry.Kind.RENEWED)
    assert (entry.office_id, entry.plate_display, entry.application_id) == (
        samsat.pk,
        "B 1234 ABC",
        application.pk,
    )

    document = IssuedDocument.objects.get(application=application, kind=estnk.KIND)
    old.refresh_from_db()
    assert old.status == IssuedDocument.Status.SUPERSEDED
    assert old.superseded_by_id == document.pk
    document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.is_rendered
    text = subprocess.run(
        ["pdftotext", "-layout", document.file.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "B 1234 ABC" in text
    assert "15-04-2031" in text
    assert "04.31" in text
    assert "Honda Vario 125" in text
    assert "S*** R********" in text
    assert SITI not in text
    assert VIN_A not in text
    assert VIN_A[-5:] in text

    # The applicant's page: the new validity, and honestly what is not built (plate delivery).
    client = Client()
    client.force_login(siti)
    client.cookies["django_language"] = "en"
    page = client.get(f"/warga/permohonan/{application.public_id}/").content.decode()
    assert "15 April 2031" in page
    assert "follow them under My deliveries" in page
    # The printed STNK and the plates became shipments; the application waits for them.
    from delivery.models import Shipment

    assert sorted(Shipment.objects.filter(application=application).values_list("item", flat=True)) == [
        "plates",
        "stnk",
    ]


def test_a_failed_check_blocks_the_approval(
    traveller: Any, siti: User, register: Register, samsat: Office, samsat_officer: User
) -> None:
    vehicle = due_vehicle(register, siti)
    application = awaiting_check(act(start(siti, vehicle), "submit", siti, office=samsat), samsat_officer)
    booking = book_check(traveller, application, samsat_officer, samsat)
    record(booking, samsat_officer, passed=False)
    assert Booking.objects.get(pk=booking.pk).outcome == Booking.Outcome.FAIL
    application = act(application, "resume_review", samsat_officer)
    with pytest.raises(TransitionRefused) as refused:
        act(application, "approve", samsat_officer)
    assert "did not match the registry" in reasons(refused)
    # The officer may schedule another check (a reading error) or reject.
    assert act(application, "schedule", samsat_officer).status == "awaiting_appointment"
    vehicle.refresh_from_db()
    assert vehicle.stnk_valid_until == VALID_UNTIL


def test_only_a_physical_check_slot_can_be_booked(
    traveller: Any, siti: User, register: Register, samsat: Office, samsat_officer: User
) -> None:
    vehicle = due_vehicle(register, siti)
    application = awaiting_check(act(start(siti, vehicle), "submit", siti, office=samsat), samsat_officer)
    biometric = slot_publish(
        office=samsat,
        kind=AppointmentSlot.Kind.BIOMETRIC,
        starts_at=jakarta(2026, 3, 3, 9),
        duration_minutes=60,
        capacity=4,
        actor=samsat_officer,
    )
    with pytest.raises(BookingRefused):
        booking_create(application_id=application.pk, slot_id=biometric.pk, citizen=siti)
    assert not Booking.objects.filter(application=application).exists()


# --- the bill ---------------------------------------------------------------------------------------


def test_the_bill_of_a_motorcycle_due_for_renewal(siti: User, register: Register, samsat: Office) -> None:
    vehicle = due_vehicle(register, siti)
    application = act(start(siti, vehicle), "submit", siti, office=samsat)
    # STNK 100,000 + TNKB 60,000 (2w); the 2026 tax year: PKB 18,500,000 × 2 % = 370,000,
    # opsen 66 % = 244,200, SWDKLLJ ≤250 cc 35,000; not late, so no fine.
    assert bill_lines(application) == [
        ("pnbp", "stnk_renewal_2w", 1, 100_000),
        ("pnbp", "tnkb_2w", 1, 60_000),
        ("tax", "", 1, 370_000),
        ("tax", "", 1, 244_200),
        ("insurance", "", 1, 35_000),
    ]
    assert Bill.objects.get(application=application).total == 809_200


def test_the_bill_of_a_lapsed_car(siti: User, register: Register, samsat: Office) -> None:
    vehicle = due_vehicle(
        register,
        siti,
        category="4w",
        engine_cc=1500,
        njkb=200_000_000,
        make="Toyota",
        model="Avanza",
        stnk_valid_until=dt.date(2025, 12, 1),
        last_endorsed_on=dt.date(2024, 11, 20),
    )
    application = act(start(siti, vehicle), "submit", siti, office=samsat)
    # STNK 200,000 + TNKB 100,000 (4w); the tax year due 1 December 2025: PKB 200,000,000 × 2 %
    # = 4,000,000, opsen 2,640,000, SWDKLLJ 143,000; 4 started months late on 2 March 2026:
    # 4,000,000 × 2 % × 4 = 320,000, and the SWDKLLJ late fine 100,000.
    assert bill_lines(application) == [
        ("pnbp", "stnk_renewal_4w", 1, 200_000),
        ("pnbp", "tnkb_4w", 1, 100_000),
        ("tax", "", 1, 4_000_000),
        ("tax", "", 1, 2_640_000),
        ("insurance", "", 1, 143_000),
        ("fine", "", 1, 320_000),
        ("fine", "", 1, 100_000),
    ]
    assert Bill.objects.get(application=application).total == 7_503_000


def test_a_missed_endorsement_is_paid_with_the_renewal() -> None:
    vehicle = Vehicle(stnk_valid_until=VALID_UNTIL, last_endorsed_on=dt.date(2024, 3, 20))
    assert renewal.years_due(vehicle, TODAY) == [dt.date(2025, 4, 15), dt.date(2026, 4, 15)]


# --- refusals before payment ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"state": "deleted", "state_reason": "Pasal 74"}, "can never be endorsed or renewed again"),
        ({"state": "blocked", "state_reason": "Tilang"}, "Contact the Samsat where it is registered"),
        ({"stnk_valid_until": dt.date(2027, 4, 15)}, "can be applied for from 14 February 2027"),
        ({"stnk_valid_until": dt.date(2024, 2, 1)}, "due for deletion"),
        ("owner", "not registered to you"),
    ],
)
def test_submission_is_refused_before_the_bill(
    change: Any, expected: str, siti: User, register: Register, samsat: Office
) -> None:
    vehicle = due_vehicle(register, siti)
    draft = start(siti, vehicle)
    if change == "owner":
        from accounts.services import nik_index

        Vehicle.objects.filter(pk=vehicle.pk).update(owner_nik_index=nik_index(BUDI))
    else:
        Vehicle.objects.filter(pk=vehicle.pk).update(**change)
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", siti, office=samsat)
    assert expected in reasons(refused)
    assert not Bill.objects.filter(application=draft).exists()


def test_a_locked_vehicle_and_a_renewal_under_way(siti: User, register: Register, samsat: Office) -> None:
    vehicle = due_vehicle(register, siti)
    locked = register(SITI, "B 5678 DEF", VIN_B, stnk_valid_until=VALID_UNTIL)
    assert not RenewalForm({"vehicle": str(locked.public_id)}, applicant=siti).is_valid()
    assert "Prove that you hold this vehicle" in str(
        renewal.renewal_refusals(locked, owner_index=vehicle.owner_nik_index, unlocked=False, today=TODAY)[0]
    )
    act(start(siti, vehicle), "submit", siti, office=samsat)
    refusals = renewal.renewal_refusals(
        vehicle, owner_index=vehicle.owner_nik_index, unlocked=True, today=TODAY
    )
    assert "already under way" in str(refusals[0])


# --- pages ---------------------------------------------------------------------------------------


def test_the_vehicle_page_offers_the_renewal(client: Client, siti: User, register: Register) -> None:
    vehicle = due_vehicle(register, siti)
    client.force_login(siti)
    client.cookies["django_language"] = "en"
    html = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    link = f"/warga/permohonan/baru/{SERVICE_CODE}/?vehicle={vehicle.public_id}"
    assert link in html
    assert "Apply for the 5-year renewal" in html
    page = client.get(link).content.decode()
    assert f'value="{vehicle.public_id}" selected' in page
    Vehicle.objects.filter(pk=vehicle.pk).update(stnk_valid_until=dt.date(2028, 4, 15))
    html = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    assert link not in html
    assert "can be applied for from 15 February 2028" in html


def test_another_citizen_cannot_see_the_renewal(
    client: Client, siti: User, register: Register, samsat: Office
) -> None:
    application = act(start(siti, due_vehicle(register, siti)), "submit", siti, office=samsat)
    client.force_login(siti)
    assert client.get(f"/warga/permohonan/{application.public_id}/").status_code == 200
    client.force_login(citizen(BUDI))
    assert client.get(f"/warga/permohonan/{application.public_id}/").status_code == 404


def test_staff_of_another_samsat_cannot_claim(siti: User, register: Register, samsat: Office) -> None:
    application = act(start(siti, due_vehicle(register, siti)), "submit", siti, office=samsat)
    pay(application)
    stranger = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    with pytest.raises(TransitionRefused):
        act(application, "claim", stranger)
