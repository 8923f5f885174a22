"""The ``bpkb_transfer`` service and its transfer codes, through the real services: the seller's
code (single use, 30 days, revocable), the buyer's form (one generic failure, rate-limited), the
bill (STNK, TNKB and BPKB fees + a BBNKB line of Rp 0), the physical check at the Samsat, the
Polda's BPKB unit approving and issuing → the buyer owns the vehicle, the e-STNK and e-BPKB are
issued (the old e-BPKB superseded), the vehicle leaves the seller's list. And the pages."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from accounts import roles
from accounts.models import User
from accounts.services import nik_index
from applications.appointments import booking_create, slot_publish
from applications.models import Application
from applications.registry import get_service
from applications.services import TransitionRefused, application_start, attachment_add
from audit.models import AuditEvent
from documents.models import IssuedDocument
from offices.models import AppointmentSlot, Office
from payments.models import Bill
from tests.accounts.factories import make_staff
from tests.applications.conftest import act
from tests.factories import sign_in_with_mfa
from tests.licensing.conftest import image_upload, pay, pdf_upload
from tests.offices.factories import OfficeFactory
from tests.utils import jakarta
from tests.vehicles.conftest import BUDI, RINA, SITI, VIN_A, VIN_B, Register, citizen
from vehicles import ebpkb, selectors, services, transfer
from vehicles.models import (
    OwnershipRecord,
    TransferApplication,
    TransferCode,
    Vehicle,
    VehicleClaim,
    VehicleHistoryEntry,
)
from vehicles.physical_checks import physical_check_record
from vehicles.transfer import SERVICE_CODE, TransferForm

pytestmark = pytest.mark.django_db

START = jakarta(2026, 3, 2, 10)


@pytest.fixture(autouse=True)
def traveller() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as machine:
        yield machine


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def register(register: Register) -> Register:
    """The conftest's ``register`` with an endorsement that is not overdue on 2 March 2026 (due
    15 March 2026): an overdue one refuses the submission."""

    def make(*args: Any, **overrides: Any) -> Vehicle:
        overrides.setdefault("stnk_valid_until", dt.date(2028, 3, 15))
        overrides.setdefault("last_endorsed_on", dt.date(2025, 3, 1))
        return register(*args, **overrides)

    return make


@pytest.fixture
def siti(db: None) -> User:
    return citizen(SITI)


@pytest.fixture
def budi(db: None) -> User:
    return citizen(BUDI)


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


def form(buyer: User, **data: str) -> TransferForm:
    return TransferForm(data, applicant=buyer)


def start(buyer: User, *, plate: str = "B 1234 ABC", code: str = "", suffix: str = "") -> Application:
    basis = "code" if code else "receipt"
    details = form(buyer, plate=plate, basis=basis, transfer_code=code, chassis_suffix=suffix)
    assert details.is_valid(), details.errors
    return application_start(
        applicant=buyer, service_code=SERVICE_CODE, details=details, delivery_choice="collection"
    )


def reasons(refused: pytest.ExceptionInfo[TransitionRefused]) -> list[str]:
    return [str(reason) for reason in refused.value.reasons]


def errors(details: TransferForm) -> list[str]:
    return [str(error) for errors in details.errors.values() for error in errors]


def through_the_physical_check(
    application: Application, buyer: User, samsat: Office, officer: User, traveller: Any
) -> Application:
    """Paid → claimed at the Samsat → scheduled → booked → checked (both match) → resumed."""
    pay(application)
    application = act(Application.objects.get(pk=application.pk), "claim", officer)
    application = act(application, "schedule", officer)
    now = dt.datetime.now(tz=dt.UTC)
    slot = slot_publish(
        office=samsat,
        kind=AppointmentSlot.Kind.PHYSICAL_CHECK,
        starts_at=now + dt.timedelta(days=2),
        duration_minutes=30,
        capacity=4,
        actor=officer,
    )
    booking = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=buyer)
    traveller.move_to(now + dt.timedelta(days=2, minutes=5))
    physical_check_record(
        booking_id=booking.pk,
        officer=officer,
        chassis_matches=True,
        engine_matches=True,
        chassis_rubbing=image_upload("chassis.jpg"),
        engine_rubbing=image_upload("engine.jpg"),
    )
    return act(Application.objects.get(pk=application.pk), "resume_review", officer)


def to_the_bpkb_unit(
    application: Application,
    buyer: User,
    samsat: Office,
    samsat_officer: User,
    bpkb_unit: Office,
    bpkb_officer: User,
    traveller: Any,
) -> Application:
    application = through_the_physical_check(application, buyer, samsat, samsat_officer, traveller)
    application = act(application, "forward", samsat_officer, office=bpkb_unit)
    return act(application, "claim", bpkb_officer)


# --- the declaration ------------------------------------------------------------------------


def test_the_service_is_declared() -> None:
    service = get_service(SERVICE_CODE)
    assert service.route == (Office.Kind.SAMSAT, Office.Kind.BPKB_UNIT)
    assert service.reference_prefix == "BBN"
    assert not service.approves_on_payment
    assert service.optional_documents == ("sale_receipt", "seller_ktp")
    assert service.delivery_choices == ("courier", "collection")
    assert service.document_kind == ebpkb.KIND
    assert service.listed_fee_codes == (
        "stnk_new_2w",
        "stnk_new_4w",
        "tnkb_2w",
        "tnkb_4w",
        "bpkb_transfer_2w",
        "bpkb_transfer_4w",
    )


# --- transfer codes -------------------------------------------------------------------------


def test_a_code_is_shown_once_and_stored_only_as_a_keyed_hash(siti: User, register: Register) -> None:
    vehicle = unlocked(register(SITI), siti)
    code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    groups = plain.split("-")
    assert [len(group) for group in groups] == [4, 4, 4]
    assert set("".join(groups)) <= set(transfer.CODE_ALPHABET)
    assert code.code_hash == transfer.code_hash(plain) == transfer.code_hash(plain.lower().replace("-", " "))
    assert transfer.normalise_code(plain) not in code.code_hash
    assert code.expires_at == START + dt.timedelta(days=30)
    assert code.seller_nik_index == nik_index(SITI)
    assert transfer.code_status(code) == transfer.CodeStatus.OPEN
    # Neither the code nor its hash is in the audit trail.
    events = AuditEvent.objects.filter(action="vehicle.transfer_code_created")
    assert events.count() == 1
    assert plain not in str(events.get().details)
    assert code.code_hash not in str(events.get().details)

    # A new code revokes the open one.
    second, _plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    code.refresh_from_db()
    assert transfer.code_status(code) == transfer.CodeStatus.REVOKED
    assert transfer.code_status(second) == transfer.CodeStatus.OPEN
    transfer.transfer_code_revoke(seller=siti, code=second)
    second.refresh_from_db()
    assert transfer.code_status(second) == transfer.CodeStatus.REVOKED
    with pytest.raises(transfer.TransferCodeRefused):
        transfer.transfer_code_revoke(seller=siti, code=second)


def test_only_a_verified_owner_who_proved_possession_may_create_a_code(
    siti: User, budi: User, register: Register
) -> None:
    vehicle = register(SITI)

    def refused(user: User) -> list[str]:
        with pytest.raises(transfer.TransferCodeRefused) as exc:
            transfer.transfer_code_create(seller=user, vehicle=vehicle)
        return [str(reason) for reason in exc.value.reasons]

    assert refused(siti)[0].startswith("Prove that you hold this vehicle first")
    assert refused(budi)[0].startswith("This vehicle is not registered to you")
    assert "apply for the change of ownership with the stamped sale receipt" in refused(budi)[0]
    unverified = citizen(RINA, verified=False)
    assert refused(unverified)[0].startswith("Verify your identity first")
    unlocked(vehicle, siti)
    Vehicle.objects.filter(pk=vehicle.pk).update(state="blocked", state_reason="Sengketa")
    assert refused(siti)[0].startswith("This vehicle is blocked.")
    Vehicle.objects.filter(pk=vehicle.pk).update(state="active", state_reason="", reported_stolen=True)
    assert refused(siti)[0].startswith("This vehicle is reported stolen")
    Vehicle.objects.filter(pk=vehicle.pk).update(
        state="deleted", state_reason="Perpol", reported_stolen=False
    )
    assert refused(siti) == ["This vehicle's registration was deleted: it can no longer change owner."]
    assert not TransferCode.objects.exists()


def test_a_wrong_plate_or_code_gets_one_generic_message_and_is_rate_limited(
    siti: User, budi: User, register: Register
) -> None:
    vehicle = unlocked(register(SITI), siti)
    register(RINA, "B 5678 DEF", VIN_B)
    _code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    generic = str(transfer.GENERIC_LOOKUP_FAILURE)
    wrong_code = "AAAA-AAAA-AAAA" if plain != "AAAA-AAAA-AAAA" else "BBBB-BBBB-BBBB"
    attempts = [
        {"plate": "B 1234 ABC", "basis": "code", "transfer_code": wrong_code},
        {"plate": "B 5678 DEF", "basis": "code", "transfer_code": plain},  # another vehicle's plate
        {"plate": "B 9999 ZZZ", "basis": "code", "transfer_code": plain},  # no such plate
        {"plate": "B 1234 ABC", "basis": "code", "transfer_code": "SHORT"},
        {"plate": "B 1234 ABC", "basis": "receipt", "chassis_suffix": "99999"},
    ]
    for data in attempts:
        details = form(budi, **data)
        assert not details.is_valid()
        assert errors(details) == [generic], data
        assert "Siti" not in str(details.errors)
    # Format errors are the field's own, and cost no attempt.
    details = form(budi, plate="1234", basis="code", transfer_code=plain)
    assert not details.is_valid()
    assert "plate" in details.errors
    details = form(budi, plate="B 1234 ABC", basis="code")
    assert errors(details) == ["Enter the transfer code the seller gave you."]
    # 10 attempts an hour: the 5 above and 5 more, then even the right code is refused.
    for _i in range(5):
        assert not form(budi, plate="B 1234 ABC", basis="code", transfer_code=wrong_code).is_valid()
    details = form(budi, plate="B 1234 ABC", basis="code", transfer_code=plain)
    assert not details.is_valid()
    assert errors(details)[0].startswith("Too many attempts.")
    assert form(citizen(RINA), plate="B 1234 ABC", basis="code", transfer_code=plain).is_valid()


def test_a_code_expires_after_30_days(siti: User, budi: User, register: Register, traveller: Any) -> None:
    vehicle = unlocked(register(SITI), siti)
    code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    traveller.move_to(START + dt.timedelta(days=30, seconds=-1))
    assert form(budi, plate="B 1234 ABC", basis="code", transfer_code=plain).is_valid()
    traveller.move_to(START + dt.timedelta(days=30))
    details = form(budi, plate="B 1234 ABC", basis="code", transfer_code=plain)
    assert errors(details) == [str(transfer.GENERIC_LOOKUP_FAILURE)]
    assert transfer.code_status(code) == transfer.CodeStatus.EXPIRED


def test_a_code_expired_or_revoked_after_the_draft_is_refused_at_submit(
    siti: User, budi: User, register: Register, samsat: Office, traveller: Any
) -> None:
    vehicle = unlocked(register(SITI), siti)
    code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    draft = start(budi, code=plain)
    assert transfer.code_status(code) == transfer.CodeStatus.RESERVED
    transfer.transfer_code_revoke(seller=siti, code=code)
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", budi, office=samsat)
    assert reasons(refused) == [
        "The seller revoked this transfer code. Ask the seller for a new one and enter it."
    ]
    assert not Bill.objects.filter(application=draft).exists()

    # A new code entered in the draft; then it expires before submission.
    new_code, new_plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    from applications.services import application_details_save

    edit = TransferForm(
        {"plate": "B 1234 ABC", "basis": "code", "transfer_code": new_plain},
        application=draft,
        applicant=budi,
    )
    assert edit.is_valid(), edit.errors
    application_details_save(application_id=draft.pk, actor=budi, details=edit)
    assert TransferApplication.objects.get(application=draft).transfer_code == new_code
    traveller.move_to(START + dt.timedelta(days=31))
    with pytest.raises(TransitionRefused) as refused:
        act(Application.objects.get(pk=draft.pk), "submit", budi, office=samsat)
    assert reasons(refused) == ["This transfer code expired. Ask the seller for a new one and enter it."]
    new_code.refresh_from_db()
    assert new_code.used_at is None


def test_a_code_is_used_once(siti: User, budi: User, register: Register, samsat: Office) -> None:
    vehicle = unlocked(register(SITI), siti)
    code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    draft = start(budi, code=plain)
    # Entered in a draft: no one else can use it.
    rina = citizen(RINA)
    details = form(rina, plate="B 1234 ABC", basis="code", transfer_code=plain)
    assert errors(details) == [str(transfer.GENERIC_LOOKUP_FAILURE)]
    application = act(draft, "submit", budi, office=samsat)
    code.refresh_from_db()
    assert code.used_at == START
    assert transfer.code_status(code) == transfer.CodeStatus.USED
    assert application.status == "pending_payment"
    details = form(rina, plate="B 1234 ABC", basis="code", transfer_code=plain)
    assert errors(details) == [str(transfer.GENERIC_LOOKUP_FAILURE)]
    with pytest.raises(transfer.TransferCodeRefused):
        transfer.transfer_code_revoke(seller=siti, code=code)
    # Meanwhile the seller cannot start another transfer.
    assert [
        str(r) for r in transfer.seller_refusals_for(siti, selectors.vehicle_of(siti, vehicle.public_id))
    ] == [  # type: ignore[arg-type]
        f"A change of ownership of this vehicle is already under way ({application.reference})."
    ]


def test_a_draft_withdrawn_revokes_its_code(siti: User, budi: User, register: Register) -> None:
    vehicle = unlocked(register(SITI), siti)
    code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    draft = start(budi, code=plain)
    act(draft, "cancel", budi)
    code.refresh_from_db()
    assert transfer.code_status(code) == transfer.CodeStatus.REVOKED
    # The seller gives a new one; the buyer starts again with it.
    _new, new_plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    assert start(budi, code=new_plain).status == "draft"


def test_an_overdue_endorsement_or_stnk_is_refused_before_the_bill(
    siti: User, budi: User, register: Register, samsat: Office
) -> None:
    # Last endorsed 1 March 2024: the 15 March 2025 endorsement is overdue.
    vehicle = unlocked(
        register(SITI, stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2024, 3, 1)), siti
    )
    _code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    draft = start(budi, code=plain)
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", budi, office=samsat)
    assert reasons(refused) == [
        "The vehicle's annual endorsement (PKB and SWDKLLJ) has been overdue since 15 March 2025. Pay "
        "it first — whoever holds the STNK can pay it with the STNK check (plate and the last 5 "
        "chassis characters) — then submit this application."
    ]
    Vehicle.objects.filter(pk=vehicle.pk).update(
        stnk_valid_until=dt.date(2026, 1, 10), last_endorsed_on=dt.date(2025, 1, 5)
    )
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", budi, office=samsat)
    assert reasons(refused)[0].startswith("The STNK's 5-year validity ended on 10 January 2026")
    assert not Bill.objects.filter(application=draft).exists()
    assert TransferCode.objects.get(vehicle=vehicle).used_at is None


def test_the_seller_cannot_give_a_code_for_a_lapsed_stnk(siti: User, register: Register) -> None:
    vehicle = unlocked(
        register(SITI, stnk_valid_until=dt.date(2026, 1, 10), last_endorsed_on=dt.date(2025, 1, 5)), siti
    )
    refusals = [str(reason) for reason in transfer._seller_may_sell(siti, vehicle)]
    assert refusals == [
        "The STNK's 5-year validity ended on 10 January 2026: renew it first (the 5-year renewal, on "
        "this vehicle's page), then give the buyer a transfer code."
    ]
    with pytest.raises(transfer.TransferCodeRefused):
        transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    assert not TransferCode.objects.filter(vehicle=vehicle).exists()


def test_the_owner_cannot_apply_to_buy_their_own_vehicle(siti: User, register: Register) -> None:
    vehicle = unlocked(register(SITI), siti)
    details = form(siti, plate="B 1234 ABC", basis="receipt", chassis_suffix=VIN_A[-5:])
    assert errors(details) == [
        "This vehicle is already registered to you: there is no change of ownership to apply for."
    ]
    assert vehicle.owner_nik_index == nik_index(SITI)


# --- the bill and the full path -------------------------------------------------------------


def test_full_path_with_a_code_to_the_new_owner_and_the_e_bpkb(
    siti: User,
    budi: User,
    register: Register,
    samsat: Office,
    samsat_officer: User,
    bpkb_unit: Office,
    bpkb_officer: User,
    traveller: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    vehicle = unlocked(register(SITI), siti)
    # An e-BPKB the vehicle already has (as a replacement would have issued it).
    earlier = Application.objects.create(
        reference="GBP-TEST-1",
        applicant=siti,
        service_code="bpkb_transfer",
        subject="old",
        status="completed",
    )
    TransferApplication.objects.create(
        application=earlier, vehicle=vehicle, basis="receipt", seller_nik_index=nik_index(SITI)
    )
    old_ebpkb = ebpkb.issue_ebpkb(application=earlier, vehicle=vehicle, actor=None)

    _code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    draft = start(budi, code=plain.lower())
    assert draft.subject == "B 1234 ABC"
    assert draft.reference.startswith("BBN-")
    # Only at the vehicle's registering Samsat.
    elsewhere = OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", budi, office=elsewhere)
    assert reasons(refused) == ["Choose one of the offices offered for this application."]
    application = act(draft, "submit", budi, office=samsat)

    # STNK 100,000 + TNKB 60,000 + BPKB 225,000 (2-wheel, DOMAIN §4.2) = 385,000; BBNKB Rp 0.
    bill = Bill.objects.get(application=application)
    lines = [(line.kind, line.fee_code, line.amount) for line in bill.lines.order_by("position")]
    assert lines == [
        ("pnbp", "stnk_new_2w", 100_000),
        ("pnbp", "tnkb_2w", 60_000),
        ("pnbp", "bpkb_transfer_2w", 225_000),
        ("tax", "", 0),
    ]
    assert bill.total == 385_000
    bbnkb = bill.lines.order_by("position").last()
    assert bbnkb is not None
    assert bbnkb.label.startswith("BBNKB (transfer duty): not applicable")
    assert "second-hand vehicle pays no BBNKB" in bbnkb.label

    application = to_the_bpkb_unit(
        application, budi, samsat, samsat_officer, bpkb_unit, bpkb_officer, traveller
    )
    application = act(application, "approve", bpkb_officer)
    with django_capture_on_commit_callbacks(execute=True):
        application = act(application, "issue", bpkb_officer)
    assert application.status == "issued"
    today = dt.date(2026, 3, 4)

    vehicle.refresh_from_db()
    assert vehicle.owner_nik_index == nik_index(BUDI)
    assert vehicle.bpkb_number != "P08123456"
    assert vehicle.plate_display == "B 1234 ABC"
    records = list(OwnershipRecord.objects.filter(vehicle=vehicle).order_by("from_date", "pk"))
    assert [(r.owner_nik_index, r.to_date, r.how) for r in records] == [
        (nik_index(SITI), today, "registration"),
        (nik_index(BUDI), None, "transfer"),
    ]
    assert records[1].application_id == application.pk
    assert TransferApplication.objects.get(application=application).transferred_on == today
    entry = VehicleHistoryEntry.objects.get(vehicle=vehicle, kind=VehicleHistoryEntry.Kind.TRANSFERRED)
    assert (entry.office, entry.application) == (bpkb_unit, application)
    # The seller's list no longer has it; the buyer's has it, unlocked.
    assert selectors.vehicles_of(siti) == []
    assert [(v.pk, v.unlocked) for v in selectors.vehicles_of(budi)] == [(vehicle.pk, True)]  # type: ignore[attr-defined]
    assert not VehicleClaim.objects.filter(user=siti, vehicle=vehicle).exists()

    # The new e-STNK and e-BPKB, rendered; the old e-BPKB superseded.
    new_ebpkb = IssuedDocument.objects.get(application=application, kind=ebpkb.KIND)
    assert new_ebpkb.holder == budi
    assert IssuedDocument.objects.filter(application=application, kind="stnk", status="valid").exists()
    old_ebpkb.refresh_from_db()
    assert old_ebpkb.status == IssuedDocument.Status.SUPERSEDED
    assert old_ebpkb.superseded_by_id == new_ebpkb.pk
    new_ebpkb.refresh_from_db()
    assert new_ebpkb.is_rendered
    text = subprocess.run(
        ["pdftotext", "-layout", new_ebpkb.file.path, "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "e-BPKB" in flat
    assert vehicle.bpkb_number in flat
    assert "B 1234 ABC" in flat
    # The document is in the holder's language (Indonesian): "Pemilik sebelumnya 1".
    with translation.override("id"):
        previous_owner = translation.gettext("Previous owner {number}").format(number=1)
    assert previous_owner in flat
    with translation.override("id"):
        current_owner = translation.gettext("Current owner ({name})").format(name="B*** S******")
    assert current_owner in flat
    assert "Transfer of ownership" in flat
    for secret in (SITI, BUDI, VIN_A, "Siti Rahmawati", "Budi Santoso", "Jl. Merdeka"):
        assert secret not in flat


def test_a_car_pays_the_four_wheel_fees(siti: User, budi: User, register: Register, samsat: Office) -> None:
    car = unlocked(
        register(SITI, "B 1 CAR", VIN_B, category="4w", make="Toyota", model="Avanza", engine_cc=1300),
        siti,
        VIN_B,
    )
    _code, plain = transfer.transfer_code_create(seller=siti, vehicle=car)
    application = act(start(budi, plate="B 1 CAR", code=plain), "submit", budi, office=samsat)
    bill = Bill.objects.get(application=application)
    # 200,000 + 100,000 + 375,000 = 675,000.
    assert [(line.fee_code, line.amount) for line in bill.lines.order_by("position")] == [
        ("stnk_new_4w", 200_000),
        ("tnkb_4w", 100_000),
        ("bpkb_transfer_4w", 375_000),
        ("", 0),
    ]
    assert bill.total == 675_000


def attach_receipt(application: Application, buyer: User) -> None:
    attachment_add(
        application_id=application.pk, kind="sale_receipt", uploaded_file=pdf_upload(), actor=buyer
    )
    attachment_add(
        application_id=application.pk, kind="seller_ktp", uploaded_file=image_upload(), actor=buyer
    )


def test_the_receipt_basis_needs_the_documents_and_an_officers_verification(
    client: Client,
    siti: User,
    budi: User,
    register: Register,
    samsat: Office,
    samsat_officer: User,
    bpkb_unit: Office,
    bpkb_officer: User,
    traveller: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    vehicle = register(SITI)
    draft = start(budi, suffix=VIN_A[-5:].lower())
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", budi, office=samsat)
    assert reasons(refused) == [
        "Upload the sale receipt bearing a Rp 10,000 duty stamp (meterai), signed by the seller.",
        "Upload a scan of the seller's KTP.",
    ]
    attach_receipt(draft, budi)
    application = act(draft, "submit", budi, office=samsat)
    application = to_the_bpkb_unit(
        application, budi, samsat, samsat_officer, bpkb_unit, bpkb_officer, traveller
    )
    with pytest.raises(TransitionRefused) as refused:
        act(application, "approve", bpkb_officer)
    assert reasons(refused) == [
        "Verify the stamped sale receipt and the seller's KTP first (the “Change of ownership” panel)."
    ]

    # The panel's button: another office's officer gets a 404; the BPKB unit's records it.
    url = f"/staf/kendaraan/balik-nama/{application.public_id}/kuitansi/"
    outsider = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.BPKB_UNIT))
    sign_in_with_mfa(client, outsider)
    assert client.post(url).status_code == 404
    sign_in_with_mfa(client, bpkb_officer)
    client.cookies["django_language"] = "en"
    review = client.get(f"/staf/antrean/{application.public_id}/")
    assert review.status_code == 200
    assert "Sale receipt and seller's KTP verified</button>" in review.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    row = TransferApplication.objects.get(application=application)
    assert row.receipt_verified_by_id == bpkb_officer.pk
    assert AuditEvent.objects.filter(action="vehicle.transfer_receipt_verified").count() == 1
    with pytest.raises(transfer.ReceiptVerifyRefused):
        transfer.transfer_receipt_verify(application=application, officer=bpkb_officer)

    application = act(Application.objects.get(pk=application.pk), "approve", bpkb_officer)
    with django_capture_on_commit_callbacks(execute=True):
        application = act(application, "issue", bpkb_officer)
    vehicle.refresh_from_db()
    assert vehicle.owner_nik_index == nik_index(BUDI)


def two_approved_receipt_applications(
    register: Register,
    samsat: Office,
    samsat_officer: User,
    bpkb_unit: Office,
    bpkb_officer: User,
    traveller: Any,
) -> tuple[Vehicle, list[Application]]:
    """Budi and Rina both bought Siti's vehicle (receipt basis); both applications approved."""
    vehicle = register(SITI)
    buyers = [citizen(BUDI), citizen(RINA)]
    drafts = []
    for buyer in buyers:
        draft = start(buyer, suffix=VIN_A[-5:])
        attach_receipt(draft, buyer)
        drafts.append(draft)
    first = act(drafts[0], "submit", buyers[0], office=samsat)
    # One transfer under way: the second is refused before its bill, with the reference.
    with pytest.raises(TransitionRefused) as refused:
        act(drafts[1], "submit", buyers[1], office=samsat)
    assert reasons(refused) == [
        f"A change of ownership of this vehicle is already under way ({first.reference})."
    ]
    # Two submissions at the same moment both pass that check (it takes no lock): as if so.
    Application.objects.filter(pk=first.pk).update(status="draft")
    second = act(drafts[1], "submit", buyers[1], office=samsat)
    Application.objects.filter(pk=first.pk).update(status="pending_payment")
    approved = []
    for application, buyer in ((first, buyers[0]), (second, buyers[1])):
        application = to_the_bpkb_unit(
            Application.objects.get(pk=application.pk),
            buyer,
            samsat,
            samsat_officer,
            bpkb_unit,
            bpkb_officer,
            traveller,
        )
        transfer.transfer_receipt_verify(application=application, officer=bpkb_officer)
        approved.append(act(Application.objects.get(pk=application.pk), "approve", bpkb_officer))
    return vehicle, approved


def test_of_two_applications_for_one_vehicle_the_second_issue_is_refused(
    register: Register,
    samsat: Office,
    samsat_officer: User,
    bpkb_unit: Office,
    bpkb_officer: User,
    traveller: Any,
) -> None:
    vehicle, (first, second) = two_approved_receipt_applications(
        register, samsat, samsat_officer, bpkb_unit, bpkb_officer, traveller
    )
    act(first, "issue", bpkb_officer)
    with pytest.raises(TransitionRefused) as refused:
        act(second, "issue", bpkb_officer)
    assert reasons(refused) == [
        "The vehicle changed owner since this application was made: it cannot go ahead."
    ]
    vehicle.refresh_from_db()
    assert vehicle.owner_nik_index == nik_index(BUDI)
    assert Application.objects.get(pk=second.pk).status == "approved"
    assert not IssuedDocument.objects.filter(application=second, kind__in=["bpkb", "stnk"]).exists()


# --- concurrency: two buyers with one code at the same moment -------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_buyers_entering_one_code_at_once_one_wins(register: Register) -> None:
    import threading

    from django.db import connection

    from applications.services import DuplicateOpenApplication

    siti = citizen(SITI)
    vehicle = unlocked(register(SITI), siti)
    _code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    buyers = [citizen(BUDI), citizen(RINA)]
    # Both forms pass their checks before either saves.
    forms = [form(buyer, plate="B 1234 ABC", basis="code", transfer_code=plain) for buyer in buyers]
    assert all(f.is_valid() for f in forms)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            application_start(
                applicant=buyers[index],
                service_code=SERVICE_CODE,
                details=forms[index],
                delivery_choice="collection",
            )
            outcomes.append("started")
        except DuplicateOpenApplication:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["started", "taken"]
    assert TransferApplication.objects.filter(vehicle=vehicle).count() == 1
    assert Application.objects.filter(service_code=SERVICE_CODE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_issues_racing_on_one_vehicle_one_wins(
    register: Register,
    samsat: Office,
    samsat_officer: User,
    bpkb_unit: Office,
    bpkb_officer: User,
    traveller: Any,
) -> None:
    import threading

    from django.db import connection, transaction

    from applications.services import application_transition

    vehicle, approved = two_approved_receipt_applications(
        register, samsat, samsat_officer, bpkb_unit, bpkb_officer, traveller
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(application: Application) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                application_transition(application_id=application.pk, action="issue", actor=bpkb_officer)
            outcomes.append("issued")
        except TransitionRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(application,)) for application in approved]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["issued", "refused"]
    assert OwnershipRecord.objects.filter(vehicle=vehicle).count() == 2
    assert OwnershipRecord.objects.filter(vehicle=vehicle, to_date__isnull=True).count() == 1
    assert VehicleHistoryEntry.objects.filter(vehicle=vehicle, kind="transferred").count() == 1


# --- pages ----------------------------------------------------------------------------------


def citizen_client(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_seller_pages(client: Client, siti: User, budi: User, register: Register) -> None:
    vehicle = unlocked(register(SITI), siti)
    citizen_client(client, siti)
    detail = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    sell_url = f"/warga/kendaraan/{vehicle.public_id}/jual/"
    assert "Sell this vehicle (transfer of ownership)" in detail
    assert sell_url in detail
    page = client.get(sell_url)
    assert page.status_code == 200
    assert "No transfer code yet." in page.content.decode()

    created = client.post(f"{sell_url}kode/")
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    html = created.content.decode()
    code = TransferCode.objects.get(vehicle=vehicle)
    plain = html.split('id="transfer-code">')[1].split("<")[0]
    assert transfer.code_hash(plain) == code.code_hash
    assert "/warga/permohonan/baru/bpkb_transfer/" in html
    # Never shown again.
    page = client.get(sell_url).content.decode()
    assert plain not in page
    assert "Open: not used yet" in page

    revoked = client.post(f"{sell_url}{code.public_id}/cabut/")
    assert revoked.status_code == 302
    code.refresh_from_db()
    assert code.revoked_at is not None
    assert "Revoked" in client.get(sell_url).content.decode()

    # Another citizen: every page of this vehicle is a 404.
    citizen_client(client, budi)
    assert client.get(sell_url).status_code == 404
    assert client.post(f"{sell_url}kode/").status_code == 404
    assert client.post(f"{sell_url}{code.public_id}/cabut/").status_code == 404
    assert not TransferCode.objects.filter(seller=budi).exists()


def test_the_seller_page_costs_the_same_whatever_the_number_of_codes(
    client: Client, siti: User, register: Register, django_assert_max_num_queries: Any
) -> None:
    vehicle = unlocked(register(SITI), siti)
    citizen_client(client, siti)
    sell_url = f"/warga/kendaraan/{vehicle.public_id}/jual/"
    transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    assert client.get(sell_url).status_code == 200  # the session's first request writes more
    with django_assert_max_num_queries(30) as one:
        assert client.get(sell_url).status_code == 200
    for _i in range(4):
        transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    with django_assert_max_num_queries(30) as five:
        assert client.get(sell_url).status_code == 200
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_offer_says_why_a_vehicle_cannot_be_sold(client: Client, siti: User, register: Register) -> None:
    vehicle = unlocked(register(SITI), siti)
    Vehicle.objects.filter(pk=vehicle.pk).update(state="blocked", state_reason="Sengketa")
    citizen_client(client, siti)
    html = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    assert "You cannot give a transfer code for this vehicle now:" in html
    assert "to have the block lifted before you sell it" in html
    page = client.get(f"/warga/kendaraan/{vehicle.public_id}/jual/").content.decode()
    assert "Create a transfer code" not in page
    response = client.post(f"/warga/kendaraan/{vehicle.public_id}/jual/kode/")
    assert response.status_code == 302
    assert not TransferCode.objects.exists()


def test_my_vehicles_links_the_buyers_service(client: Client, budi: User) -> None:
    citizen_client(client, budi)
    html = client.get("/warga/kendaraan/").content.decode()
    assert "Bought a vehicle?" in html
    assert "/warga/permohonan/baru/bpkb_transfer/" in html
    page = client.get("/warga/permohonan/baru/bpkb_transfer/")
    assert page.status_code == 200
    assert "Transfer code from the seller" in page.content.decode()


def test_another_citizen_cannot_see_the_application_or_its_documents(
    client: Client,
    siti: User,
    budi: User,
    register: Register,
    samsat: Office,
    samsat_officer: User,
    bpkb_unit: Office,
    bpkb_officer: User,
    traveller: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    vehicle = unlocked(register(SITI), siti)
    _code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    application = act(start(budi, code=plain), "submit", budi, office=samsat)
    application = to_the_bpkb_unit(
        application, budi, samsat, samsat_officer, bpkb_unit, bpkb_officer, traveller
    )
    application = act(application, "approve", bpkb_officer)
    with django_capture_on_commit_callbacks(execute=True):
        application = act(application, "issue", bpkb_officer)
    document = IssuedDocument.objects.get(application=application, kind=ebpkb.KIND)
    urls = [
        f"/warga/permohonan/{application.public_id}/",
        f"/warga/dokumen/{document.public_id}/",
        f"/warga/dokumen/{document.public_id}/unduh/",
        f"/warga/kendaraan/{vehicle.public_id}/",
    ]
    citizen_client(client, budi)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200, 200]
    # The seller no longer sees the vehicle; a third citizen sees nothing.
    for user in (siti, citizen(RINA)):
        citizen_client(client, user)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404, 404]
