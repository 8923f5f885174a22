"""Answering an officer's request for corrections: only the flagged fields and documents can
change, with the note and deadline beside them; resubmitting returns the application to the
same office's queue without a new payment."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import User
from applications import registry
from applications.models import Application, Attachment, RevisionRequest, StatusChange
from applications.registry import ServiceDefinition
from applications.services import application_start, attachment_add
from offices.models import Office
from tests.accounts.factories import make_profile
from tests.applications.conftest import (
    SERVICE_CODE,
    TEST_DETAILS,
    ServiceUnderTest,
    TestPermitDetails,
    act,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

NOTE = "The colour does not match the registry; the photo is out of date."


def photo_upload() -> SimpleUploadedFile:
    image = Image.merge("RGB", [Image.effect_noise((600, 800), 60) for _i in range(3)])
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def url(name: str, application: Application) -> str:
    return reverse(f"applications:{name}", args=[application.public_id])


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def permit(service: ServiceUnderTest) -> ServiceDefinition:
    """The test service with a required photo (so an officer can flag it)."""
    definition = dataclasses.replace(service.definition, required_documents=("photo",))
    registry.unregister_service(SERVICE_CODE)
    return registry.register_service(definition)


@pytest.fixture
def applicant(db: None) -> User:
    return make_profile("3171014507900003", verified=True).user


@pytest.fixture
def other(db: None) -> User:
    return make_profile("3171011203850001", verified=True).user


@pytest.fixture
def signed_in(client: Client, applicant: User) -> Client:
    client.force_login(applicant)
    return client


@pytest.fixture
def returned(permit: ServiceDefinition, samsat: Office, officer: User, applicant: User) -> Application:
    """Submitted to ``samsat``, paid, claimed, and returned: the colour and the photo flagged."""
    details = TestPermitDetails({"plate": "B 1234 ABC", "colour": "Red"}, applicant=applicant)
    assert details.is_valid()
    application = application_start(
        applicant=applicant, service_code=SERVICE_CODE, details=details, delivery_choice="courier"
    )
    attachment_add(application_id=application.pk, kind="photo", uploaded_file=photo_upload(), actor=applicant)
    application = act(application, "submit", applicant, office=samsat)
    application = act(application, "pay", None)
    application = act(application, "claim", officer)
    return act(
        application,
        "request_revision",
        officer,
        note=NOTE,
        flagged_fields=["colour"],
        flagged_documents=["photo"],
    )


def open_request(application: Application) -> RevisionRequest:
    return RevisionRequest.objects.get(application=application, resolved_at__isnull=True)


# --- the application's page ---------------------------------------------------------------


def test_the_application_page_highlights_what_to_correct(returned: Application, signed_in: Client) -> None:
    response = signed_in.get(url("detail", returned))
    revision = response.context["revision"]
    assert revision.note == NOTE
    assert [item.name for item in revision.fields] == ["colour"]
    assert [item.name for item in revision.documents] == ["photo"]
    assert revision.deadline == open_request(returned).deadline
    assert response.context["progress"] is None
    body = response.content.decode()
    assert "The officer asks for corrections" in body
    assert NOTE in body
    assert "Colour" in body
    for name in ("edit", "documents", "resubmit"):
        assert url(name, returned) in body


def test_my_applications_points_to_the_corrections(returned: Application, signed_in: Client) -> None:
    body = signed_in.get(reverse("applications:mine")).content.decode()
    assert "Make corrections" in body


# --- fields -------------------------------------------------------------------------------


def test_only_flagged_fields_are_editable_with_the_note_beside_them(
    returned: Application, signed_in: Client
) -> None:
    response = signed_in.get(url("edit", returned))
    details = response.context["details"]
    assert details.fields["plate"].disabled
    assert not details.fields["colour"].disabled
    assert response.context["delivery"] is None
    body = response.content.decode()
    assert NOTE in body
    assert "Deadline:" in body
    assert "The officer asks you to correct this." in body
    assert 'name="delivery_choice"' not in body


def test_a_non_flagged_field_posted_is_ignored(returned: Application, signed_in: Client) -> None:
    response = signed_in.post(
        url("edit", returned),
        {
            "plate": "Z 9999 ZZ",
            "colour": "Green",
            "delivery_choice": "digital",
            "version": returned.version,
            "status": "queued",
        },
    )
    assert response.status_code == 302
    returned.refresh_from_db()
    assert returned.subject == "B 1234 ABC"
    assert returned.delivery_choice == "courier"
    assert returned.status == "revision_requested"
    assert TEST_DETAILS[returned.pk] == {"colour": "Green"}
    assert open_request(returned).changed_fields == ["colour"]


def test_with_only_documents_flagged_there_is_no_field_to_edit(
    permit: ServiceDefinition, samsat: Office, officer: User, applicant: User, signed_in: Client
) -> None:
    details = TestPermitDetails({"plate": "B 1 X", "colour": "Red"}, applicant=applicant)
    assert details.is_valid()
    application = application_start(
        applicant=applicant, service_code=SERVICE_CODE, details=details, delivery_choice="courier"
    )
    attachment_add(application_id=application.pk, kind="photo", uploaded_file=photo_upload(), actor=applicant)
    for action, actor, kwargs in [
        ("submit", applicant, {"office": samsat}),
        ("pay", None, {}),
        ("claim", officer, {}),
        ("request_revision", officer, {"note": "Blurred photo", "flagged_documents": ["photo"]}),
    ]:
        application = act(application, action, actor, **kwargs)
    body = signed_in.get(url("edit", application)).content.decode()
    assert "The officer flagged no fields, only documents." in body
    assert "Save changes" not in body


# --- documents ----------------------------------------------------------------------------


def test_only_flagged_documents_can_be_uploaded(
    returned: Application, applicant: User, signed_in: Client
) -> None:
    response = signed_in.get(url("documents", returned))
    assert [form.document_kind for form in response.context["upload_forms"]] == ["photo"]
    assert NOTE in response.content.decode()

    response = signed_in.post(url("documents", returned), {"kind": "supporting", "file": photo_upload()})
    assert response.status_code == 302
    assert not Attachment.objects.filter(application=returned, kind="supporting").exists()

    old = Attachment.objects.get(application=returned, kind="photo")
    response = signed_in.post(url("documents", returned), {"kind": "photo", "file": photo_upload()})
    assert response.status_code == 302
    new = Attachment.objects.get(application=returned, kind="photo")
    assert new.pk != old.pk
    assert open_request(returned).changed_documents == ["photo"]


# --- resubmitting -------------------------------------------------------------------------


def test_the_resubmit_page_shows_the_request_and_what_changed(
    returned: Application, signed_in: Client
) -> None:
    signed_in.post(url("documents", returned), {"kind": "photo", "file": photo_upload()})
    response = signed_in.get(url("resubmit", returned))
    revision = response.context["revision"]
    assert [(item.name, item.changed) for item in revision.fields] == [("colour", False)]
    assert [(item.name, item.changed) for item in revision.documents] == [("photo", True)]
    body = response.content.decode()
    assert NOTE in body
    assert "Deadline:" in body
    assert "uploaded" in body
    assert 'name="reply"' in body


def test_a_refused_resubmit_lists_the_reasons_and_changes_nothing(
    returned: Application, signed_in: Client
) -> None:
    response = signed_in.post(url("resubmit", returned), {"version": returned.version, "reply": ""})
    assert response.status_code == 200
    assert [str(reason) for reason in response.context["reasons"]] == [
        "Upload a new photo.",
        "Correct the flagged fields, or explain in your reply why they are right.",
    ]
    assert "Upload a new photo." in response.content.decode()
    returned.refresh_from_db()
    assert returned.status == "revision_requested"
    assert open_request(returned).resolved_at is None


def test_resubmitting_returns_to_the_same_office_without_a_new_payment(
    returned: Application, samsat: Office, signed_in: Client
) -> None:
    signed_in.post(
        url("edit", returned), {"plate": "B 1234 ABC", "colour": "Green", "version": returned.version}
    )
    signed_in.post(url("documents", returned), {"kind": "photo", "file": photo_upload()})
    returned.refresh_from_db()
    response = signed_in.post(
        url("resubmit", returned),
        {
            "version": returned.version,
            "reply": "The colour is green since the repaint.",
            "status": "approved",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", returned)
    returned.refresh_from_db()
    assert returned.status == "queued"
    assert returned.handling_office == samsat
    assert returned.assigned_officer is None
    changes = list(StatusChange.objects.filter(application=returned).values_list("action", "to_status"))
    assert changes[-1] == ("resubmit", "queued")
    assert [to for _action, to in changes].count("pending_payment") == 1
    revision = RevisionRequest.objects.get(application=returned)
    assert revision.resolved_at is not None
    assert revision.reply == "The colour is green since the repaint."


def test_a_stale_resubmit_changes_nothing(returned: Application, signed_in: Client) -> None:
    signed_in.post(url("documents", returned), {"kind": "photo", "file": photo_upload()})
    # Changed in another tab after this page was built: the page's version is old.
    signed_in.post(
        url("edit", returned), {"plate": "B 1234 ABC", "colour": "Green", "version": returned.version}
    )
    response = signed_in.post(
        url("resubmit", returned), {"version": returned.version, "reply": "The colour is right."}
    )
    assert response.status_code == 200
    assert "This application changed meanwhile" in response.content.decode()
    returned.refresh_from_db()
    assert returned.status == "revision_requested"


def test_a_draft_has_nothing_to_resubmit(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    details = TestPermitDetails({"plate": "B 1 X", "colour": "Red"}, applicant=applicant)
    assert details.is_valid()
    application = application_start(applicant=applicant, service_code=SERVICE_CODE, details=details)
    response = signed_in.post(url("resubmit", application), {"version": 1, "reply": "?"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "draft"


# --- someone else's application -----------------------------------------------------------


@pytest.mark.parametrize("name", ["edit", "documents", "resubmit"])
def test_someone_elses_returned_application_is_not_found(
    name: str, returned: Application, other: User, client: Client
) -> None:
    client.force_login(other)
    assert client.get(url(name, returned)).status_code == 404
    posted = {"colour": "Black", "version": returned.version, "kind": "photo", "reply": "mine"}
    assert client.post(url(name, returned), {**posted, "file": photo_upload()}).status_code == 404
    returned.refresh_from_db()
    assert returned.status == "revision_requested"
    assert TEST_DETAILS[returned.pk] == {"colour": "Red"}
    assert open_request(returned).changed_documents == []
