"""The citizen's pages: their applications, one application's detail, and withdrawing it.
Someone else's application is a 404; the list's number of queries does not grow with the rows."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from applications import events, registry
from applications.models import Application, StatusChange
from applications.services import application_create
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import ServiceUnderTest, act, make_application, to_status
from tests.factories import sign_in_with_mfa

pytestmark = pytest.mark.django_db

MINE_URL = "/warga/permohonan/"


def detail_url(application: Application) -> str:
    return f"{MINE_URL}{application.public_id}/"


def cancel_url(application: Application) -> str:
    return f"{MINE_URL}{application.public_id}/batal/"


@pytest.fixture
def client(client: Client) -> Client:
    """Pages in English, the msgids these tests read."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def applicant(db: None) -> User:
    return make_profile("3171014507900003", full_name="Siti Rahmawati").user


@pytest.fixture
def other(db: None) -> User:
    return make_profile("3171011203850001", full_name="Budi Santoso").user


@pytest.fixture
def signed_in(client: Client, applicant: User) -> Client:
    client.force_login(applicant)
    return client


def test_urls_are_named() -> None:
    assert reverse("applications:mine") == MINE_URL
    assert reverse("applications:detail", args=["6f1c4c1e-8d0a-4d57-9a37-2c1b1b6f9e01"]).startswith(MINE_URL)


# --- the list -----------------------------------------------------------------------------


def test_list_shows_only_own_applications_newest_first(
    service: ServiceUnderTest, applicant: User, other: User, signed_in: Client
) -> None:
    older = make_application(applicant, "B 1111 SR")
    newer = make_application(applicant, "B 2222 SR")
    Application.objects.filter(pk=older.pk).update(created_at=newer.created_at - dt.timedelta(days=1))
    theirs = make_application(other, "D 3333 BS")

    response = signed_in.get(MINE_URL)
    assert response.status_code == 200
    assert [row.application.reference for row in response.context["rows"]] == [
        newer.reference,
        older.reference,
    ]
    body = response.content.decode()
    assert theirs.reference not in body
    assert "Test permit" in body
    assert "Draft" in body
    assert detail_url(newer) in body


def test_empty_list(signed_in: Client) -> None:
    assert "You have no applications yet." in signed_in.get(MINE_URL).content.decode()


def test_list_is_for_citizens(samsat: Office, officer: User, client: Client) -> None:
    sign_in_with_mfa(client, officer)
    assert client.get(MINE_URL).status_code == 403


def test_list_shows_the_due_date_while_waiting(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, signed_in: Client
) -> None:
    application = to_status(
        make_application(applicant), "queued", citizen=applicant, officer=officer, office=samsat
    )
    due = dt.date(2031, 3, 4)
    Application.objects.filter(pk=application.pk).update(due_date=due)
    row = signed_in.get(MINE_URL).context["rows"][0]
    assert row.waiting
    assert row.application.due_date == due


def _queries_for_list(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(MINE_URL)
    assert response.status_code == 200
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_rows(
    service: ServiceUnderTest, applicant: User
) -> None:
    one, twenty = Client(), Client()
    one.force_login(applicant)
    twenty.force_login(applicant)
    make_application(applicant, "ONE")
    with_one = _queries_for_list(one)
    for number in range(19):
        make_application(applicant, f"MANY {number:02d}")
    with_twenty = _queries_for_list(twenty)
    assert len(twenty.get(MINE_URL).context["rows"]) == 20
    assert with_twenty == with_one


# --- the detail ---------------------------------------------------------------------------


def test_detail_shows_the_application_and_its_history(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, signed_in: Client
) -> None:
    application = to_status(
        make_application(applicant), "queued", citizen=applicant, officer=officer, office=samsat
    )
    response = signed_in.get(detail_url(application))
    assert response.status_code == 200
    body = response.content.decode()
    assert application.reference in body
    assert samsat.name in body
    assert "Waiting for review" in body
    assert "The application waits for an officer of the handling office to review it." in body
    # Submitted (→ awaiting payment), then paid (→ waiting for review).
    labels = [str(entry.label) for entry in response.context["timeline"]]
    assert labels == ["Awaiting payment", "Waiting for review"]
    assert "Awaiting payment" in body
    assert response.context["can_cancel"]
    assert cancel_url(application) in body


@pytest.mark.parametrize(
    ("delivery", "next_step"),
    [
        ("courier", "The document is issued and on its way to you."),
        ("collection", "The document is issued. Collect it at the office that handled your application."),
    ],
)
def test_an_issued_document_to_collect_is_not_on_its_way(
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    applicant: User,
    signed_in: Client,
    delivery: str,
    next_step: str,
) -> None:
    # The tests' service with collection at the office offered too.
    registry.unregister_service(service.definition.code)
    registry.register_service(
        dataclasses.replace(service.definition, delivery_choices=("courier", "collection"))
    )  # the ``service`` fixture unregisters it
    draft = application_create(
        applicant=applicant,
        service_code=service.definition.code,
        subject="B 1234 ABC",
        delivery_choice=delivery,
    )
    application = to_status(draft, "issued", citizen=applicant, officer=officer, office=samsat)
    response = signed_in.get(detail_url(application))
    assert response.context["next_step"] == next_step


@pytest.fixture
def extra_timeline(monkeypatch: pytest.MonkeyPatch) -> None:
    def provider(application: Application) -> list[events.TimelineEntry]:
        return [
            events.TimelineEntry(
                occurred_at=application.created_at + dt.timedelta(seconds=1),
                label="Payment received",
                source="payments",
            )
        ]

    monkeypatch.setattr(events, "_timeline_providers", [])
    events.register_timeline_provider(provider)


@pytest.mark.usefixtures("extra_timeline")
def test_detail_timeline_includes_other_apps_entries(
    service: ServiceUnderTest, applicant: User, signed_in: Client
) -> None:
    application = make_application(applicant)
    assert "Payment received" in signed_in.get(detail_url(application)).content.decode()


def test_detail_is_404_for_anyone_but_the_applicant(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, other: User, client: Client
) -> None:
    application = to_status(
        make_application(applicant), "queued", citizen=applicant, officer=officer, office=samsat
    )
    client.force_login(other)
    assert client.get(detail_url(application)).status_code == 404
    client.logout()
    sign_in_with_mfa(client, make_staff(roles.SUPERVISOR, office=samsat))
    assert client.get(detail_url(application)).status_code == 404


def test_no_cancel_button_where_the_workflow_does_not_allow_it(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, signed_in: Client
) -> None:
    application = act(
        to_status(make_application(applicant), "queued", citizen=applicant, officer=officer, office=samsat),
        "claim",
        officer,
    )
    response = signed_in.get(detail_url(application))
    assert not response.context["can_cancel"]
    assert cancel_url(application) not in response.content.decode()


# --- cancel -------------------------------------------------------------------------------


def _cancelled(application: Application) -> bool:
    application.refresh_from_db()
    return application.status == "cancelled"


def test_cancel_a_draft(service: ServiceUnderTest, applicant: User, signed_in: Client) -> None:
    application = make_application(applicant)
    response = signed_in.post(cancel_url(application), {"version": application.version}, follow=True)
    assert response.redirect_chain == [(detail_url(application), 302)]
    assert "Your application is cancelled." in response.content.decode()
    assert _cancelled(application)
    change = StatusChange.objects.get(application=application, action="cancel")
    assert (change.from_status, change.actor_id, change.actor_role) == ("draft", applicant.pk, "citizen")


def test_cancel_a_queued_application(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, signed_in: Client
) -> None:
    application = to_status(
        make_application(applicant), "queued", citizen=applicant, officer=officer, office=samsat
    )
    response = signed_in.post(cancel_url(application), {"version": application.version})
    assert response.status_code == 302
    assert _cancelled(application)


def test_a_stale_version_changes_nothing(
    service: ServiceUnderTest, applicant: User, signed_in: Client
) -> None:
    application = make_application(applicant)
    response = signed_in.post(cancel_url(application), {"version": application.version + 1}, follow=True)
    assert response.redirect_chain == [(detail_url(application), 302)]
    assert "This application changed meanwhile" in response.content.decode()
    assert not _cancelled(application)
    assert not StatusChange.objects.filter(application=application).exists()


def test_cancel_refused_where_not_allowed(
    service: ServiceUnderTest, samsat: Office, officer: User, applicant: User, signed_in: Client
) -> None:
    application = act(
        to_status(make_application(applicant), "queued", citizen=applicant, officer=officer, office=samsat),
        "claim",
        officer,
    )
    response = signed_in.post(cancel_url(application), {"version": application.version}, follow=True)
    assert "This action is not possible in the application&#x27;s current status." in (
        response.content.decode()
    )
    application.refresh_from_db()
    assert application.status == "in_review"


def test_cancel_someone_elses_application_is_404(
    service: ServiceUnderTest, applicant: User, other: User, client: Client
) -> None:
    application = make_application(applicant)
    client.force_login(other)
    assert client.post(cancel_url(application), {"version": application.version}).status_code == 404
    assert not _cancelled(application)


def test_cancel_is_post_only(service: ServiceUnderTest, applicant: User, signed_in: Client) -> None:
    application = make_application(applicant)
    assert signed_in.get(cancel_url(application)).status_code == 405
    assert not _cancelled(application)


def test_cancel_without_a_version_is_a_bad_request(
    service: ServiceUnderTest, applicant: User, signed_in: Client
) -> None:
    application = make_application(applicant)
    assert signed_in.post(cancel_url(application), {}).status_code == 400
    assert not _cancelled(application)
