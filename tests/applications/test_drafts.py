"""The citizen's draft pages: choosing a service, starting, editing, uploading, submitting.

Reached through the test client with the test service; someone else's draft is a 404 on
every page, posted fields outside the forms change nothing, and the documents and edit pages
cost the same number of queries whatever the number of files.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from accounts import roles
from accounts.models import User
from applications import registry
from applications.models import Application, Attachment, StatusChange
from applications.registry import ServiceDefinition
from applications.services import application_start, attachment_add
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import (
    SERVICE_CODE,
    TEST_DETAILS,
    ServiceUnderTest,
    TestPermitDetails,
    act,
)
from tests.factories import UserFactory, sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

NEW_URL = "/warga/permohonan/baru/"
START_URL = f"{NEW_URL}{SERVICE_CODE}/"
DESCRIPTION = "A permit that exists only in the tests."


# --- making things ------------------------------------------------------------------------


def photo_bytes(size: tuple[int, int] = (600, 800)) -> bytes:
    """A textured portrait JPEG that passes the photo checks."""
    image = Image.merge("RGB", [Image.effect_noise(size, 60) for _i in range(3)])
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def bad_photo_bytes() -> bytes:
    """Too small, landscape and blank: every photo check fails at once."""
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(out, format="JPEG")
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def start_draft(
    applicant: User, plate: str = "B 1234 ABC", colour: str = "Red", delivery: str = "courier"
) -> Application:
    details = TestPermitDetails({"plate": plate, "colour": colour}, applicant=applicant)
    assert details.is_valid()
    return application_start(
        applicant=applicant, service_code=SERVICE_CODE, details=details, delivery_choice=delivery
    )


def url(name: str, application: Application) -> str:
    return reverse(f"applications:{name}", args=[application.public_id])


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def client(client: Client) -> Client:
    """Pages in English, the msgids these tests read."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def permit(service: ServiceUnderTest) -> ServiceDefinition:
    """The test service, with a required photo and a description for the citizen."""
    definition = dataclasses.replace(
        service.definition, required_documents=("photo",), description=DESCRIPTION
    )
    registry.unregister_service(SERVICE_CODE)
    return registry.register_service(definition)


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


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


def test_urls_are_named() -> None:
    public_id = "6f1c4c1e-8d0a-4d57-9a37-2c1b1b6f9e01"
    base = f"/warga/permohonan/{public_id}/"
    assert reverse("applications:new") == NEW_URL
    assert reverse("applications:start", args=[SERVICE_CODE]) == START_URL
    assert reverse("applications:edit", args=[public_id]) == f"{base}ubah/"
    assert reverse("applications:documents", args=[public_id]) == f"{base}dokumen/"
    assert reverse("applications:submit", args=[public_id]) == f"{base}ajukan/"
    assert reverse("applications:resubmit", args=[public_id]) == f"{base}kirim-ulang/"


# --- choosing a service -------------------------------------------------------------------


def test_the_services_are_listed_with_their_documents_and_a_start_link(
    permit: ServiceDefinition, signed_in: Client
) -> None:
    response = signed_in.get(NEW_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Test permit" in body
    assert DESCRIPTION in body
    assert "Photo" in body
    assert f'href="{START_URL}"' in body


def test_no_service_registered_says_so(monkeypatch: pytest.MonkeyPatch, signed_in: Client) -> None:
    monkeypatch.setattr(registry, "_services", {})
    response = signed_in.get(NEW_URL)
    assert response.context["cards"] == []
    assert "No service is open for online applications yet." in response.content.decode()


@pytest.mark.parametrize("verified_phone", [False, True])
def test_an_unverified_citizen_is_sent_to_verify_their_identity(
    permit: ServiceDefinition, client: Client, verified_phone: bool
) -> None:
    client.force_login(make_profile("3171014507900003", phone_verified=verified_phone).user)
    response = client.get(NEW_URL)
    body = response.content.decode()
    assert "Verify your identity first" in body
    assert reverse("accounts:identity") in body
    assert "Test permit" not in body
    assert START_URL not in body


def test_an_unverified_citizen_cannot_start(permit: ServiceDefinition, client: Client) -> None:
    citizen = make_profile("3171014507900003").user
    no_profile = UserFactory()
    for user in (citizen, no_profile):
        client.force_login(user)
        assert client.get(START_URL).status_code == 403
        response = client.post(START_URL, {"plate": "B 1 X", "colour": "Red", "delivery_choice": "courier"})
        assert response.status_code == 403
        assert reverse("accounts:identity") in response.content.decode()
    assert not Application.objects.exists()


def test_an_unknown_service_is_not_found(service: ServiceUnderTest, signed_in: Client) -> None:
    assert signed_in.get(f"{NEW_URL}no_such_service/").status_code == 404
    assert signed_in.post(f"{NEW_URL}no_such_service/", {"plate": "B 1 X"}).status_code == 404


# --- starting a draft ---------------------------------------------------------------------


def test_the_start_page_offers_only_the_services_delivery_choices(
    permit: ServiceDefinition, signed_in: Client
) -> None:
    body = signed_in.get(START_URL).content.decode()
    assert 'name="plate"' in body
    assert 'name="colour"' in body
    assert 'type="radio" name="delivery_choice" value="courier"' in body
    assert 'type="radio" name="delivery_choice" value="digital"' in body
    assert 'value="collection"' not in body


def test_a_link_may_preselect_the_services_own_fields_only(
    permit: ServiceDefinition, signed_in: Client
) -> None:
    response = signed_in.get(START_URL, {"colour": "Merah", "delivery_choice": "digital", "x": "1"})
    details = response.context["details"]
    assert details.initial["colour"] == "Merah"
    assert 'value="Merah"' in response.content.decode()
    assert "x" not in details.initial
    assert not response.context["delivery"].is_bound  # the core's fields are never preselected


def test_starting_creates_the_draft_and_goes_to_it(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    response = signed_in.post(
        START_URL, {"plate": "b 1234 abc", "colour": "Red", "delivery_choice": "digital"}
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", application)
    assert application.applicant == applicant
    assert application.status == "draft"
    assert application.subject == "B 1234 ABC"
    assert application.delivery_choice == "digital"
    assert TEST_DETAILS[application.pk] == {"colour": "Red"}


def test_a_delivery_choice_the_service_does_not_offer_is_refused(
    permit: ServiceDefinition, signed_in: Client
) -> None:
    response = signed_in.post(START_URL, {"plate": "B 1 X", "colour": "Red", "delivery_choice": "collection"})
    assert response.status_code == 200
    assert response.context["delivery"].errors["delivery_choice"]
    assert not Application.objects.exists()


def test_a_second_open_application_for_the_same_subject_is_explained(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    start_draft(applicant)
    response = signed_in.post(
        START_URL, {"plate": "b 1234 abc", "colour": "Sky blue", "delivery_choice": "courier"}
    )
    assert response.status_code == 200
    assert response.context["duplicate_message"] is not None
    body = response.content.decode()
    assert "You already have an open application for this service and subject." in body
    assert f'href="{reverse("applications:mine")}"' in body
    assert 'value="Sky blue"' in body  # what was typed is kept
    assert Application.objects.count() == 1


def test_posted_core_fields_do_not_reach_a_new_draft(
    permit: ServiceDefinition, samsat: Office, applicant: User, other: User, signed_in: Client
) -> None:
    signed_in.post(
        START_URL,
        {
            "plate": "B 1 X",
            "colour": "Red",
            "delivery_choice": "courier",
            "status": "approved",
            "handling_office": samsat.pk,
            "applicant": other.pk,
            "reference": "TST-HACKED",
            "version": 99,
        },
    )
    application = Application.objects.get()
    assert application.status == "draft"
    assert application.handling_office is None
    assert application.applicant == applicant
    assert application.reference != "TST-HACKED"
    assert application.version == 1


# --- the draft's page and my applications -------------------------------------------------


def test_the_draft_page_shows_the_checklist(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    response = signed_in.get(url("detail", application))
    progress = response.context["progress"]
    assert progress.details_done
    assert (progress.documents_present, progress.documents_required) == (0, 1)
    assert not progress.ready
    body = response.content.decode()
    assert "Your draft" in body
    assert "0 of 1 required" in body
    for name in ("edit", "documents", "submit"):
        assert url(name, application) in body
    assert response.context["revision"] is None


def test_my_applications_offers_to_continue_a_draft(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    body = signed_in.get(reverse("applications:mine")).content.decode()
    assert "Continue" in body
    assert url("detail", application) in body
    assert f'href="{NEW_URL}"' in body


def test_my_applications_empty_state_links_to_starting_one(signed_in: Client) -> None:
    body = signed_in.get(reverse("applications:mine")).content.decode()
    assert "You have no applications yet." in body
    assert "Start your first application" in body
    assert f'href="{NEW_URL}"' in body


# --- editing ------------------------------------------------------------------------------


def test_editing_a_draft_changes_its_details_and_delivery(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    page = signed_in.get(url("edit", application)).content.decode()
    assert 'value="B 1234 ABC"' in page
    assert 'value="Red"' in page
    response = signed_in.post(
        url("edit", application),
        {
            "plate": "b 9999 xyz",
            "colour": "Blue",
            "delivery_choice": "digital",
            "version": application.version,
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.subject == "B 9999 XYZ"
    assert application.delivery_choice == "digital"
    assert application.version == 2
    assert TEST_DETAILS[application.pk] == {"colour": "Blue"}


def test_invalid_details_keep_the_input_and_save_nothing(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    response = signed_in.post(
        url("edit", application),
        {"plate": "", "colour": "Lime", "delivery_choice": "courier", "version": application.version},
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert 'value="Lime"' in response.content.decode()
    application.refresh_from_db()
    assert application.version == 1
    assert TEST_DETAILS[application.pk] == {"colour": "Red"}


def test_a_stale_edit_asks_to_reload(permit: ServiceDefinition, applicant: User, signed_in: Client) -> None:
    application = start_draft(applicant)
    stale = application.version
    signed_in.post(
        url("edit", application),
        {"plate": "B 1234 ABC", "colour": "Blue", "delivery_choice": "courier", "version": stale},
    )
    response = signed_in.post(
        url("edit", application),
        {"plate": "B 1234 ABC", "colour": "Green", "delivery_choice": "courier", "version": stale},
    )
    body = response.content.decode()
    assert "This application changed meanwhile. Reload the page and try again." in body
    assert "Reload the page</a>" in body
    assert f'name="version" value="{stale}"' in body
    assert TEST_DETAILS[application.pk] == {"colour": "Blue"}


def test_posted_core_fields_are_ignored_when_editing(
    permit: ServiceDefinition, samsat: Office, applicant: User, other: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    reference = application.reference
    signed_in.post(
        url("edit", application),
        {
            "plate": "B 1234 ABC",
            "colour": "Red",
            "delivery_choice": "courier",
            "version": application.version,
            "status": "approved",
            "handling_office": samsat.pk,
            "applicant": other.pk,
            "reference": "TST-HACKED",
        },
    )
    application.refresh_from_db()
    assert application.status == "draft"
    assert application.handling_office is None
    assert application.applicant == applicant
    assert application.reference == reference


def test_a_submitted_application_is_not_edited(
    service: ServiceUnderTest, samsat: Office, applicant: User, signed_in: Client
) -> None:
    application = act(start_draft(applicant), "submit", applicant, office=samsat)
    response = signed_in.post(
        url("edit", application),
        {"plate": "B 5 X", "colour": "Blue", "delivery_choice": "courier", "version": application.version},
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", application)
    application.refresh_from_db()
    assert application.subject == "B 1234 ABC"
    assert TEST_DETAILS[application.pk] == {"colour": "Red"}


# --- documents ----------------------------------------------------------------------------


def test_the_documents_page_explains_what_to_upload(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    response = signed_in.get(url("documents", application))
    assert [(d.kind, d.present) for d in response.context["required"]] == [("photo", False)]
    assert [form.document_kind for form in response.context["upload_forms"]] == [
        "photo",
        "signature",
        "ktp_scan",
        "supporting",
    ]
    body = response.content.decode()
    assert "Missing" in body
    assert 'accept="image/jpeg,image/png,.jpg,.jpeg,.png"' in body
    assert 'accept="image/jpeg,image/png,.jpg,.jpeg,.png,application/pdf,.pdf"' in body
    assert "A JPEG or PNG image of at most 5 MB." in body
    assert "or a PDF of at most 20 pages; at most 10 MB." in body
    assert "at least 400 × 500 pixels" in body


@pytest.mark.usefixtures("media_root")
def test_uploading_a_photo(permit: ServiceDefinition, applicant: User, signed_in: Client) -> None:
    application = start_draft(applicant)
    response = signed_in.post(url("documents", application), {"kind": "photo", "file": upload(photo_bytes())})
    assert response.status_code == 302
    attachment = Attachment.objects.get(application=application)
    assert attachment.kind == "photo"
    page = signed_in.get(url("documents", application))
    assert [d.present for d in page.context["required"]] == [True]
    assert reverse("applications:attachment_download", args=[attachment.public_id]) in page.content.decode()


@pytest.mark.usefixtures("media_root")
def test_document_names_keep_their_acronyms_in_the_upload_form_and_message(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    body = signed_in.get(url("documents", application)).content.decode()
    assert "Choose a file: KTP scan" in body
    assert "Upload the KTP scan" in body
    assert "Upload the photo" in body  # an ordinary word is lower-cased inside the sentence
    assert "ktp scan" not in body
    response = signed_in.post(
        url("documents", application),
        {"kind": "ktp_scan", "file": upload(photo_bytes(), "ktp.jpg")},
        follow=True,
    )
    assert "The KTP scan is uploaded." in response.content.decode()

    signed_in.cookies["django_language"] = "id"
    body = signed_in.get(url("documents", application)).content.decode()
    assert "Pilih berkas: Pindaian e-KTP" in body
    assert "Unggah pindaian e-KTP" in body
    assert "Unggah pas foto" in body


def test_a_label_inside_a_sentence_keeps_its_acronyms() -> None:
    assert registry.label_in_sentence("KTP scan") == "KTP scan"
    assert registry.label_in_sentence("Photo of the damaged BPKB") == "photo of the damaged BPKB"
    assert registry.label_in_sentence("Pindaian e-KTP") == "pindaian e-KTP"
    assert registry.label_in_sentence("SIM") == "SIM"
    assert registry.label_in_sentence("") == ""


@pytest.mark.usefixtures("media_root")
def test_a_bad_photo_is_explained_at_once_with_every_problem(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    response = signed_in.post(
        url("documents", application), {"kind": "photo", "file": upload(bad_photo_bytes())}
    )
    assert response.status_code == 200
    photo_form = next(f for f in response.context["upload_forms"] if f.document_kind == "photo")
    assert photo_form.errors["file"] == [
        "The photo is too small: it must be at least 400 × 500 pixels.",
        "The photo is in landscape orientation: use a portrait (upright) photo.",
        "The photo is blank or nearly one colour: upload a clear photo of your face.",
    ]
    body = response.content.decode()
    assert "The photo is too small" in body
    assert "landscape orientation" in body
    assert "blank or nearly one colour" in body
    assert not Attachment.objects.exists()


def test_an_upload_without_a_file_or_of_an_unknown_kind_stores_nothing(
    permit: ServiceDefinition, applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    response = signed_in.post(url("documents", application), {"kind": "photo"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = signed_in.post(
        url("documents", application), {"kind": "passport", "file": upload(photo_bytes())}
    )
    assert response.status_code == 302
    assert not Attachment.objects.exists()


# --- submitting ---------------------------------------------------------------------------


@pytest.fixture
def offices(samsat: Office, bpkb_unit: Office) -> dict[str, Office]:
    closed = OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Tutup", is_active=False)
    return {"open": samsat, "closed": closed, "other_kind": bpkb_unit}


def test_the_submit_page_summarises_and_offers_open_offices_of_the_first_kind(
    permit: ServiceDefinition, offices: dict[str, Office], applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    response = signed_in.get(url("submit", application))
    choices = list(response.context["form"].fields["office"].queryset)
    assert choices == [offices["open"]]
    body = response.content.decode()
    assert str(offices["open"].public_id) in body
    assert str(offices["closed"].public_id) not in body
    assert str(offices["other_kind"].public_id) not in body
    assert "B 1234 ABC" in body
    assert "Red" in body  # the service's own field
    assert "Courier to an address" in body
    assert "0 of 1 required documents" in body


def test_a_refused_submit_lists_every_reason_and_changes_nothing(
    permit: ServiceDefinition, service: ServiceUnderTest, samsat: Office, applicant: User, signed_in: Client
) -> None:
    service.failures["service_eligibility"] = ["You already hold this permit."]
    application = start_draft(applicant)
    response = signed_in.post(
        url("submit", application), {"office": samsat.public_id, "version": application.version}
    )
    assert response.status_code == 200
    assert [str(reason) for reason in response.context["reasons"]] == [
        "You already hold this permit.",
        "Upload the photo.",
    ]
    body = response.content.decode()
    assert "You already hold this permit." in body
    assert "Upload the photo." in body
    application.refresh_from_db()
    assert application.status == "draft"
    assert application.handling_office is None
    assert not StatusChange.objects.exists()


@pytest.mark.usefixtures("media_root")
def test_submitting_sends_the_draft_to_the_chosen_office(
    permit: ServiceDefinition, samsat: Office, applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    attachment_add(
        application_id=application.pk, kind="photo", uploaded_file=upload(photo_bytes()), actor=applicant
    )
    application.refresh_from_db()
    response = signed_in.post(
        url("submit", application),
        {"office": samsat.public_id, "version": application.version, "status": "approved"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", application)
    application.refresh_from_db()
    assert application.status == "pending_payment"
    assert application.handling_office == samsat


def test_an_office_not_offered_is_refused(
    permit: ServiceDefinition, offices: dict[str, Office], applicant: User, signed_in: Client
) -> None:
    application = start_draft(applicant)
    for office in (offices["closed"], offices["other_kind"]):
        response = signed_in.post(
            url("submit", application), {"office": office.public_id, "version": application.version}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["office"]
    application.refresh_from_db()
    assert application.status == "draft"


def test_a_submitted_application_is_not_submitted_again(
    service: ServiceUnderTest, samsat: Office, applicant: User, signed_in: Client
) -> None:
    application = act(start_draft(applicant), "submit", applicant, office=samsat)
    response = signed_in.post(url("submit", application), {"office": samsat.public_id, "version": 2})
    assert response.status_code == 302
    assert StatusChange.objects.filter(application=application).count() == 1


# --- someone else's draft -----------------------------------------------------------------

DRAFT_PAGES = ("edit", "documents", "submit", "resubmit")


@pytest.mark.usefixtures("media_root")
@pytest.mark.parametrize("name", DRAFT_PAGES)
def test_someone_elses_draft_is_not_found(
    name: str, permit: ServiceDefinition, samsat: Office, applicant: User, other: User, client: Client
) -> None:
    application = start_draft(applicant)
    client.force_login(other)
    assert client.get(url(name, application)).status_code == 404
    posted = {
        "plate": "D 6666 XX",
        "colour": "Black",
        "delivery_choice": "digital",
        "version": application.version,
        "kind": "photo",
        "file": upload(photo_bytes()),
        "office": samsat.public_id,
        "reply": "mine now",
    }
    assert client.post(url(name, application), posted).status_code == 404
    # Staff too: to anyone but the applicant the application does not exist.
    client.logout()
    sign_in_with_mfa(client, make_staff(roles.SUPERVISOR, office=samsat))
    assert client.get(url(name, application)).status_code == 404
    assert client.post(url(name, application), {**posted, "file": upload(photo_bytes())}).status_code == 404
    application.refresh_from_db()
    assert (application.status, application.subject, application.version) == ("draft", "B 1234 ABC", 1)
    assert not Attachment.objects.exists()


# --- queries ------------------------------------------------------------------------------


def _queries(client: Client, page: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.usefixtures("media_root")
# +1 for the header's count of unread messages.
@pytest.mark.parametrize(("name", "expected"), [("documents", 5), ("edit", 4)])
def test_the_number_of_queries_does_not_grow_with_the_files(
    name: str, expected: int, permit: ServiceDefinition, applicant: User
) -> None:
    client = Client()
    client.force_login(applicant)
    application = start_draft(applicant)
    attachment_add(
        application_id=application.pk, kind="photo", uploaded_file=upload(photo_bytes()), actor=applicant
    )
    page = url(name, application)
    client.get(page)
    with_one = _queries(client, page)
    for _number in range(4):
        attachment_add(
            application_id=application.pk,
            kind="supporting",
            uploaded_file=upload(photo_bytes((300, 300))),
            actor=applicant,
        )
    assert Attachment.objects.filter(application=application).count() == 5
    with_five = _queries(client, page)
    assert with_one == with_five == expected
