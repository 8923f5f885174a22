"""The review page's actions one by one, through the pages: reject with a reason from the list,
request corrections of chosen items, forward to the next office of the route, schedule,
record an appointment's outcome and resume, issue; mass assignment; revealing the full NIK
(audited, POST only, never cached); and who may use each URL."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts import roles
from accounts.models import User
from applications.appointments import booking_create, slot_publish
from applications.guards import REVISION_DEADLINE
from applications.models import Application, Attachment, Booking, RevisionRequest, StatusChange
from applications.services import attachment_add
from audit.models import AuditEvent
from korlantas.lib import clock
from offices.models import AppointmentSlot, Office
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import (
    ServiceUnderTest,
    act,
    make_application,
    make_polda_supervisor,
    to_status,
)
from tests.factories import UserFactory, sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

NIK = "3171014507900003"
MASKED_NIK = "3171********0003"


def review_url(application: Application) -> str:
    return f"/staf/antrean/{application.public_id}/"


def decide_url(application: Application) -> str:
    return f"/staf/antrean/{application.public_id}/putuskan/"


def attendance_url(application: Application) -> str:
    return f"/staf/antrean/{application.public_id}/hadir/"


def reveal_url(application: Application) -> str:
    return f"/staf/antrean/{application.public_id}/nik/"


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def applicant(db: None) -> User:
    return make_profile(NIK, full_name="Siti Rahmawati").user


@pytest.fixture
def staff_client(client: Client, officer: User) -> Client:
    sign_in_with_mfa(client, officer)
    return client


def in_review(applicant: User, officer: User, office: Office, subject: str = "B 1234 ABC") -> Application:
    return to_status(
        make_application(applicant, subject), "in_review", citizen=applicant, officer=officer, office=office
    )


def changes(application: Application) -> int:
    return StatusChange.objects.filter(application=application).count()


def decision_form(response: Any, action: str) -> Any:
    return next(d.form for d in response.context["decisions"] if d.action == action)


# --- reject -------------------------------------------------------------------------------


def test_the_reject_form_lists_the_reasons(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    page = staff_client.get(review_url(application)).content.decode()
    assert 'name="reason"' in page
    assert "Forged or falsified documents are suspected" in page
    assert 'value="suspected_fraud"' in page


@pytest.mark.parametrize("reason", ["", "bogus"])
def test_reject_without_a_valid_reason_is_a_field_error_and_changes_nothing(
    reason: str,
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    applicant: User,
    staff_client: Client,
) -> None:
    application = in_review(applicant, officer, samsat)
    before = changes(application)
    response = staff_client.post(
        decide_url(application),
        {"action": "reject", "version": application.version, "reason": reason, "note": "Scan unreadable"},
    )
    assert response.status_code == 200
    form = decision_form(response, "reject")
    assert "reason" in form.errors
    # The page keeps what was typed.
    assert "Scan unreadable" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "in_review"
    assert changes(application) == before


# --- request corrections ------------------------------------------------------------------


def test_the_revision_form_offers_the_services_fields_and_documents_and_states_the_deadline(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.get(review_url(application))
    form = decision_form(response, "request_revision")
    assert [value for value, _label in form.fields["flagged_fields"].choices] == ["plate", "colour"]
    assert [value for value, _label in form.fields["flagged_documents"].choices] == ["supporting"]
    assert f"{REVISION_DEADLINE.days} days" in response.content.decode()


def test_request_corrections_without_an_item_is_refused(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.post(
        decide_url(application),
        {"action": "request_revision", "version": application.version, "note": "Fix it"},
    )
    assert response.status_code == 200
    assert decision_form(response, "request_revision").errors["flagged_fields"] == [
        "Choose the fields or documents to correct."
    ]
    application.refresh_from_db()
    assert application.status == "in_review"
    assert not RevisionRequest.objects.filter(application=application).exists()


def test_request_corrections_of_an_unknown_item_is_refused(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.post(
        decide_url(application),
        {
            "action": "request_revision",
            "version": application.version,
            "flagged_fields": ["status"],
            "flagged_documents": ["ktp_scan"],
            "note": "Fix it",
        },
    )
    assert response.status_code == 200
    errors = decision_form(response, "request_revision").errors
    assert "flagged_fields" in errors
    assert "flagged_documents" in errors
    assert not RevisionRequest.objects.filter(application=application).exists()


def test_request_corrections_stores_the_flags_note_and_deadline(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.post(
        decide_url(application),
        {
            "action": "request_revision",
            "version": application.version,
            "flagged_fields": ["colour"],
            "flagged_documents": ["supporting"],
            "note": "The colour does not match the STNK.",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "revision_requested"
    request = RevisionRequest.objects.get(application=application)
    assert (request.fields, request.documents) == (["colour"], ["supporting"])
    assert request.note == "The colour does not match the STNK."
    assert request.requested_by_id == officer.pk
    assert request.deadline == request.requested_at + REVISION_DEADLINE


# --- forward ------------------------------------------------------------------------------


def test_forward_offers_open_offices_of_the_next_kind_own_polda_first(
    service: ServiceUnderTest,
    samsat: Office,
    bpkb_unit: Office,
    officer: User,
    applicant: User,
    staff_client: Client,
) -> None:
    elsewhere = OfficeFactory(kind=Office.Kind.BPKB_UNIT, name="AAA BPKB far away")
    OfficeFactory(kind=Office.Kind.BPKB_UNIT, polda=samsat.polda, is_active=False)
    OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)
    application = in_review(applicant, officer, samsat)
    form = decision_form(staff_client.get(review_url(application)), "forward")
    assert list(form.fields["office"].queryset) == [bpkb_unit, elsewhere]


def test_forward_hands_the_application_to_the_next_office(
    service: ServiceUnderTest,
    samsat: Office,
    bpkb_unit: Office,
    officer: User,
    applicant: User,
    staff_client: Client,
    client: Client,
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.post(
        decide_url(application),
        {
            "action": "forward",
            "version": application.version,
            "office": str(bpkb_unit.public_id),
            "note": "Physical check done",
        },
    )
    # The application has left the officer's office: back to their queue.
    assert response.status_code == 302
    assert response["Location"] == "/staf/antrean/"
    application.refresh_from_db()
    assert (application.status, application.handling_office) == ("queued", bpkb_unit)
    assert application.assigned_officer is None
    assert staff_client.get(review_url(application)).status_code == 404

    other = Client()
    other.cookies["django_language"] = "en"
    sign_in_with_mfa(other, make_staff(roles.OFFICER, office=bpkb_unit))
    assert other.get(review_url(application)).status_code == 200


def test_forward_to_an_office_off_the_route_is_refused(
    service: ServiceUnderTest,
    samsat: Office,
    bpkb_unit: Office,
    officer: User,
    applicant: User,
    staff_client: Client,
) -> None:
    application = in_review(applicant, officer, samsat)
    sister_samsat = OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)
    for office in ("", str(sister_samsat.public_id), "not-a-uuid"):
        response = staff_client.post(
            decide_url(application), {"action": "forward", "version": application.version, "office": office}
        )
        assert response.status_code == 200
        assert "office" in decision_form(response, "forward").errors
    application.refresh_from_db()
    assert (application.status, application.handling_office) == ("in_review", samsat)


def test_forward_is_not_offered_at_the_end_of_the_route(
    service: ServiceUnderTest,
    samsat: Office,
    bpkb_unit: Office,
    officer: User,
    applicant: User,
    staff_client: Client,
) -> None:
    application = act(in_review(applicant, officer, samsat), "forward", officer, office=bpkb_unit)
    bpkb_officer = make_staff(roles.OFFICER, office=bpkb_unit)
    application = act(application, "claim", bpkb_officer)
    viewer = Client()
    sign_in_with_mfa(viewer, bpkb_officer)
    offered = [d.action for d in viewer.get(review_url(application)).context["decisions"]]
    assert "forward" not in offered
    assert "approve" in offered


# --- schedule, issue, claim and release from the page -------------------------------------


def test_schedule_when_the_service_needs_an_appointment(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    # Not offered when the service says no appointment is needed, and refused if posted anyway.
    offered = [d.action for d in staff_client.get(review_url(application)).context["decisions"]]
    assert "schedule" not in offered
    refused = staff_client.post(
        decide_url(application), {"action": "schedule", "version": application.version}, follow=True
    )
    assert "This application needs no appointment." in refused.content.decode()
    application.refresh_from_db()
    assert application.status == "in_review"

    service.appointment = True
    staff_client.post(decide_url(application), {"action": "schedule", "version": application.version})
    application.refresh_from_db()
    assert application.status == "awaiting_appointment"


def test_issue_an_approved_application(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = to_status(
        make_application(applicant), "approved", citizen=applicant, officer=officer, office=samsat
    )
    response = staff_client.get(review_url(application))
    assert [d.action for d in response.context["decisions"]] == ["issue"]
    stale = staff_client.post(
        decide_url(application), {"action": "issue", "version": application.version - 1}, follow=True
    )
    assert "This application changed meanwhile" in stale.content.decode()
    application.refresh_from_db()
    assert application.status == "approved"
    staff_client.post(decide_url(application), {"action": "issue", "version": application.version})
    application.refresh_from_db()
    assert application.status == "issued"


def test_a_stale_reject_changes_nothing(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    for version in (str(application.version - 1), ""):
        response = staff_client.post(
            decide_url(application),
            {"action": "reject", "version": version, "reason": "duplicate", "note": "Twice"},
            follow=True,
        )
        assert (
            "This application changed meanwhile. Reload the page and try again." in response.content.decode()
        )
    application.refresh_from_db()
    assert application.status == "in_review"


def test_another_officers_claim_offers_no_decision(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    colleague = make_staff(roles.OFFICER, office=samsat)
    sign_in_with_mfa(client, colleague)
    response = client.get(review_url(application))
    assert response.context["decisions"] == []
    assert f"{officer.email} is reviewing this application" in response.content.decode()
    client.post(decide_url(application), {"action": "approve", "version": application.version})
    application.refresh_from_db()
    assert application.status == "in_review"


def test_claim_and_release_from_the_review_page_come_back_to_it(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = to_status(
        make_application(applicant), "queued", citizen=applicant, officer=officer, office=samsat
    )
    assert staff_client.get(review_url(application)).context["can_claim"]
    response = staff_client.post(
        f"/staf/antrean/{application.public_id}/ambil/",
        {"version": application.version, "return_to": "review"},
    )
    assert response["Location"] == review_url(application)
    application.refresh_from_db()
    assert (application.status, application.assigned_officer) == ("in_review", officer)
    response = staff_client.post(
        f"/staf/antrean/{application.public_id}/lepas/",
        {"version": application.version, "return_to": "review"},
    )
    assert response["Location"] == review_url(application)
    application.refresh_from_db()
    assert application.status == "queued"


# --- mass assignment ----------------------------------------------------------------------


def test_posted_model_fields_change_nothing(
    service: ServiceUnderTest,
    samsat: Office,
    bpkb_unit: Office,
    officer: User,
    applicant: User,
    staff_client: Client,
) -> None:
    application = in_review(applicant, officer, samsat)
    someone_else = UserFactory()
    response = staff_client.post(
        decide_url(application),
        {
            "action": "approve",
            "version": application.version,
            "note": "Fine",
            "status": "issued",
            "handling_office": str(bpkb_unit.pk),
            "handling_office_id": str(bpkb_unit.pk),
            "applicant": str(someone_else.pk),
            "applicant_id": str(someone_else.pk),
            "assigned_officer": str(someone_else.pk),
            "reference": "HACKED",
            "subject": "HACKED",
            "due_date": "2000-01-01",
            "reason": "duplicate",
            "flagged_fields": ["plate"],
            "office": str(bpkb_unit.public_id),
        },
    )
    assert response.status_code == 302
    before = application
    application = Application.objects.get(pk=before.pk)
    assert application.status == "approved"  # the action's target, not the posted status
    assert application.handling_office == samsat
    assert application.applicant == applicant
    assert application.assigned_officer == officer
    assert (application.reference, application.subject, application.due_date) == (
        before.reference,
        before.subject,
        before.due_date,
    )
    change = StatusChange.objects.get(application=application, action="approve")
    assert change.reason == ""
    assert not RevisionRequest.objects.filter(application=application).exists()


# --- appointment outcomes -----------------------------------------------------------------

START = dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def traveller() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def awaiting_with_booking(
    service: ServiceUnderTest, applicant: User, officer: User, office: Office, subject: str = "B 1234 ABC"
) -> tuple[Application, Booking]:
    service.appointment = True
    application = act(in_review(applicant, officer, office, subject), "schedule", officer)
    slot = slot_publish(
        office=office,
        kind=AppointmentSlot.Kind.PHYSICAL_CHECK,
        starts_at=clock.now() + dt.timedelta(days=2),
        duration_minutes=30,
        capacity=3,
        actor=officer,
    )
    booking = booking_create(application_id=application.pk, slot_id=slot.pk, citizen=applicant)
    application.refresh_from_db()
    return application, booking


def test_the_outcome_is_recorded_then_the_review_resumes(
    traveller: Any, service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application, booking = awaiting_with_booking(service, applicant, officer, samsat)
    traveller.move_to(START + dt.timedelta(days=2, minutes=10))
    sign_in_with_mfa(client, officer)
    response = client.get(review_url(application))
    page = response.content.decode()
    assert response.context["bookings"] == [booking]
    assert response.context["attendance"].form is not None
    assert "Vehicle physical check" in page
    assert samsat.name in page
    # Nothing is recorded yet: resuming is refused, with the reason on the page.
    refused = client.post(
        decide_url(application), {"action": "resume_review", "version": application.version}
    )
    assert refused.status_code == 200
    assert "Record the appointment&#x27;s outcome first." in refused.content.decode()

    response = client.post(
        attendance_url(application),
        {"booking": str(booking.public_id), "attended": "yes", "outcome": "pass", "notes": "Frame number OK"},
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.state, booking.outcome, booking.outcome_notes) == ("attended", "pass", "Frame number OK")
    assert booking.recorded_by_id == officer.pk

    response = client.get(review_url(application))
    assert response.context["attendance"] is None
    assert [d.action for d in response.context["decisions"]] == ["resume_review"]
    client.post(decide_url(application), {"action": "resume_review", "version": application.version})
    application.refresh_from_db()
    assert application.status == "in_review"


def test_attended_without_an_outcome_is_a_field_error(
    traveller: Any, service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application, booking = awaiting_with_booking(service, applicant, officer, samsat)
    traveller.move_to(START + dt.timedelta(days=2, minutes=10))
    sign_in_with_mfa(client, officer)
    response = client.post(
        attendance_url(application),
        {"booking": str(booking.public_id), "attended": "yes", "notes": "Came late"},
    )
    assert response.status_code == 200
    assert "outcome" in response.context["attendance"].form.errors
    assert "Came late" in response.content.decode()
    booking.refresh_from_db()
    assert booking.state == "booked"


def test_a_no_show_is_recorded(
    traveller: Any, service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application, booking = awaiting_with_booking(service, applicant, officer, samsat)
    traveller.move_to(START + dt.timedelta(days=2, minutes=10))
    sign_in_with_mfa(client, officer)
    client.post(attendance_url(application), {"booking": str(booking.public_id), "attended": "no"})
    booking.refresh_from_db()
    assert (booking.state, booking.outcome) == ("no_show", "")


def test_the_outcome_cannot_be_recorded_before_the_appointment(
    traveller: Any, service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application, booking = awaiting_with_booking(service, applicant, officer, samsat)
    sign_in_with_mfa(client, officer)
    response = client.get(review_url(application))
    assert response.context["attendance"].form is None
    assert "The outcome can be recorded once the appointment has started" in response.content.decode()
    response = client.post(
        attendance_url(application), {"booking": str(booking.public_id), "attended": "yes", "outcome": "pass"}
    )
    assert response.status_code == 200
    assert "Attendance can be recorded once the appointment has started." in response.content.decode()
    booking.refresh_from_db()
    assert booking.state == "booked"


def test_another_applications_booking_is_404_and_a_missing_one_400(
    traveller: Any, service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application, _booking = awaiting_with_booking(service, applicant, officer, samsat, "ONE")
    _other, other_booking = awaiting_with_booking(service, applicant, officer, samsat, "TWO")
    traveller.move_to(START + dt.timedelta(days=2, minutes=10))
    sign_in_with_mfa(client, officer)
    for booking_id, status in ((str(other_booking.public_id), 404), ("", 400), ("not-a-uuid", 400)):
        response = client.post(
            attendance_url(application), {"booking": booking_id, "attended": "yes", "outcome": "pass"}
        )
        assert response.status_code == status
    other_booking.refresh_from_db()
    assert other_booking.state == "booked"


# --- revealing the full NIK ---------------------------------------------------------------


def test_the_page_shows_the_nik_masked_and_says_revealing_is_audited(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.get(review_url(application))
    page = response.content.decode()
    assert MASKED_NIK in page
    assert NIK not in page
    assert "Show full NIK" in page
    assert reveal_url(application) in page
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()


def test_revealing_the_nik_is_audited_once_and_shown_in_that_response_only(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.post(reveal_url(application))
    assert response.status_code == 200
    assert NIK in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="pii.revealed")
    assert event.actor_id == officer.pk
    assert event.details == {"field": "nik"}
    assert event.object_id == str(application.public_id)
    assert event.office_id == samsat.pk
    assert event.ip == "127.0.0.1"
    # The next plain page is masked again, and writes nothing.
    again = staff_client.get(review_url(application)).content.decode()
    assert NIK not in again
    assert MASKED_NIK in again
    assert AuditEvent.objects.filter(action="pii.revealed").count() == 1


def test_revealing_is_post_only(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    assert staff_client.get(reveal_url(application)).status_code == 405
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()


def test_no_profile_no_reveal(
    service: ServiceUnderTest, samsat: Office, officer: User, staff_client: Client
) -> None:
    citizen = UserFactory()
    application = in_review(citizen, officer, samsat)
    response = staff_client.post(reveal_url(application), follow=True)
    assert "The applicant has not declared a NIK." in response.content.decode()
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def blank_pdf() -> SimpleUploadedFile:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return SimpleUploadedFile("scan.pdf", out.getvalue(), content_type="application/pdf")


def test_documents_are_download_links_and_the_ktp_scan_says_it_is_audited(
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    applicant: User,
    staff_client: Client,
    media_root: Path,
) -> None:
    draft = make_application(applicant)
    for kind in ("ktp_scan", "supporting"):
        attachment_add(application_id=draft.pk, kind=kind, uploaded_file=blank_pdf(), actor=applicant)
    application = to_status(draft, "in_review", citizen=applicant, officer=officer, office=samsat)
    page = staff_client.get(review_url(application)).content.decode()
    for attachment in Attachment.objects.filter(application=application):
        assert f"/berkas/{attachment.public_id}/" in page
    assert "Opening the KTP scan is recorded in the audit trail." in page
    assert page.count("Opening the KTP scan is recorded") == 1  # on the scan only
    assert "Files open as downloads, never inside this page." in page
    assert '<img src="/berkas/' not in page


# --- who may use the new URLs -------------------------------------------------------------


def _post_everything(client: Client, application: Application) -> list[int]:
    return [
        client.post(
            decide_url(application), {"action": "approve", "version": application.version}
        ).status_code,
        client.post(
            decide_url(application), {"action": "forward", "version": application.version}
        ).status_code,
        client.post(attendance_url(application), {"booking": "", "attended": "no"}).status_code,
        client.post(reveal_url(application)).status_code,
    ]


def test_another_offices_officer_gets_404_everywhere(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    sign_in_with_mfa(client, make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT)))
    assert _post_everything(client, application) == [404, 404, 404, 404]
    assert client.get(review_url(application)).status_code == 404
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()
    application.refresh_from_db()
    assert application.status == "in_review"


def test_a_supervisor_of_another_polda_gets_404(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    sign_in_with_mfa(client, make_polda_supervisor(OfficeFactory(kind=Office.Kind.SAMSAT)))
    assert _post_everything(client, application) == [404, 404, 404, 404]


@pytest.mark.parametrize("who", ["citizen", "applicant", roles.COURIER, roles.DISPATCHER])
def test_citizens_and_other_staff_are_refused(
    who: str, service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    if who == "citizen":
        client.force_login(UserFactory())
    elif who == "applicant":
        client.force_login(applicant)
    else:
        sign_in_with_mfa(client, make_staff(who, office=samsat))
    assert _post_everything(client, application) == [403, 403, 403, 403]
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()
    application.refresh_from_db()
    assert application.status == "in_review"
