"""Revision requests, the applicant's edits and the guards the core decides for every service.

``request_revision`` records what was flagged and a deadline; while it is open only the
flagged fields and documents can change; ``resubmit`` needs every flagged document replaced
and the flagged fields changed or answered; the request closes however the revision ends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine

from accounts.models import User
from applications import guards, registry
from applications.models import Application, Attachment, RevisionRequest, StatusChange
from applications.registry import BUILTIN_GUARDS, DOCUMENT_KINDS, revisable_documents, revisable_fields
from applications.services import (
    AttachmentRefused,
    EditRefused,
    StaleApplication,
    TransitionRefused,
    application_details_save,
    application_start,
    attachment_add,
)
from audit.models import AuditEvent
from offices.models import Office
from tests.applications.conftest import (
    SERVICE_CODE,
    TEST_DETAILS,
    ServiceUnderTest,
    TestPermitDetails,
    act,
    make_application,
    to_status,
)
from tests.applications.test_uploads import encode, noisy, upload

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def photo() -> Any:
    return upload(encode(noisy((600, 800)), "JPEG"), "photo.jpg")


def details(application: Application | None, citizen: User, **data: str) -> TestPermitDetails:
    form = TestPermitDetails(data, application=application, applicant=citizen)
    assert form.is_valid(), form.errors
    return form


def in_review(citizen: User, officer: User, office: Office, subject: str = "B 1234 ABC") -> Application:
    application = make_application(citizen, subject)
    TEST_DETAILS[application.pk] = {"colour": "Red"}
    return to_status(application, "in_review", citizen=citizen, officer=officer, office=office)


def flag(application: Application, officer: User, **flags: Any) -> Application:
    return act(application, "request_revision", officer, note="Please check these.", **flags)


def test_the_core_has_a_function_for_each_of_its_guards() -> None:
    assert set(guards.BUILTIN) == BUILTIN_GUARDS
    assert BUILTIN_GUARDS <= registry.WORKFLOW_GUARDS
    assert list(DOCUMENT_KINDS) == list(Attachment.Kind.values)


def test_revisable_items_come_from_the_details_form_and_the_documents(service: ServiceUnderTest) -> None:
    assert [name for name, _label in revisable_fields(service.definition)] == ["plate", "colour"]
    assert [kind for kind, _label in revisable_documents(service.definition)] == ["supporting"]
    with_photo = dataclasses.replace(service.definition, required_documents=("photo", "ktp_scan"))
    assert [k for k, _label in revisable_documents(with_photo)] == ["photo", "ktp_scan", "supporting"]
    without_form = dataclasses.replace(service.definition, details_form=None)
    assert revisable_fields(without_form) == []


def test_a_service_cannot_require_an_unknown_document(service: ServiceUnderTest) -> None:
    with pytest.raises(registry.ServiceRegistrationError, match="unknown required documents"):
        dataclasses.replace(service.definition, code="other", required_documents=("passport",))


# --- drafts ---------------------------------------------------------------------------------


def test_starting_saves_the_details_with_the_draft(service: ServiceUnderTest, citizen: User) -> None:
    application = application_start(
        applicant=citizen,
        service_code=SERVICE_CODE,
        details=details(None, citizen, plate="b 77 cd", colour="Blue"),
        delivery_choice="courier",
    )
    assert (application.status, application.subject, application.delivery_choice) == (
        "draft",
        "B 77 CD",
        "courier",
    )
    assert TEST_DETAILS[application.pk] == {"colour": "Blue"}


def test_a_draft_is_edited_and_the_change_audited_by_field_name(
    service: ServiceUnderTest, citizen: User
) -> None:
    application = make_application(citizen)
    version = application.version
    edited = application_details_save(
        application_id=application.pk,
        actor=citizen,
        details=details(application, citizen, plate="B 9 XY", colour="Green"),
        delivery_choice="digital",
        expected_version=version,
    )
    assert (edited.subject, edited.delivery_choice, edited.version) == ("B 9 XY", "digital", version + 1)
    event = AuditEvent.objects.get(action="application.details_changed", object_id=str(application.public_id))
    assert set(event.details["fields"]) == {"plate", "colour", "delivery_choice"}
    assert "Green" not in str(event.details)


def test_editing_is_refused_to_others_on_stale_pages_and_after_submission(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = make_application(citizen)
    form = details(application, citizen, plate="B 1 A", colour="Red")
    with pytest.raises(EditRefused) as refused:
        application_details_save(application_id=application.pk, actor=officer, details=form)
    assert refused.value.code == "not_your_application"
    with pytest.raises(StaleApplication):
        application_details_save(
            application_id=application.pk, actor=citizen, details=form, expected_version=99
        )
    submitted = act(application, "submit", citizen, office=samsat)
    with pytest.raises(EditRefused) as refused:
        application_details_save(application_id=submitted.pk, actor=citizen, details=form)
    assert refused.value.code == "wrong_state"
    assert Application.objects.get(pk=application.pk).subject == "B 1234 ABC"


# --- the core's document guards -------------------------------------------------------------


def test_submit_needs_the_required_documents(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    registry.unregister_service(SERVICE_CODE)
    registry.register_service(dataclasses.replace(service.definition, required_documents=("photo",)))
    application = make_application(citizen)
    with pytest.raises(TransitionRefused) as refused:
        act(application, "submit", citizen, office=samsat)
    assert [str(r) for r in refused.value.reasons] == ["Upload the photo."]

    attachment_add(application_id=application.pk, kind="photo", uploaded_file=photo(), actor=citizen)
    assert act(application, "submit", citizen, office=samsat).status == "pending_payment"


def test_submit_refuses_a_photo_that_no_longer_meets_the_size_rules(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    application = make_application(citizen)
    attachment = attachment_add(
        application_id=application.pk, kind="photo", uploaded_file=photo(), actor=citizen
    )
    Attachment.objects.filter(pk=attachment.pk).update(width=300)  # rules tightened since the upload
    with pytest.raises(TransitionRefused, match="too small"):
        act(application, "submit", citizen, office=samsat)


# --- requesting a revision ------------------------------------------------------------------


def test_a_revision_request_records_the_flags_and_a_14_day_deadline(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    with time_machine.travel(START, tick=False):
        application = flag(in_review(citizen, officer, samsat), officer, flagged_fields=["colour"])
    request = RevisionRequest.objects.get(application=application)
    assert (request.fields, request.documents, request.note) == (["colour"], [], "Please check these.")
    assert request.deadline == START + dt.timedelta(days=14)
    assert request.requested_by_id == officer.pk
    assert request.is_open


@pytest.mark.parametrize(
    ("flags", "note", "message"),
    [
        ({}, "Check it", "Choose the fields or documents"),
        ({"flagged_fields": ["engine_number"]}, "Check it", "Only the service's own fields"),
        ({"flagged_documents": ["passport"]}, "Check it", "Only the service's own fields"),
        ({"flagged_fields": ["colour"]}, "  ", "Say what to correct"),
    ],
)
def test_a_revision_request_needs_known_items_and_a_note(
    service: ServiceUnderTest,
    citizen: User,
    officer: User,
    samsat: Office,
    flags: dict[str, Any],
    note: str,
    message: str,
) -> None:
    application = in_review(citizen, officer, samsat)
    with pytest.raises(TransitionRefused, match=message):
        act(application, "request_revision", officer, note=note, **flags)
    assert not RevisionRequest.objects.exists()
    assert Application.objects.get(pk=application.pk).status == "in_review"


def test_flags_are_only_given_to_request_revision(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    with pytest.raises(ValueError, match="flagged items"):
        act(make_application(citizen), "submit", citizen, office=samsat, flagged_fields=["colour"])


# --- answering it ---------------------------------------------------------------------------


def test_only_flagged_fields_change_and_the_rest_is_refused(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = flag(in_review(citizen, officer, samsat), officer, flagged_fields=["colour"])
    with pytest.raises(EditRefused) as refused:
        application_details_save(
            application_id=application.pk,
            actor=citizen,
            details=details(application, citizen, plate="B 5555 ZZ", colour="Red"),
        )
    assert refused.value.code == "not_flagged"
    with pytest.raises(EditRefused):
        application_details_save(
            application_id=application.pk, actor=citizen, details=None, delivery_choice="digital"
        )

    application_details_save(
        application_id=application.pk,
        actor=citizen,
        details=details(application, citizen, plate="B 1234 ABC", colour="Maroon"),
    )
    assert RevisionRequest.objects.get(application=application).changed_fields == ["colour"]
    assert TEST_DETAILS[application.pk] == {"colour": "Maroon"}


def test_only_flagged_documents_can_be_replaced(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = flag(in_review(citizen, officer, samsat), officer, flagged_documents=["supporting"])
    with pytest.raises(AttachmentRefused) as refused:
        attachment_add(application_id=application.pk, kind="photo", uploaded_file=photo(), actor=citizen)
    assert refused.value.code == "not_flagged"
    assert not Attachment.objects.filter(application=application).exists()

    attachment_add(application_id=application.pk, kind="supporting", uploaded_file=photo(), actor=citizen)
    assert RevisionRequest.objects.get(application=application).changed_documents == ["supporting"]


def test_resubmit_needs_the_flagged_documents_replaced(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = flag(in_review(citizen, officer, samsat), officer, flagged_documents=["supporting"])
    with pytest.raises(TransitionRefused, match="Upload a new supporting document"):
        act(application, "resubmit", citizen, note="Done")
    attachment_add(application_id=application.pk, kind="supporting", uploaded_file=photo(), actor=citizen)
    resubmitted = act(application, "resubmit", citizen)
    assert (resubmitted.status, resubmitted.handling_office_id) == ("queued", samsat.pk)


def test_resubmit_needs_flagged_fields_changed_or_answered(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = flag(in_review(citizen, officer, samsat), officer, flagged_fields=["colour"])
    with pytest.raises(TransitionRefused, match="explain in your reply"):
        act(application, "resubmit", citizen)
    resubmitted = act(application, "resubmit", citizen, note="Red is right: see the STNK.")
    request = RevisionRequest.objects.get(application=application)
    assert request.resolved_at is not None
    assert request.reply == "Red is right: see the STNK."
    assert resubmitted.status == "queued"
    # No new payment: the step back to the queue is the only one after the revision.
    assert list(
        StatusChange.objects.filter(application=application).order_by("pk").values_list("action", flat=True)
    )[-2:] == ["request_revision", "resubmit"]


def test_resubmit_refuses_changes_outside_the_flags(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = flag(in_review(citizen, officer, samsat), officer, flagged_fields=["colour"])
    # A change the pages cannot make (written straight to the row) still stops the resubmission.
    RevisionRequest.objects.filter(application=application).update(changed_fields=["colour", "plate"])
    with pytest.raises(TransitionRefused, match="Only the flagged items"):
        act(application, "resubmit", citizen, note="ok")


@pytest.mark.parametrize("ending", ["cancel", "lapse_revision"])
def test_the_request_closes_when_the_revision_ends_otherwise(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office, ending: str
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        application = flag(in_review(citizen, officer, samsat), officer, flagged_fields=["colour"])
        traveller.move_to(START + dt.timedelta(days=15))
        act(application, ending, citizen if ending == "cancel" else None)
    request = RevisionRequest.objects.get(application=application)
    assert request.resolved_at is not None
    assert request.reply == ""


def test_a_second_request_after_a_resubmission_is_a_new_one(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = flag(in_review(citizen, officer, samsat), officer, flagged_fields=["colour"])
    application = act(application, "resubmit", citizen, note="It is right.")
    application = act(application, "claim", officer)
    flag(application, officer, flagged_fields=["plate"])
    requests = list(RevisionRequest.objects.filter(application=application).order_by("pk"))
    assert [(r.fields, r.is_open) for r in requests] == [(["colour"], False), (["plate"], True)]
