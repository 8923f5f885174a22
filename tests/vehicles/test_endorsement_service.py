"""The ``stnk_endorsement`` service through the real services: start → submit → bill → payment
→ auto-approved → issued (and completed: digital only) → the vehicle endorsed and the
e-Pengesahan rendered; a flagged vehicle goes to an officer instead. And the vehicle page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from applications.models import Application, StatusChange
from applications.registry import get_service
from applications.services import TransitionRefused, application_start
from documents import rendering
from documents.models import IssuedDocument
from documents.registry import get_kind
from offices.models import Office
from payments.models import Bill
from tests.applications.conftest import act
from tests.documents.conftest import layout_text
from tests.licensing.conftest import pay
from tests.utils import jakarta
from tests.vehicles.conftest import BUDI, SITI, VIN_A, VIN_B, Register, citizen
from vehicles import due_dates, pengesahan, services
from vehicles.models import EndorsementApplication, ProvinceTaxRule, Vehicle, VehicleHistoryEntry
from vehicles.services_registry import SERVICE_CODE, EndorsementForm

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False):
        yield


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def siti(db: None) -> User:
    return citizen(SITI)


@pytest.fixture
def jakarta_rates(samsat: Office) -> None:
    ProvinceTaxRule.objects.update_or_create(
        province=samsat.regency.province,
        defaults={"first_rate_bp": 200, "progressive_rates_bp": [250, 300, 350, 400]},
    )


def unlocked(vehicle: Vehicle, user: User, chassis: str = VIN_A) -> Vehicle:
    assert services.vehicle_possession_prove(user=user, vehicle=vehicle, suffix=chassis[-5:])
    return vehicle


def start(user: User, vehicle: Vehicle) -> Application:
    form = EndorsementForm({"vehicle": str(vehicle.public_id)}, applicant=user)
    assert form.is_valid(), form.errors
    return application_start(
        applicant=user, service_code=SERVICE_CODE, details=form, delivery_choice="digital"
    )


def actions(application: Application) -> list[str]:
    return list(
        StatusChange.objects.filter(application=application).order_by("pk").values_list("action", flat=True)
    )


def test_the_service_is_declared() -> None:
    service = get_service(SERVICE_CODE)
    assert service.route == (Office.Kind.SAMSAT,)
    assert service.approves_on_payment
    assert service.delivery_choices == ("digital",)
    assert service.required_documents == ()
    assert service.document_kind == pengesahan.KIND
    assert service.listed_fee_codes == ("stnk_endorsement_2w", "stnk_endorsement_4w")
    assert get_kind(pengesahan.KIND).page_size == "A4"


@pytest.mark.usefixtures("jakarta_rates")
def test_full_path_overdue_motorcycle_to_the_e_pengesahan(
    siti: User, register: Register, samsat: Office, django_capture_on_commit_callbacks: Any
) -> None:
    # Last endorsed 1 March 2024 → 15 March 2025 missed, 15 March 2026 due in 13 days.
    vehicle = unlocked(
        register(SITI, stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2024, 3, 1)), siti
    )
    draft = start(siti, vehicle)
    assert draft.subject == "B 1234 ABC"
    application = act(draft, "submit", siti, office=samsat)
    assert application.status == "pending_payment"
    bill = Bill.objects.get(application=application)
    lines = [
        (line.kind, line.fee_code, line.quantity, line.amount) for line in bill.lines.order_by("position")
    ]
    # PNBP 25,000; PKB 18,500,000 × 2 % = 370,000 ×2; opsen 244,200 ×2; SWDKLLJ 35,000 ×2;
    # 12 months late on 15 March 2025: 370,000 × 24 % = 88,800; SWDKLLJ late fine 32,000.
    assert lines == [
        ("pnbp", "stnk_endorsement_2w", 1, 25_000),
        ("tax", "", 2, 740_000),
        ("tax", "", 2, 488_400),
        ("insurance", "", 2, 70_000),
        ("fine", "", 1, 88_800),
        ("fine", "", 1, 32_000),
    ]
    assert bill.total == 1_444_200
    labels = [line.label for line in bill.lines.order_by("position")]
    assert "Rp 18.500.000 × 2% (first vehicle)" in labels[1]

    with django_capture_on_commit_callbacks(execute=True):
        pay(application)
    application.refresh_from_db()
    assert actions(application) == ["submit", "pay_auto_approve", "issue", "complete"]
    assert application.status == "completed"
    vehicle.refresh_from_db()
    assert vehicle.last_endorsed_on == TODAY
    assert due_dates.next_due_on(vehicle.stnk_valid_until, vehicle.last_endorsed_on) == dt.date(2027, 3, 15)
    row = EndorsementApplication.objects.get(application=application)
    assert (row.covered_from, row.covered_until, row.endorsed_on) == (
        dt.date(2025, 3, 15),
        dt.date(2027, 3, 15),
        TODAY,
    )
    # The vehicle page's registration history shows the endorsement, at the Samsat, that day.
    (entry,) = VehicleHistoryEntry.objects.filter(vehicle=vehicle, kind=VehicleHistoryEntry.Kind.ENDORSED)
    assert (entry.occurred_on, entry.office_id, entry.application_id, entry.plate_display) == (
        TODAY,
        application.handling_office_id,
        application.pk,
        vehicle.plate_display,
    )

    document = IssuedDocument.objects.get(application=application, kind=pengesahan.KIND)
    kind = get_kind(pengesahan.KIND)
    laid_out = rendering.layout(kind, rendering.document_input(document, kind))
    text = layout_text(laid_out)
    assert "e-Pengesahan STNK" in text
    assert "B 1234 ABC" in text
    assert "Honda Vario 125" in text
    assert "15-03-2025 – 15-03-2027" in text
    assert "Rp 1.444.200" in text
    assert "Rp 88.800" in text
    assert SITI not in text
    assert VIN_A not in text
    fields = {str(label): str(value) for label, value in pengesahan.pengesahan_verification_fields(document)}
    assert fields == {
        "Plate": "B 1234 ABC",
        "Endorsement period": "15-03-2025 – 15-03-2027",
        "Endorsement valid": "Yes",
    }


@pytest.mark.usefixtures("jakarta_rates")
@pytest.mark.parametrize("flag", ["blocked", "stolen", "owner"])
def test_a_vehicle_flagged_after_submission_goes_to_an_officer(
    flag: str, siti: User, register: Register, samsat: Office, django_capture_on_commit_callbacks: Any
) -> None:
    vehicle = unlocked(
        register(SITI, stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2025, 3, 1)), siti
    )
    application = act(start(siti, vehicle), "submit", siti, office=samsat)
    if flag == "blocked":
        Vehicle.objects.filter(pk=vehicle.pk).update(state="blocked", state_reason="Tilang elektronik")
    elif flag == "stolen":
        Vehicle.objects.filter(pk=vehicle.pk).update(reported_stolen=True)
    else:
        from accounts.services import nik_index

        Vehicle.objects.filter(pk=vehicle.pk).update(owner_nik_index=nik_index(BUDI))
    with django_capture_on_commit_callbacks(execute=True):
        pay(application)
    application.refresh_from_db()
    assert application.status == "queued"
    assert actions(application) == ["submit", "pay"]
    assert not IssuedDocument.objects.filter(application=application, kind=pengesahan.KIND).exists()
    vehicle.refresh_from_db()
    assert vehicle.last_endorsed_on == dt.date(2025, 3, 1)


@pytest.mark.usefixtures("jakarta_rates")
def test_submission_is_refused_before_the_bill(siti: User, register: Register, samsat: Office) -> None:
    vehicle = unlocked(
        register(SITI, stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2025, 3, 1)), siti
    )
    draft = start(siti, vehicle)
    Vehicle.objects.filter(pk=vehicle.pk).update(state="blocked", state_reason="Tunggakan")
    with pytest.raises(TransitionRefused) as refused:
        act(draft, "submit", siti, office=samsat)
    assert "Contact the Samsat where it is registered" in " ".join(str(r) for r in refused.value.reasons)
    assert not Bill.objects.filter(application=draft).exists()


def test_the_form_lists_only_the_applicants_unlocked_vehicles(siti: User, register: Register) -> None:
    locked = register(SITI, "B 1234 ABC", VIN_A)
    mine = unlocked(register(SITI, "B 5678 DEF", VIN_B), siti, VIN_B)
    budi = citizen(BUDI)
    assert not EndorsementForm({"vehicle": str(locked.public_id)}, applicant=siti).is_valid()
    assert EndorsementForm({"vehicle": str(mine.public_id)}, applicant=siti).is_valid()
    assert not EndorsementForm({"vehicle": str(mine.public_id)}, applicant=budi).is_valid()
    unverified = citizen("3578015001880005", verified=False)
    assert not EndorsementForm({"vehicle": str(mine.public_id)}, applicant=unverified).is_valid()


def test_the_vehicle_page_links_the_endorsement_with_the_vehicle_preselected(
    client: Client, siti: User, register: Register
) -> None:
    vehicle = unlocked(
        register(SITI, stnk_valid_until=dt.date(2028, 3, 15), last_endorsed_on=dt.date(2025, 3, 1)), siti
    )
    client.force_login(siti)
    client.cookies["django_language"] = "en"
    html = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    link = f"/warga/permohonan/baru/{SERVICE_CODE}/?vehicle={vehicle.public_id}"
    assert link in html
    assert "Pay the annual endorsement" in html
    start_page = client.get(link)
    assert start_page.status_code == 200
    page = start_page.content.decode()
    assert f'value="{vehicle.public_id}" selected' in page
    # Not due yet: the refusal, no link.
    Vehicle.objects.filter(pk=vehicle.pk).update(last_endorsed_on=dt.date(2026, 2, 1))
    html = client.get(f"/warga/kendaraan/{vehicle.public_id}/").content.decode()
    assert link not in html
    assert "You can pay it from 14 January 2027" in html
