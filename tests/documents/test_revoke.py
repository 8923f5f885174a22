"""Revoking a document: the service (supervisors of the handling office or its Polda, a reason,
audited; a refused attempt changes nothing) and the supervisor's page
(``/staf/dokumen/<uuid>/cabut/``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import User
from applications.models import Application
from audit.models import AuditEvent
from audit.services import audit_pii_hash
from documents.models import IssuedDocument
from documents.revocation import OBJECT_TYPE, REASON_MAX_LENGTH, RevocationRefused, document_revoke
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import ServiceUnderTest, make_application, make_polda_supervisor, to_status
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

# The applications tests' service and office, for an application handled by an office.
service = applications_conftest.service
samsat = applications_conftest.samsat

REASON = "Issued on a forged certificate (case 12/XI/2026)"
# What a revocation changes, and a refused one must leave as it was.
STATE_FIELDS = ("status", "status_reason", "status_changed_at", "status_changed_by_id")


def revoke_url(document: IssuedDocument) -> str:
    return f"/staf/dokumen/{document.public_id}/cabut/"


@pytest.fixture
def client(client: Client) -> Client:
    """Pages in English, the msgids these tests read."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def holder(db: None) -> User:
    return make_profile("3171014507900003", verified=True, full_name="Siti Rahmawati").user


@pytest.fixture
def officer(samsat: Office) -> User:
    return make_staff(roles.OFFICER, office=samsat)


@pytest.fixture
def supervisor(samsat: Office) -> User:
    return make_staff(roles.SUPERVISOR, office=samsat)


@pytest.fixture
def application(service: ServiceUnderTest, samsat: Office, officer: User, holder: User) -> Application:
    """An application handled by ``samsat`` (made directly: the issuing service is not needed here)."""
    return to_status(make_application(holder), "queued", citizen=holder, officer=officer, office=samsat)


@pytest.fixture
def document(application: Application, holder: User) -> IssuedDocument:
    return IssuedDocument.objects.create(
        kind="test_permit", application=application, holder=holder, reference=application.reference
    )


def state(document: IssuedDocument) -> tuple[Any, ...]:
    document.refresh_from_db()
    return tuple(getattr(document, field) for field in STATE_FIELDS)


def revocation_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="document.revoked"))


def test_url_is_named() -> None:
    some = "6f1c4c1e-8d0a-4d57-9a37-2c1b1b6f9e01"
    assert reverse("documents:revoke", args=[some]) == f"/staf/dokumen/{some}/cabut/"


# --- the service --------------------------------------------------------------------------


def test_a_supervisor_of_the_handling_office_revokes_with_a_reason(
    document: IssuedDocument, supervisor: User, samsat: Office
) -> None:
    revoked = document_revoke(document_id=document.pk, supervisor=supervisor, reason=f"  {REASON}  ")
    document.refresh_from_db()
    assert revoked.status == document.status == IssuedDocument.Status.REVOKED
    assert document.status_reason == REASON
    assert document.status_changed_by_id == supervisor.pk
    assert document.status_changed_at is not None

    [event] = revocation_events()
    assert event.actor_id == supervisor.pk
    assert event.object_type == OBJECT_TYPE
    assert event.object_id == str(document.public_id)
    assert event.office_id == samsat.pk
    assert event.details == {"kind": "test_permit", "previous_status": "valid"}
    # The free-text reason is in the audit trail as a keyed hash only.
    assert event.changed_fields["status_reason"] == audit_pii_hash(REASON)
    assert REASON not in str(event.details) + str(event.changed_fields)


def test_a_supervisor_of_the_offices_polda_may_revoke(document: IssuedDocument, samsat: Office) -> None:
    document_revoke(document_id=document.pk, supervisor=make_polda_supervisor(samsat), reason=REASON)
    document.refresh_from_db()
    assert document.status == IssuedDocument.Status.REVOKED


def _refused_case(name: str, document: IssuedDocument, samsat: Office, supervisor: User) -> tuple[User, str]:
    other_office = OfficeFactory(kind=Office.Kind.SAMSAT)
    cases: dict[str, tuple[User, str]] = {
        "not_a_supervisor": (make_staff(roles.OFFICER, office=samsat), REASON),
        "outside_office_scope": (make_staff(roles.SUPERVISOR, office=other_office), REASON),
        "polda_of_another_office": (make_polda_supervisor(other_office), REASON),
        "reason_required": (supervisor, "   "),
        "reason_too_long": (supervisor, "x" * (REASON_MAX_LENGTH + 1)),
    }
    return cases[name]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("not_a_supervisor", "not_a_supervisor"),
        ("outside_office_scope", "outside_office_scope"),
        ("polda_of_another_office", "outside_office_scope"),
        ("reason_required", "reason_required"),
        ("reason_too_long", "reason_too_long"),
    ],
)
def test_refused_attempts_change_nothing(
    document: IssuedDocument, samsat: Office, supervisor: User, case: str, code: str
) -> None:
    actor, reason = _refused_case(case, document, samsat, supervisor)
    before = state(document)
    with pytest.raises(RevocationRefused) as refused:
        document_revoke(document_id=document.pk, supervisor=actor, reason=reason)
    assert refused.value.code == code
    assert state(document) == before
    assert revocation_events() == []


@pytest.mark.parametrize("status", [IssuedDocument.Status.REVOKED, IssuedDocument.Status.SUPERSEDED])
def test_only_a_valid_document_is_revoked(document: IssuedDocument, supervisor: User, status: str) -> None:
    IssuedDocument.objects.filter(pk=document.pk).update(status=status, status_reason="earlier")
    before = state(document)
    with pytest.raises(RevocationRefused) as refused:
        document_revoke(document_id=document.pk, supervisor=supervisor, reason=REASON)
    assert refused.value.code == "not_valid"
    assert state(document) == before
    assert revocation_events() == []


def test_a_document_without_an_application_belongs_to_no_office(holder: User, supervisor: User) -> None:
    document = IssuedDocument.objects.create(kind="test_permit", holder=holder, reference="TST-LOOSE")
    with pytest.raises(RevocationRefused) as refused:
        document_revoke(document_id=document.pk, supervisor=supervisor, reason=REASON)
    assert refused.value.code == "outside_office_scope"


# --- the page -----------------------------------------------------------------------------


@pytest.fixture
def as_supervisor(client: Client, supervisor: User) -> Client:
    sign_in_with_mfa(client, supervisor)
    return client


def test_the_page_shows_the_document_and_the_reason_form(
    as_supervisor: Client, document: IssuedDocument
) -> None:
    response = as_supervisor.get(revoke_url(document))
    assert response.status_code == 200
    page = response.content.decode()
    assert document.reference in page
    assert "Siti Rahmawati" in page
    assert 'name="reason"' in page
    assert "no-store" in response["Cache-Control"]
    assert reverse("applications:review", args=[document.application.public_id]) in page  # type: ignore[union-attr]


def test_posting_a_reason_revokes_and_the_public_page_says_so(
    as_supervisor: Client, document: IssuedDocument
) -> None:
    response = as_supervisor.post(revoke_url(document), {"reason": REASON})
    assert response.status_code == 302
    # Back to the application's review page, which says so.
    review_url = reverse("applications:review", args=[document.application.public_id])  # type: ignore[union-attr]
    assert response["Location"] == review_url
    document.refresh_from_db()
    assert document.status == IssuedDocument.Status.REVOKED
    assert len(revocation_events()) == 1
    assert "The document is revoked." in as_supervisor.get(review_url).content.decode()

    after = as_supervisor.get(revoke_url(document))
    page = after.content.decode()
    assert REASON in page  # the office sees its reason
    assert 'name="reason"' not in page  # nothing more to revoke

    anyone = Client()
    anyone.cookies["django_language"] = "en"
    public = anyone.get(f"/verify/{document.verification_token}/")
    assert public.status_code == 200
    assert "REVOKED" in public.content.decode()
    assert REASON not in public.content.decode()


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Give the reason for revoking the document."),
        ("x" * (REASON_MAX_LENGTH + 1), "Keep the reason within 500 characters."),
    ],
)
def test_a_missing_or_long_reason_is_explained_next_to_the_field(
    as_supervisor: Client, document: IssuedDocument, reason: str, message: str
) -> None:
    before = state(document)
    response = as_supervisor.post(revoke_url(document), {"reason": reason})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [message]
    page = response.content.decode()
    assert message in page
    assert reason in page  # what was typed is kept
    assert state(document) == before
    assert revocation_events() == []


def test_revoking_twice_is_refused_with_a_message(as_supervisor: Client, document: IssuedDocument) -> None:
    as_supervisor.post(revoke_url(document), {"reason": REASON})
    before = state(document)
    response = as_supervisor.post(revoke_url(document), {"reason": "again"})
    assert response.status_code == 200
    assert "Only a valid document can be revoked" in response.content.decode()
    assert state(document) == before
    assert len(revocation_events()) == 1


def test_another_offices_supervisor_gets_not_found_whatever_the_method(
    client: Client, document: IssuedDocument
) -> None:
    sign_in_with_mfa(client, make_staff(roles.SUPERVISOR, office=OfficeFactory(kind=Office.Kind.SAMSAT)))
    before = state(document)
    for response in (client.get(revoke_url(document)), client.post(revoke_url(document), {"reason": REASON})):
        assert response.status_code == 404
        assert document.reference.encode() not in response.content
    assert state(document) == before
    assert revocation_events() == []


@pytest.mark.parametrize("role", [roles.OFFICER, roles.DISPATCHER])
def test_other_staff_of_the_office_are_forbidden(
    client: Client, document: IssuedDocument, samsat: Office, role: str
) -> None:
    sign_in_with_mfa(client, make_staff(role, office=samsat))
    before = state(document)
    assert client.get(revoke_url(document)).status_code == 403
    assert client.post(revoke_url(document), {"reason": REASON}).status_code == 403
    assert state(document) == before


def test_the_holder_cannot_revoke(client: Client, document: IssuedDocument, holder: User) -> None:
    client.force_login(holder)
    assert client.post(revoke_url(document), {"reason": REASON}).status_code == 403
    assert state(document)[0] == IssuedDocument.Status.VALID


def test_the_form_needs_the_csrf_token(supervisor: User, document: IssuedDocument) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in_with_mfa(client, supervisor)
    assert client.post(revoke_url(document), {"reason": REASON}).status_code == 403
    assert state(document)[0] == IssuedDocument.Status.VALID
