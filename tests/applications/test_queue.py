"""The officers' review queue: scope, filters, search (NIK never in a URL), claim/release,
reassign, who may open it, and a number of queries that does not grow with the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import roles
from accounts.models import User
from applications.models import Application, StatusChange
from audit.models import AuditEvent
from korlantas.lib import clock
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import (
    SERVICE_CODE,
    ServiceUnderTest,
    act,
    make_application,
    make_polda_supervisor,
    to_status,
)
from tests.factories import UserFactory, sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

QUEUE_URL = "/staf/antrean/"
SEARCH_URL = "/staf/antrean/cari/"
NIK = "3171014507900003"


def queued(citizen: User, officer: User, office: Office, subject: str = "B 1234 ABC") -> Application:
    return to_status(
        make_application(citizen, subject), "queued", citizen=citizen, officer=officer, office=office
    )


def set_due(application: Application, due: dt.date | None) -> None:
    Application.objects.filter(pk=application.pk).update(due_date=due)


def references(response: Any) -> list[str]:
    return [row.application.reference for row in response.context["rows"]]


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


# --- who sees what ------------------------------------------------------------------------


def test_officer_sees_own_office_only_and_other_offices_are_404(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    mine = queued(applicant, officer, samsat, "MINE 1")
    other_office = OfficeFactory(kind=Office.Kind.SAMSAT)
    other_officer = make_staff(roles.OFFICER, office=other_office)
    theirs = queued(applicant, other_officer, other_office, "THEIRS 1")

    sign_in_with_mfa(client, officer)
    response = client.get(QUEUE_URL)
    assert response.status_code == 200
    assert references(response) == [mine.reference]
    assert theirs.reference not in response.content.decode()

    claim = client.post(f"{QUEUE_URL}{theirs.public_id}/ambil/", {"version": theirs.version})
    assert claim.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "queued"
    assert not StatusChange.objects.filter(application=theirs, action="claim").exists()


def test_polda_supervisor_sees_every_office_of_the_polda(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    sister = OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)
    elsewhere = OfficeFactory(kind=Office.Kind.SAMSAT)
    assert elsewhere.polda_id != samsat.polda_id
    first = queued(applicant, officer, samsat, "ONE")
    second = queued(applicant, officer, sister, "TWO")
    outside = queued(applicant, officer, elsewhere, "THREE")

    sign_in_with_mfa(client, make_polda_supervisor(samsat))
    shown = references(client.get(QUEUE_URL))
    assert sorted(shown) == sorted([first.reference, second.reference])
    assert outside.reference not in shown


@pytest.mark.parametrize("role", [roles.COURIER, roles.DISPATCHER])
def test_other_staff_roles_are_refused(role: str, client: Client, samsat: Office) -> None:
    sign_in_with_mfa(client, make_staff(role, office=samsat))
    assert client.get(QUEUE_URL).status_code == 403
    assert client.post(SEARCH_URL, {"text": "X"}).status_code == 403


def test_citizen_is_refused(client: Client, applicant: User) -> None:
    client.force_login(applicant)
    assert client.get(QUEUE_URL).status_code == 403
    assert client.post(SEARCH_URL, {"text": "X"}).status_code == 403


def test_terminal_and_unsubmitted_applications_are_not_queued(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    live = queued(applicant, officer, samsat, "LIVE")
    done = to_status(
        make_application(applicant, "DONE"), "completed", citizen=applicant, officer=officer, office=samsat
    )
    make_application(applicant, "DRAFT")
    shown = references(staff_client.get(QUEUE_URL))
    assert shown == [live.reference]
    assert done.reference not in shown


# --- ordering and filters -----------------------------------------------------------------


def test_earliest_due_first_no_due_date_last(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    today = clock.today()
    late = queued(applicant, officer, samsat, "LATE")
    early = queued(applicant, officer, samsat, "EARLY")
    undated = queued(applicant, officer, samsat, "UNDATED")
    set_due(late, today + dt.timedelta(days=9))
    set_due(early, today - dt.timedelta(days=2))
    set_due(undated, None)
    response = staff_client.get(QUEUE_URL)
    assert references(response) == [early.reference, late.reference, undated.reference]
    assert [row.overdue for row in response.context["rows"]] == [True, False, False]
    assert "overdue" in response.content.decode()


def test_filters_by_status_service_overdue_and_age(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    waiting = queued(applicant, officer, samsat, "WAITING")
    in_review = act(queued(applicant, officer, samsat, "REVIEWED"), "claim", officer)
    set_due(waiting, clock.today() - dt.timedelta(days=1))
    Application.objects.filter(pk=in_review.pk).update(submitted_at=clock.now() - dt.timedelta(days=30))

    assert references(staff_client.get(QUEUE_URL, {"status": "in_review"})) == [in_review.reference]
    assert references(staff_client.get(QUEUE_URL, {"overdue": "on"})) == [waiting.reference]
    assert references(staff_client.get(QUEUE_URL, {"older_than_days": "10"})) == [in_review.reference]
    assert len(references(staff_client.get(QUEUE_URL, {"service": SERVICE_CODE}))) == 2

    # A service that is not registered is an invalid filter: the error shows, nothing is hidden.
    response = staff_client.get(QUEUE_URL, {"service": "no_such_service"})
    assert response.context["filter_form"].errors
    assert len(references(response)) == 2


# --- search -------------------------------------------------------------------------------


def test_search_by_reference_name_and_subject(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    other = make_profile("3171011203850001", full_name="Budi Santoso").user
    hers = queued(applicant, officer, samsat, "B 1111 SR")
    his = queued(other, officer, samsat, "D 2222 BS")

    assert references(staff_client.post(SEARCH_URL, {"text": hers.reference.lower()})) == [hers.reference]
    assert references(staff_client.post(SEARCH_URL, {"text": "santoso"})) == [his.reference]
    assert references(staff_client.post(SEARCH_URL, {"text": "2222"})) == [his.reference]
    assert references(staff_client.post(SEARCH_URL, {"text": "nobody"})) == []


def test_search_by_nik_uses_the_blind_index_and_never_echoes_it(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    other = make_profile("3171011203850001", full_name="Budi Santoso").user
    hers = queued(applicant, officer, samsat, "B 1111 SR")
    queued(other, officer, samsat, "D 2222 BS")

    response = staff_client.post(SEARCH_URL, {"text": NIK})
    assert response.status_code == 200  # rendered in place: no redirect carrying the NIK
    assert references(response) == [hers.reference]
    body = response.content.decode()
    assert NIK not in body
    assert "Searched by NIK." in body
    assert response.context["search_form"]["text"].value() in (None, "")
    assert AuditEvent.objects.filter(action="pii.revealed", details__lookup="nik").exists()
    # Every link and form action on the page is free of the NIK, and the request URL was too.
    assert NIK not in response.request["PATH_INFO"]
    assert NIK not in response.request.get("QUERY_STRING", "")


def test_search_is_scoped_to_the_office(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    other_office = OfficeFactory(kind=Office.Kind.SAMSAT)
    theirs = queued(applicant, make_staff(roles.OFFICER, office=other_office), other_office, "ELSEWHERE")
    sign_in_with_mfa(client, officer)
    assert references(client.post(SEARCH_URL, {"text": theirs.reference})) == []
    assert references(client.post(SEARCH_URL, {"text": NIK})) == []


def test_search_is_post_only(staff_client: Client) -> None:
    assert staff_client.get(SEARCH_URL, {"text": NIK}).status_code == 405


# --- claim, release, reassign -------------------------------------------------------------


def test_claim_then_release_through_the_pages(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = queued(applicant, officer, samsat)
    response = staff_client.post(
        f"{QUEUE_URL}{application.public_id}/ambil/",
        {"version": application.version, "filters": "status=queued&evil=1"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE_URL}?status=queued"
    application.refresh_from_db()
    assert application.status == "in_review"
    assert application.assigned_officer == officer

    page = staff_client.get(QUEUE_URL)
    assert officer.email in page.content.decode()
    assert page.context["rows"][0].can_release

    response = staff_client.post(
        f"{QUEUE_URL}{application.public_id}/lepas/", {"version": application.version}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "queued"
    assert application.assigned_officer is None
    assert list(
        StatusChange.objects.filter(application=application, action__in=["claim", "release"]).values_list(
            "action", "actor_id"
        )
    ) == [("claim", officer.pk), ("release", officer.pk)]


def test_a_stale_version_changes_nothing(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = queued(applicant, officer, samsat)
    response = staff_client.post(
        f"{QUEUE_URL}{application.public_id}/ambil/", {"version": application.version - 1}, follow=True
    )
    assert "This application changed meanwhile" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "queued"
    assert not StatusChange.objects.filter(application=application, action="claim").exists()


def test_a_missing_version_is_a_bad_request(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = queued(applicant, officer, samsat)
    assert staff_client.post(f"{QUEUE_URL}{application.public_id}/ambil/", {}).status_code == 400


def test_another_officers_claim_cannot_be_released_by_an_officer(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application = act(queued(applicant, officer, samsat), "claim", officer)
    colleague = make_staff(roles.OFFICER, office=samsat)
    sign_in_with_mfa(client, colleague)
    row = client.get(QUEUE_URL).context["rows"][0]
    assert not row.can_release
    assert not row.can_claim
    response = client.post(
        f"{QUEUE_URL}{application.public_id}/lepas/", {"version": application.version}, follow=True
    )
    assert "Another officer is reviewing this application." in response.content.decode()
    application.refresh_from_db()
    assert application.status == "in_review"


def test_supervisor_sees_claims_releases_and_reassigns(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, client: Client
) -> None:
    application = act(queued(applicant, officer, samsat), "claim", officer)
    colleague = make_staff(roles.OFFICER, office=samsat)
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    sign_in_with_mfa(client, supervisor)
    row = client.get(QUEUE_URL).context["rows"][0]
    assert row.can_release
    assert {o.pk for o in row.officers} == {officer.pk, colleague.pk}

    response = client.post(
        f"{QUEUE_URL}{application.public_id}/alihkan/",
        {"version": application.version, "officer": str(colleague.public_id)},
        follow=True,
    )
    assert "The application is reassigned." in response.content.decode()
    application.refresh_from_db()
    assert application.assigned_officer == colleague
    assert AuditEvent.objects.filter(action="application.reassigned").count() == 1

    # An officer of another office is not a choice.
    stranger = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    client.post(
        f"{QUEUE_URL}{application.public_id}/alihkan/",
        {"version": application.version, "officer": str(stranger.public_id)},
    )
    application.refresh_from_db()
    assert application.assigned_officer == colleague


def test_officers_cannot_reassign(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, staff_client: Client
) -> None:
    application = act(queued(applicant, officer, samsat), "claim", officer)
    colleague = make_staff(roles.OFFICER, office=samsat)
    response = staff_client.post(
        f"{QUEUE_URL}{application.public_id}/alihkan/",
        {"version": application.version, "officer": str(colleague.public_id)},
    )
    assert response.status_code == 403


# --- queries ------------------------------------------------------------------------------


def _fill(count: int, applicant: User, officer: User, office: Office, prefix: str) -> None:
    for number in range(count):
        application = queued(applicant, officer, office, f"{prefix} {number:03d}")
        if number % 3 == 0:
            act(application, "claim", officer)


def _queries_for_page(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE_URL)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("as_supervisor", [False, True])
def test_the_number_of_queries_does_not_grow_with_the_rows(
    as_supervisor: bool, service: ServiceUnderTest, samsat: Office, officer: User, applicant: User
) -> None:
    viewer = make_staff(roles.SUPERVISOR, office=samsat) if as_supervisor else officer
    make_staff(roles.OFFICER, office=samsat)

    one, fifty = Client(), Client()
    sign_in_with_mfa(one, viewer)
    sign_in_with_mfa(fifty, viewer)

    _fill(1, applicant, officer, samsat, "ONE")
    with_one = _queries_for_page(one)
    assert len(one.get(QUEUE_URL).context["rows"]) == 1

    _fill(25, applicant, officer, samsat, "MANY")
    # Rows of an applicant without a profile, too.
    for number in range(24):
        queued(UserFactory(), officer, samsat, f"NP {number:03d}")
    assert Application.objects.filter(status__in=["queued", "in_review"]).count() == 50
    # Filling can take over a minute on a busy machine: the session's next request then
    # refreshes its last-seen time (one more query, not the page's); it is not the one counted.
    fifty.get(QUEUE_URL)
    with_fifty = _queries_for_page(fifty)
    assert with_fifty == with_one
    assert len(fifty.get(QUEUE_URL).context["rows"]) == 25


def test_the_filter_fields_rendered_once_per_language_show_each_request_its_own_filters(
    service: ServiceUnderTest, staff_client: Client
) -> None:
    # The view keeps the fields' HTML per language and filters: each page still shows its own.
    chosen = f'<option value="{SERVICE_CODE}" selected>'
    for _ in range(2):
        assert chosen in staff_client.get(QUEUE_URL, {"service": SERVICE_CODE}).content.decode()
        assert chosen not in staff_client.get(QUEUE_URL).content.decode()
        overdue = staff_client.get(QUEUE_URL, {"overdue": "on"}).content.decode()
        assert 'name="overdue" class="form-check-input" id="id_overdue" checked' in overdue
    # Invalid filters are shown with their error, as typed, never from the kept HTML.
    page = staff_client.get(QUEUE_URL, {"older_than_days": "-3"}).content.decode()
    assert 'value="-3"' in page
    assert "is-invalid" in page
    staff_client.cookies["django_language"] = "id"
    assert "Semua layanan" in staff_client.get(QUEUE_URL).content.decode()
