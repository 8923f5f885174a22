"""The supervisors' claims page (``/staf/antrean/klaim/``): every application in review of
their scope, by the officer holding it, since when, due and overdue; reassigning from it; who
may open it; and a number of queries that does not grow with the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts import roles
from accounts.models import User
from applications.models import Application, StatusChange
from audit.models import AuditEvent
from korlantas.lib import clock
from offices.models import Office
from tests.accounts.factories import make_staff
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

CLAIMS_URL = "/staf/antrean/klaim/"


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def supervisor(samsat: Office) -> User:
    return make_staff(roles.SUPERVISOR, office=samsat)


def claimed(citizen: User, officer: User, office: Office, subject: str) -> Application:
    return to_status(
        make_application(citizen, subject), "in_review", citizen=citizen, officer=officer, office=office
    )


def references(response: Any) -> list[str]:
    return [row.application.reference for row in response.context["rows"]]


def test_every_claim_of_the_office_by_officer_oldest_first(
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    citizen: User,
    supervisor: User,
    client: Client,
) -> None:
    officer.email = "b-officer@example.id"
    officer.save(update_fields=["email"])
    colleague = make_staff(roles.OFFICER, office=samsat, email="a-officer@example.id")
    start = dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        older = claimed(citizen, officer, samsat, "OLDER")
        traveller.move_to(start + dt.timedelta(hours=1))
        newer = claimed(citizen, officer, samsat, "NEWER")
        traveller.move_to(start + dt.timedelta(hours=2))
        theirs = claimed(citizen, colleague, samsat, "THEIRS")
        to_status(
            make_application(citizen, "QUEUED"), "queued", citizen=citizen, officer=officer, office=samsat
        )
        other_office = OfficeFactory(kind=Office.Kind.SAMSAT)
        elsewhere = claimed(
            citizen, make_staff(roles.OFFICER, office=other_office), other_office, "ELSEWHERE"
        )
        # Released and claimed again later: "in review since" is the latest claim.
        traveller.move_to(start + dt.timedelta(hours=3))
        older = act(act(older, "release", officer), "claim", officer)
    Application.objects.filter(pk=newer.pk).update(due_date=clock.today() - dt.timedelta(days=1))
    Application.objects.filter(pk=older.pk).update(due_date=clock.today())

    sign_in_with_mfa(client, supervisor)
    response = client.get(CLAIMS_URL)
    assert response.status_code == 200
    # By officer (e-mail), then the oldest claim first.
    assert references(response) == [theirs.reference, newer.reference, older.reference]
    assert elsewhere.reference not in response.content.decode()
    rows = {row.application.reference: row for row in response.context["rows"]}
    assert rows[older.reference].in_review_since == start + dt.timedelta(hours=3)
    assert rows[newer.reference].in_review_since == start + dt.timedelta(hours=1)
    assert rows[newer.reference].overdue
    assert not rows[older.reference].overdue
    # Each claim can go to the office's other officers (and the supervisor), not its holder.
    assert {o.pk for o in rows[older.reference].officers} == {colleague.pk, supervisor.pk}
    assert {o.pk for o in rows[theirs.reference].officers} == {officer.pk, supervisor.pk}
    page = response.content.decode()
    assert "b-officer@example.id" in page
    assert "overdue" in page


def test_a_polda_supervisor_sees_every_office_of_the_polda(
    service: ServiceUnderTest, samsat: Office, officer: User, citizen: User, client: Client
) -> None:
    sister = OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)
    elsewhere = OfficeFactory(kind=Office.Kind.SAMSAT)
    here = claimed(citizen, officer, samsat, "HERE")
    there = claimed(citizen, make_staff(roles.OFFICER, office=sister), sister, "THERE")
    outside = claimed(citizen, make_staff(roles.OFFICER, office=elsewhere), elsewhere, "OUTSIDE")
    sign_in_with_mfa(client, make_polda_supervisor(samsat))
    shown = references(client.get(CLAIMS_URL))
    assert sorted(shown) == sorted([here.reference, there.reference])
    assert outside.reference not in shown


def test_nothing_in_review(supervisor: User, client: Client) -> None:
    sign_in_with_mfa(client, supervisor)
    assert "No application is being reviewed in your offices." in client.get(CLAIMS_URL).content.decode()


def test_reassign_from_the_claims_page_comes_back_to_it(
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    citizen: User,
    supervisor: User,
    client: Client,
) -> None:
    application = claimed(citizen, officer, samsat, "ONE")
    colleague = make_staff(roles.OFFICER, office=samsat)
    sign_in_with_mfa(client, supervisor)
    page = client.get(CLAIMS_URL).content.decode()
    assert f"/staf/antrean/{application.public_id}/alihkan/" in page
    response = client.post(
        f"/staf/antrean/{application.public_id}/alihkan/",
        {"version": application.version, "officer": str(colleague.public_id), "return_to": "claims"},
    )
    assert response.status_code == 302
    assert response["Location"] == CLAIMS_URL
    application.refresh_from_db()
    assert application.assigned_officer == colleague
    assert AuditEvent.objects.filter(action="application.reassigned").count() == 1


def test_the_queue_links_the_claims_page_for_supervisors_only(
    samsat: Office, officer: User, supervisor: User, client: Client
) -> None:
    sign_in_with_mfa(client, supervisor)
    assert CLAIMS_URL in client.get("/staf/antrean/").content.decode()
    officer_client = Client()
    sign_in_with_mfa(officer_client, officer)
    assert CLAIMS_URL not in officer_client.get("/staf/antrean/").content.decode()


@pytest.mark.parametrize("role", [roles.OFFICER, roles.COURIER, roles.DISPATCHER])
def test_other_staff_are_refused(role: str, samsat: Office, client: Client) -> None:
    sign_in_with_mfa(client, make_staff(role, office=samsat))
    assert client.get(CLAIMS_URL).status_code == 403


def test_citizens_are_refused(citizen: User, client: Client) -> None:
    client.force_login(citizen)
    assert client.get(CLAIMS_URL).status_code == 403


def test_post_is_refused(supervisor: User, client: Client) -> None:
    sign_in_with_mfa(client, supervisor)
    assert client.post(CLAIMS_URL).status_code == 405


# --- queries ------------------------------------------------------------------------------

# The user, their roles, membership (scope), the page's count, the rows with their officers
# and in-review times, and the officers of the scope (membership + its offices' staff).
CLAIMS_PAGE_QUERIES = 7


def test_the_number_of_queries_is_the_same_for_1_and_50_claims(
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    citizen: User,
    supervisor: User,
    django_assert_num_queries: Any,
) -> None:
    colleague = make_staff(roles.OFFICER, office=samsat)
    one, fifty = Client(), Client()
    sign_in_with_mfa(one, supervisor)
    sign_in_with_mfa(fifty, supervisor)

    claimed(citizen, officer, samsat, "ONE 000")
    one.get(CLAIMS_URL)  # the session's first request may refresh it
    with django_assert_num_queries(CLAIMS_PAGE_QUERIES):
        response = one.get(CLAIMS_URL)
    assert len(response.context["rows"]) == 1

    for number in range(49):
        holder = officer if number % 2 else colleague
        application = claimed(UserFactory(), holder, samsat, f"MANY {number:03d}")
        if number % 7 == 0:  # more history rows for some
            act(act(application, "release", holder), "claim", holder)
    assert Application.objects.filter(status="in_review").count() == 50
    assert StatusChange.objects.count() > 150
    fifty.get(CLAIMS_URL)
    with django_assert_num_queries(CLAIMS_PAGE_QUERIES):
        response = fifty.get(CLAIMS_URL)
    assert len(response.context["rows"]) == 50
