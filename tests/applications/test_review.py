"""The officer's review page: scope, the masked NIK, decisions through the page, and a number
of queries that does not grow with the history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import roles
from accounts.models import User
from applications.models import Application, StatusChange
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
    offered = {decision.action for decision in response.context["decisions"]}
    assert {"approve", "reject"} <= offered
    assert offered <= {"approve", "reject", "request_revision", "schedule", "resume_review", "issue"}


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
        {"action": "reject", "version": application.version, "note": "  "},
        follow=True,
    )
    assert "Give the reason." in response.content.decode()
    application.refresh_from_db()
    assert application.status == "in_review"
    assert not StatusChange.objects.filter(application=application, action="reject").exists()


def test_reject_with_a_note(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = in_review(applicant, officer, samsat)
    staff_client.post(
        decide_url(application), {"action": "reject", "version": application.version, "note": "Forged scan"}
    )
    application.refresh_from_db()
    assert application.status == "rejected"


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


@pytest.mark.parametrize("action", ["pay", "forward", "claim", "nonsense"])
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
    assert "Select a valid choice" in response.content.decode()
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


def _queries_for(client: Client, application: Application) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(review_url(application))
    assert response.status_code == 200
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_history(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User
) -> None:
    # One history row: submitted to an unpaid bill.
    one = act(make_application(applicant, "ONE"), "submit", applicant, office=samsat)
    assert StatusChange.objects.filter(application=one).count() == 1
    # Five history rows: submit, pay, claim, release, claim.
    five = to_status(
        make_application(applicant, "FIVE"), "in_review", citizen=applicant, officer=officer, office=samsat
    )
    five = act(act(five, "release", officer), "claim", officer)
    assert StatusChange.objects.filter(application=five).count() == 5

    first, second = Client(), Client()
    sign_in_with_mfa(first, officer)
    sign_in_with_mfa(second, officer)
    assert _queries_for(first, one) == _queries_for(second, five)
