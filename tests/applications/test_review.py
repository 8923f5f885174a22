"""The officer's review page: scope, the masked NIK, decisions through the page, and a number
of queries that does not grow with the history or the documents. (The decisions one by one,
appointments and the NIK reveal: test_review_actions.py.)"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from applications.models import Application, Attachment, StatusChange
from applications.services import attachment_add
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import ServiceUnderTest, act, make_application, to_status
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

NIK = "3171014507900003"


def review_url(application: Application) -> str:
    return f"/staf/antrean/{application.public_id}/"


def decide_url(application: Application) -> str:
    return f"/staf/antrean/{application.public_id}/putuskan/"


@pytest.fixture
def client(client: Client) -> Client:
    """Pages in English, the msgids these tests read."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def applicant(db: None) -> User:
    return make_profile(NIK, full_name="Siti Rahmawati").user


@pytest.fixture
def staff_client(client: Client, officer: User) -> Client:
    sign_in_with_mfa(client, officer)
    return client


def in_review(applicant: User, officer: User, office: Office) -> Application:
    return to_status(
        make_application(applicant), "in_review", citizen=applicant, officer=officer, office=office
    )


# --- who sees what ------------------------------------------------------------------------


def test_officer_of_the_office_sees_the_page_with_the_nik_masked(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.get(review_url(application))
    assert response.status_code == 200
    page = response.content.decode()
    assert application.reference in page
    assert "Siti Rahmawati" in page
    assert applicant.citizen_profile.masked_nik in page
    assert NIK not in page
    offered = [decision.action for decision in response.context["decisions"]]
    # What the table gives an officer in review; schedule too (its guard is checked on POST).
    assert offered == ["approve", "reject", "request_revision", "forward"]  # no appointment needed


def test_the_queue_links_to_the_review_page(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    assert review_url(application) in staff_client.get("/staf/antrean/").content.decode()


def test_another_offices_officer_gets_404(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    sign_in_with_mfa(client, make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT)))
    assert client.get(review_url(application)).status_code == 404
    response = client.post(decide_url(application), {"action": "approve", "version": application.version})
    assert response.status_code == 404
    # A 404 says nothing about the application, not even its reference.
    assert application.reference not in response.content.decode()
    application.refresh_from_db()
    assert application.status == "in_review"


def test_citizen_is_refused(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    client.force_login(applicant)
    assert client.get(review_url(application)).status_code == 403
    assert client.post(decide_url(application), {"action": "approve", "version": 1}).status_code == 403


# --- decisions ----------------------------------------------------------------------------


def test_approve_after_claim(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    assert "approve" in {d.action for d in staff_client.get(review_url(application)).context["decisions"]}
    response = staff_client.post(
        decide_url(application), {"action": "approve", "version": application.version, "note": "OK"}
    )
    assert response.status_code == 302
    assert response["Location"] == review_url(application)
    application.refresh_from_db()
    assert application.status == "approved"
    assert StatusChange.objects.filter(
        application=application, action="approve", actor_id=officer.pk
    ).exists()


def test_reject_without_a_note_is_refused(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.post(
        decide_url(application),
        {"action": "reject", "version": application.version, "reason": "documents_invalid", "note": "  "},
    )
    assert response.status_code == 200
    assert "Give the reason." in response.content.decode()
    application.refresh_from_db()
    assert application.status == "in_review"
    assert not StatusChange.objects.filter(application=application, action="reject").exists()


def test_reject_with_a_reason_and_a_note(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.post(
        decide_url(application),
        {
            "action": "reject",
            "version": application.version,
            "reason": "suspected_fraud",
            "note": "Forged scan",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "rejected"
    change = StatusChange.objects.get(application=application, action="reject")
    assert (change.reason, change.note) == ("suspected_fraud", "Forged scan")


def test_a_stale_version_changes_nothing(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    response = staff_client.post(
        decide_url(application), {"action": "approve", "version": application.version - 1}, follow=True
    )
    assert "This application changed meanwhile" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "in_review"
    assert not StatusChange.objects.filter(application=application, action="approve").exists()


@pytest.mark.parametrize("action", ["pay", "claim", "release", "cancel", "nonsense", ""])
def test_an_unlisted_action_is_refused(
    action: str,
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    applicant: User,
    staff_client: Client,
) -> None:
    application = in_review(applicant, officer, samsat)
    changes = StatusChange.objects.filter(application=application).count()
    response = staff_client.post(
        decide_url(application), {"action": action, "version": application.version}, follow=True
    )
    assert response.status_code == 200
    assert "Choose one of the decisions the page offers." in response.content.decode()
    application.refresh_from_db()
    assert application.status == "in_review"
    assert StatusChange.objects.filter(application=application).count() == changes


def test_a_refused_transition_shows_its_reasons(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    service.failures["service_requirements_met"] = ["The vehicle check is missing."]
    response = staff_client.post(
        decide_url(application), {"action": "approve", "version": application.version}, follow=True
    )
    assert "The vehicle check is missing." in response.content.decode()
    application.refresh_from_db()
    assert application.status == "in_review"


def test_get_on_decide_is_405(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    assert staff_client.get(decide_url(application)).status_code == 405


# --- queries ------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def blank_pdf() -> SimpleUploadedFile:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return SimpleUploadedFile("letter.pdf", out.getvalue(), content_type="application/pdf")


def in_review_with(
    applicant: User, officer: User, office: Office, subject: str, *, documents: int, reclaims: int
) -> Application:
    """In review, with ``documents`` supporting documents and 3 + 2 × ``reclaims`` history rows."""
    application = make_application(applicant, subject)
    for _number in range(documents):
        attachment_add(
            application_id=application.pk, kind="supporting", uploaded_file=blank_pdf(), actor=applicant
        )
    application = to_status(application, "in_review", citizen=applicant, officer=officer, office=office)
    for _number in range(reclaims):
        application = act(act(application, "release", officer), "claim", officer)
    return application


def _queries_for(client: Client, application: Application) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(review_url(application))
    assert response.status_code == 200
    return len(captured)


# The user, their roles, membership + application (the scope), bookings, documents, timeline,
# the offices to forward to, and the full history (its events with the e-mail of the staff
# who acted: one query whoever acted); the panels: issued documents (documents), bills and
# payments with their refunds (payments); payments on the timeline.
REVIEW_PAGE_QUERIES = 13


def test_the_number_of_queries_does_not_grow_with_the_history_or_the_documents(
    service: ServiceUnderTest,
    samsat: Office,
    bpkb_unit: Office,
    officer: User,
    applicant: User,
    media_root: Path,
    django_assert_num_queries: Any,
) -> None:
    small = in_review_with(applicant, officer, samsat, "SMALL", documents=1, reclaims=0)
    large = in_review_with(applicant, officer, samsat, "LARGE", documents=10, reclaims=4)
    assert StatusChange.objects.filter(application=small).count() == 3
    assert StatusChange.objects.filter(application=large).count() == 11
    assert Attachment.objects.filter(application=large).count() == 10

    first, second = Client(), Client()
    sign_in_with_mfa(first, officer)
    sign_in_with_mfa(second, officer)
    first.get(review_url(small))  # the session's first request may refresh it
    second.get(review_url(large))
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        first.get(review_url(small))
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        response = second.get(review_url(large))
    assert len(response.context["attachments"]) == 10
    assert len(response.context["timeline"]) == 11


def test_staff_see_the_full_history_with_who_acted_and_no_personal_data(
    service: ServiceUnderTest, officer: User, samsat: Office
) -> None:
    nik = "3171014507900003"
    citizen = make_profile(nik).user
    application = to_status(
        make_application(citizen), "in_review", citizen=citizen, officer=officer, office=samsat
    )
    client = Client()
    sign_in_with_mfa(client, officer)
    client.post(reverse("applications:reveal_nik", args=[application.public_id]))

    response = client.get(review_url(application))
    trail = response.context["audit_trail"]
    assert [(row.action, row.actor) for row in trail] == [
        ("application.created", "applicant"),
        ("application.submit", "applicant"),
        ("application.pay", "system"),
        ("application.claim", officer.email),
        ("pii.revealed", officer.email),
    ]
    assert trail[3].details == {"from_status": "queued", "to_status": "in_review", "role": "officer"}
    body = response.content.decode()
    assert 'id="audit-title"' in body
    assert officer.email in body
    assert nik not in body
