"""The physical check's pages (``vehicles.views_physical_checks``) and service: the officer's
panel on the review page, the form that records a check (pass, fail, upload errors), the
rubbings' photos, the scope of the office, and nothing left behind when a record fails."""

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
from applications.models import Application, Booking
from applications.services import application_start
from offices.models import AppointmentSlot, Office
from tests.accounts.factories import make_staff
from tests.applications.conftest import act
from tests.factories import sign_in_with_mfa
from tests.licensing.conftest import image_upload, pay
from tests.offices.factories import OfficeFactory
from tests.utils import jakarta
from tests.vehicles.conftest import SITI, VIN_A, Register, citizen
from vehicles import physical_checks, services
from vehicles.models import PhysicalCheck, ProvinceTaxRule
from vehicles.renewal import SERVICE_CODE, RenewalForm
from vehicles.views_physical_checks import physical_check_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def traveller() -> Iterator[Any]:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def staff(client: Client, user: User) -> Client:
    sign_in_with_mfa(client, user)
    client.cookies["django_language"] = "en"
    return client


def rubbing_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file() and "physical-checks" in path.parts]


@pytest.fixture
def awaiting(traveller: Any, register: Register, samsat: Office, samsat_officer: User) -> Application:
    """A renewal awaiting its physical check at ``samsat``."""
    ProvinceTaxRule.objects.update_or_create(
        province=samsat.regency.province, defaults={"first_rate_bp": 200, "progressive_rates_bp": [250]}
    )
    siti = citizen(SITI)
    vehicle = register(SITI, stnk_valid_until=dt.date(2026, 4, 15), last_endorsed_on=dt.date(2025, 3, 20))
    assert services.vehicle_possession_prove(user=siti, vehicle=vehicle, suffix=VIN_A[-5:])
    form = RenewalForm({"vehicle": str(vehicle.public_id)}, applicant=siti)
    assert form.is_valid()
    draft = application_start(
        applicant=siti, service_code=SERVICE_CODE, details=form, delivery_choice="courier"
    )
    application = act(draft, "submit", siti, office=samsat)
    pay(application)
    application = act(application, "claim", samsat_officer)
    return act(application, "schedule", samsat_officer)


def book(traveller: Any, application: Application, officer: User, day: int = 3) -> Booking:
    slot = slot_publish(
        office=application.handling_office,  # type: ignore[arg-type]
        kind=AppointmentSlot.Kind.PHYSICAL_CHECK,
        starts_at=jakarta(2026, 3, day, 9),
        duration_minutes=60,
        capacity=4,
        actor=officer,
    )
    booking = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=application.applicant)
    traveller.move_to(jakarta(2026, 3, day, 9, 30))
    return booking


def page_url(booking: Booking) -> str:
    return f"/staf/kendaraan/cek-fisik/{booking.public_id}/"


def post(client: Client, booking: Booking, **overrides: Any) -> Any:
    data: dict[str, Any] = {
        "chassis_matches": "yes",
        "engine_matches": "yes",
        "chassis_rubbing": image_upload("rangka.jpg"),
        "engine_rubbing": image_upload("mesin.jpg"),
        "notes": "",
    }
    data.update(overrides)
    return client.post(page_url(booking), data)


def review_html(client: Client, application: Application) -> str:
    response = client.get(f"/staf/antrean/{application.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


# --- recording --------------------------------------------------------------------------------------


def test_the_panel_links_the_form_and_a_pass_is_recorded(
    traveller: Any, media: Path, client: Client, awaiting: Application, samsat_officer: User
) -> None:
    booking = book(traveller, awaiting, samsat_officer)
    staff(client, samsat_officer)
    html = review_html(client, awaiting)
    assert "Record the physical check" in html
    assert page_url(booking) in html
    page = client.get(page_url(booking))
    assert page.status_code == 200
    body = page.content.decode()
    assert VIN_A in body  # the office's staff see the registry's numbers in full
    assert "JM81E1123456" in body

    response = post(client, booking, notes="Both clear")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/staf/antrean/{awaiting.public_id}/#physical-check")
    check = PhysicalCheck.objects.get(booking=booking)
    assert check.passed
    assert check.notes == "Both clear"
    assert check.officer_id == samsat_officer.pk
    booking.refresh_from_db()
    assert (booking.state, booking.outcome) == (Booking.State.ATTENDED, Booking.Outcome.PASS)
    assert len(rubbing_files(media)) == 2
    assert physical_checks.physical_check_refusals(awaiting) == []

    html = review_html(client, awaiting)
    assert "Record the physical check" not in html
    chassis_url = f"/staf/kendaraan/cek-fisik/hasil/{check.public_id}/rangka/"
    assert chassis_url in html
    photo = client.get(chassis_url)
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert "no-store" in photo["Cache-Control"]
    assert b"".join(photo.streaming_content).startswith(b"\xff\xd8")  # type: ignore[attr-defined]
    assert client.get(f"/staf/kendaraan/cek-fisik/hasil/{check.public_id}/mesin/").status_code == 200
    # Recorded once: the page sends the officer back.
    assert client.get(page_url(booking)).status_code == 302


def test_a_mismatch_is_recorded_as_failed(
    traveller: Any, media: Path, client: Client, awaiting: Application, samsat_officer: User
) -> None:
    booking = book(traveller, awaiting, samsat_officer)
    staff(client, samsat_officer)
    assert post(client, booking, engine_matches="no", notes="Ground off").status_code == 302
    check = PhysicalCheck.objects.get(booking=booking)
    assert (check.chassis_matches, check.engine_matches, check.passed) == (True, False, False)
    booking.refresh_from_db()
    assert booking.outcome == Booking.Outcome.FAIL
    assert physical_checks.needs_physical_check(awaiting)
    assert "did not match" in str(physical_checks.physical_check_refusals(awaiting)[0])


@pytest.mark.parametrize(
    ("field", "upload", "message"),
    [
        ("chassis_rubbing", "text", "Upload a JPEG or PNG image or a PDF document."),
        ("engine_rubbing", "pdf", "Upload this as a JPEG or PNG image, not a PDF."),
        ("engine_rubbing", "missing", "Upload the photo of the engine number rubbing."),
    ],
)
def test_upload_errors_are_shown_next_to_the_field_and_nothing_is_saved(
    field: str,
    upload: str,
    message: str,
    traveller: Any,
    media: Path,
    client: Client,
    awaiting: Application,
    samsat_officer: User,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.licensing.conftest import pdf_upload

    booking = book(traveller, awaiting, samsat_officer)
    staff(client, samsat_officer)
    bad: Any = {
        "text": SimpleUploadedFile("rubbing.jpg", b"not an image at all", content_type="image/jpeg"),
        "pdf": pdf_upload("rubbing.pdf"),
        "missing": "",
    }[upload]
    response = post(client, booking, **{field: bad}, notes="kept")
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[field] == [message]
    assert form["notes"].value() == "kept"
    assert message in response.content.decode()
    assert not PhysicalCheck.objects.exists()
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED
    assert rubbing_files(media) == []


def test_the_files_are_removed_when_the_record_fails(
    traveller: Any, media: Path, awaiting: Application, samsat_officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = book(traveller, awaiting, samsat_officer)

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(physical_checks, "audit_record", broken)
    with pytest.raises(RuntimeError):
        physical_checks.physical_check_record(
            booking_id=booking.pk,
            officer=samsat_officer,
            chassis_matches=True,
            engine_matches=True,
            chassis_rubbing=image_upload(),
            engine_rubbing=image_upload(),
        )
    assert not PhysicalCheck.objects.exists()
    assert rubbing_files(media) == []
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED


def test_too_early_is_refused_with_a_message(
    traveller: Any, media: Path, client: Client, awaiting: Application, samsat_officer: User
) -> None:
    booking = book(traveller, awaiting, samsat_officer)
    traveller.move_to(jakarta(2026, 3, 3, 8))
    staff(client, samsat_officer)
    response = post(client, booking)
    assert response.status_code == 400
    assert "once the appointment has started" in response.content.decode()
    assert not PhysicalCheck.objects.exists()
    assert rubbing_files(media) == []


def test_a_booking_that_is_no_physical_check(
    traveller: Any, media: Path, client: Client, awaiting: Application, samsat_officer: User
) -> None:
    booking = book(traveller, awaiting, samsat_officer)
    AppointmentSlot.objects.filter(pk=booking.slot_id).update(kind=AppointmentSlot.Kind.BIOMETRIC)
    staff(client, samsat_officer)
    response = post(client, booking)
    assert response.status_code == 302
    assert not PhysicalCheck.objects.exists()
    with pytest.raises(physical_checks.PhysicalCheckRefused) as refused:
        physical_checks.physical_check_record(
            booking_id=booking.pk,
            officer=samsat_officer,
            chassis_matches=True,
            engine_matches=True,
            chassis_rubbing=image_upload(),
            engine_rubbing=image_upload(),
        )
    assert refused.value.code == "wrong_kind"
    assert rubbing_files(media) == []


# --- scope ------------------------------------------------------------------------------------------


def test_staff_of_another_office_and_citizens_are_refused(
    traveller: Any, media: Path, client: Client, awaiting: Application, samsat_officer: User
) -> None:
    booking = book(traveller, awaiting, samsat_officer)
    staff(client, samsat_officer)
    post(client, booking)
    check = PhysicalCheck.objects.get(booking=booking)
    urls = [
        page_url(booking),
        f"/staf/kendaraan/cek-fisik/hasil/{check.public_id}/rangka/",
        f"/staf/kendaraan/cek-fisik/hasil/{check.public_id}/mesin/",
    ]
    stranger = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    other = staff(Client(), stranger)
    for url in urls:
        assert other.get(url).status_code == 404
    assert other.post(urls[0], {}).status_code == 404
    applicant = Client()
    applicant.force_login(awaiting.applicant)
    for url in urls:
        assert applicant.get(url).status_code in (302, 403)
    assert PhysicalCheck.objects.count() == 1


# --- query counts -----------------------------------------------------------------------------------


def test_the_panel_costs_the_same_whatever_the_number_of_checks(
    traveller: Any,
    media: Path,
    awaiting: Application,
    samsat_officer: User,
    django_assert_num_queries: Any,
) -> None:
    first = book(traveller, awaiting, samsat_officer)
    physical_checks.physical_check_record(
        booking_id=first.pk,
        officer=samsat_officer,
        chassis_matches=False,
        engine_matches=True,
        chassis_rubbing=image_upload(),
        engine_rubbing=image_upload(),
    )
    with django_assert_num_queries(2):
        panel = physical_check_panel(awaiting, samsat_officer)
    assert panel is not None
    assert len(panel.context["rows"]) == 1
    application = act(awaiting, "resume_review", samsat_officer)
    application = act(application, "schedule", samsat_officer)
    second = book(traveller, application, samsat_officer, day=4)
    physical_checks.physical_check_record(
        booking_id=second.pk,
        officer=samsat_officer,
        chassis_matches=True,
        engine_matches=True,
        chassis_rubbing=image_upload(),
        engine_rubbing=image_upload(),
    )
    with django_assert_num_queries(2):
        panel = physical_check_panel(application, samsat_officer)
    assert panel is not None
    assert len(panel.context["rows"]) == 2
    assert panel.context["passed"]


def test_the_record_page_has_a_fixed_cost(
    traveller: Any,
    media: Path,
    client: Client,
    awaiting: Application,
    samsat_officer: User,
    django_assert_max_num_queries: Any,
) -> None:
    booking = book(traveller, awaiting, samsat_officer)
    staff(client, samsat_officer)
    with django_assert_max_num_queries(15):
        assert client.get(page_url(booking)).status_code == 200


def test_no_panel_without_a_physical_check_booking(awaiting: Application, samsat_officer: User) -> None:
    assert physical_check_panel(awaiting, samsat_officer) is None
