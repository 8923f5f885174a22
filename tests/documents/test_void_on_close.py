"""A registration proof does not stay valid once its application ends without being handled
(cancelled, expired, rejected — by an officer or by a lapsed deadline): it is revoked in the
transition's transaction with a fixed reason and no actor, audited, and the public
verification page says so with that reason. An application that is handled keeps its proof."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from applications import events
from applications.events import TransitionEvent
from applications.guards import REVISION_DEADLINE, UNBOOKED_LAPSE_AFTER
from applications.models import Application
from applications.workflow import APPLICATION_WORKFLOW
from audit.models import AuditEvent
from documents.models import IssuedDocument
from documents.registration_proof import KIND as PROOF
from documents.revocation import (
    CLOSED_REASONS,
    CLOSING_ACTIONS,
    OBJECT_TYPE,
    documents_void_for_closed_application,
    public_reason,
)
from offices.models import Office
from tests.accounts.factories import make_profile
from tests.applications.conftest import ServiceUnderTest, act, make_application, to_status

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
PAYMENT_WINDOW = dt.timedelta(days=7)  # the test service's default payment_window_days


@pytest.fixture
def clock_at() -> Iterator[Callable[[dt.datetime], None]]:
    with time_machine.travel(START, tick=False) as traveller:
        yield lambda moment: traveller.move_to(moment)


@pytest.fixture
def holder(db: None) -> User:
    return make_profile("3171014507900003", verified=True, full_name="Siti Rahmawati").user


@pytest.fixture(autouse=True)
def _generous_limit(settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "verify_document": "100/m/ip"}


def proof_of(application: Application) -> IssuedDocument:
    return IssuedDocument.objects.get(application=application, kind=PROOF)


def voided_events(document: IssuedDocument) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="document.revoked", object_id=str(document.public_id)))


def verify_page(document: IssuedDocument) -> str:
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.get(reverse("documents:verify", args=[document.verification_token]))
    assert response.status_code == 200
    return response.content.decode()


# --- how each closing action is reached -----------------------------------------------------


def _cancelled(
    holder: User, officer: User, office: Office, clock_at: Any, service: ServiceUnderTest
) -> Application:
    application = to_status(
        make_application(holder), "queued", citizen=holder, officer=officer, office=office
    )
    return act(application, "cancel", holder)


def _expired(
    holder: User, officer: User, office: Office, clock_at: Any, service: ServiceUnderTest
) -> Application:
    application = act(make_application(holder), "submit", holder, office=office)
    clock_at(START + PAYMENT_WINDOW + dt.timedelta(minutes=1))
    return act(application, "expire", None)


def _rejected(
    holder: User, officer: User, office: Office, clock_at: Any, service: ServiceUnderTest
) -> Application:
    application = to_status(
        make_application(holder), "in_review", citizen=holder, officer=officer, office=office
    )
    return act(application, "reject", officer, reason="documents_invalid", note="The KTP scan is unreadable.")


def _lapsed_revision(
    holder: User, officer: User, office: Office, clock_at: Any, service: ServiceUnderTest
) -> Application:
    application = to_status(
        make_application(holder), "in_review", citizen=holder, officer=officer, office=office
    )
    application = act(application, "request_revision", officer, note="The colour?", flagged_fields=["colour"])
    clock_at(START + REVISION_DEADLINE + dt.timedelta(minutes=1))
    return act(application, "lapse_revision", None)


def _lapsed_appointment(
    holder: User, officer: User, office: Office, clock_at: Any, service: ServiceUnderTest
) -> Application:
    service.appointment = True
    application = to_status(
        make_application(holder), "in_review", citizen=holder, officer=officer, office=office
    )
    application = act(application, "schedule", officer)
    clock_at(START + UNBOOKED_LAPSE_AFTER + dt.timedelta(minutes=1))
    return act(application, "lapse_appointment", None)


PATHS: dict[str, tuple[Callable[..., Application], str]] = {
    "cancel": (_cancelled, "The application was cancelled."),
    "expire": (_expired, "The application expired."),
    "reject": (_rejected, "The application was rejected."),
    "lapse_revision": (_lapsed_revision, "The application was rejected."),
    "lapse_appointment": (_lapsed_appointment, "The application was rejected."),
}


def test_every_action_that_ends_an_application_unhandled_is_listened_to() -> None:
    ending = {t.name for t in APPLICATION_WORKFLOW.transitions if t.target in CLOSED_REASONS}
    assert set(CLOSING_ACTIONS) == ending == set(PATHS)
    for action in CLOSING_ACTIONS:
        assert any(
            getattr(handler, "__module__", "") == "documents.revocation"
            for handler in events.in_transaction_listeners(action)
        ), action


@pytest.mark.parametrize("action", list(PATHS))
def test_the_proof_is_revoked_with_a_fixed_reason_and_the_public_page_says_so(
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    holder: User,
    clock_at: Any,
    action: str,
) -> None:
    make, reason = PATHS[action]
    application = make(holder, officer, samsat, clock_at, service)
    assert application.status in CLOSED_REASONS

    proof = proof_of(application)
    assert proof.status == IssuedDocument.Status.REVOKED
    assert proof.status_reason == reason
    assert proof.status_changed_by_id is None
    assert proof.status_changed_at is not None
    [event] = voided_events(proof)
    assert event.actor_id is None
    assert event.object_type == OBJECT_TYPE
    assert event.office_id == samsat.pk
    assert event.details == {
        "kind": PROOF,
        "previous_status": "valid",
        "application_status": application.status,
    }

    page = verify_page(proof)
    assert "REVOKED" in page
    assert "VALID" not in page.replace("not valid", "")
    assert reason in page


def test_the_reason_is_stored_once_and_shown_in_the_readers_language(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User, clock_at: Any
) -> None:
    proof = proof_of(_cancelled(holder, officer, samsat, clock_at, service))
    # The msgid is what is stored; each reader gets it translated when shown.
    assert proof.status_reason == CLOSED_REASONS["cancelled"]
    with translation.override("en"):
        assert public_reason(proof) == "The application was cancelled."


def test_the_holder_sees_the_reason_on_the_documents_page(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User, clock_at: Any
) -> None:
    proof = proof_of(_cancelled(holder, officer, samsat, clock_at, service))
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(holder)
    page = client.get(reverse("documents:detail", args=[proof.public_id])).content.decode()
    assert "This document was revoked and is no longer valid." in page
    assert "The application was cancelled." in page


def test_a_draft_cancelled_before_submission_has_no_proof_to_revoke(
    service: ServiceUnderTest, holder: User
) -> None:
    application = act(make_application(holder), "cancel", holder)
    assert application.status == "cancelled"
    assert not IssuedDocument.objects.filter(application=application).exists()
    assert not AuditEvent.objects.filter(action="document.revoked").exists()


def test_other_documents_of_the_application_are_left_alone(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    application = to_status(
        make_application(holder), "queued", citizen=holder, officer=officer, office=samsat
    )
    other = IssuedDocument.objects.create(
        kind="test_permit", application=application, holder=holder, reference="TST-OTHER"
    )
    act(application, "cancel", holder)
    other.refresh_from_db()
    assert other.status == IssuedDocument.Status.VALID
    assert proof_of(application).status == IssuedDocument.Status.REVOKED


def test_an_already_revoked_proof_is_not_revoked_again(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    application = to_status(
        make_application(holder), "queued", citizen=holder, officer=officer, office=samsat
    )
    IssuedDocument.objects.filter(application=application).update(
        status=IssuedDocument.Status.REVOKED, status_reason="earlier", status_changed_by_id=officer.pk
    )
    act(application, "cancel", holder)
    proof = proof_of(application)
    assert (proof.status_reason, proof.status_changed_by_id) == ("earlier", officer.pk)
    assert voided_events(proof) == []
    assert documents_void_for_closed_application(application=application, to_status="cancelled") == []


def test_a_transition_that_rolls_back_leaves_the_proof_valid(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    application = to_status(
        make_application(holder), "queued", citizen=holder, officer=officer, office=samsat
    )

    def later_listener_fails(event: TransitionEvent) -> None:
        raise RuntimeError("the refund could not be recorded")

    events.listen("cancel", later_listener_fails, phase="in_transaction")
    try:
        with pytest.raises(RuntimeError):
            act(application, "cancel", holder)
    finally:
        events.unlisten("cancel", later_listener_fails)
    proof = proof_of(application)
    assert proof.status == IssuedDocument.Status.VALID
    assert voided_events(proof) == []


def test_a_handled_application_keeps_its_proof(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    application = to_status(
        make_application(holder), "completed", citizen=holder, officer=officer, office=samsat
    )
    proof = proof_of(application)
    assert proof.status == IssuedDocument.Status.VALID
    assert proof.status_reason == ""
    assert voided_events(proof) == []
    page = verify_page(proof)
    assert "VALID" in page
    assert "REVOKED" not in page


def test_a_supervisors_reason_stays_private(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    """Only the fixed system reasons are public: a supervisor who happens to type one is not
    the system, and their text is never shown."""
    application = to_status(
        make_application(holder), "queued", citizen=holder, officer=officer, office=samsat
    )
    IssuedDocument.objects.filter(application=application).update(
        status=IssuedDocument.Status.REVOKED,
        status_reason=CLOSED_REASONS["cancelled"],
        status_changed_by_id=officer.pk,
    )
    proof = proof_of(application)
    assert public_reason(proof) == ""
    assert "The application was cancelled." not in verify_page(proof)
