"""Account erasure (issue 11 point 4): the page, the refusals, and the whole path — the account
closed at once, then anonymised by the task; kept records still whole; nobody else touched."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import CitizenProfile, User
from accounts.services import nik_index
from applications.models import Application, Attachment
from applications.services import attachment_add
from audit.models import AuditEvent
from delivery.collection import Collector, shipment_collect
from delivery.models import Shipment
from documents.models import IssuedDocument
from notifications.models import Message
from offices.models import Office
from payments.models import Bill
from privacy import services
from privacy.models import ErasureRequest
from tests.accounts.factories import make_profile
from tests.applications.conftest import act, make_application, to_status
from tests.delivery.citizen_helpers import printed_and_packed
from tests.factories import DEFAULT_PASSWORD, sign_in_with_mfa
from tests.privacy.conftest import NIK, sign_in

pytestmark = pytest.mark.usefixtures("shipping")

PAGE = "/warga/data-saya/hapus-akun/"


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), (120, 80, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile("ktp.jpg", buffer.getvalue(), content_type="image/jpeg")


def completed_with_upload(holder: User, officer: User, office: Office) -> Application:
    """A completed application (digital delivery) whose KTP scan is in storage."""
    application = make_application(holder)
    Application.objects.filter(pk=application.pk).update(delivery_choice="digital")
    attachment_add(application_id=application.pk, kind="ktp_scan", uploaded_file=jpeg(), actor=holder)
    application.refresh_from_db()
    return to_status(application, "completed", citizen=holder, officer=officer, office=office)


def confirm(client: Client, user: User) -> Any:
    return client.post(PAGE, {"email": user.email, "understood": "on"})


def test_the_page_explains_what_is_erased_and_what_is_kept(client: Client, holder: User) -> None:
    sign_in(client, holder)
    page = client.get(PAGE).content.decode()
    assert "What happens at once" in page
    assert "What the law obliges us to keep" in page
    assert "PNBP" in page
    assert "10 years" in page
    assert "5 years" in page


def test_a_wrong_address_or_no_tick_changes_nothing(client: Client, holder: User) -> None:
    sign_in(client, holder)
    response = client.post(PAGE, {"email": "someone@example.id", "understood": "on"})
    assert response.status_code == 200
    assert "This is not the e-mail address of your account." in response.content.decode()
    assert client.post(PAGE, {"email": holder.email}).status_code == 200
    holder.refresh_from_db()
    assert holder.is_active
    assert not ErasureRequest.objects.exists()


def test_open_applications_must_be_finished_or_cancelled_first(
    client: Client, holder: User, officer: User, samsat: Office
) -> None:
    application = make_application(holder)
    sign_in(client, holder)
    response = confirm(client, holder)
    assert "Finish or cancel your open applications first." in response.content.decode()
    holder.refresh_from_db()
    assert holder.is_active
    assert not ErasureRequest.objects.exists()
    # Cancelled through the real transition, the request goes through.
    act(application, "cancel", holder)
    response = confirm(client, holder)
    assert response.status_code == 302


def test_erasure_asks_for_the_password_again(client: Client, holder: User) -> None:
    client.force_login(holder)
    response = confirm(client, holder)
    assert response["Location"].startswith("/akun/reauthenticate/")
    holder.refresh_from_db()
    assert holder.is_active
    # Once the password is given, allauth carries out the kept request: the account is closed.
    response = client.post(response["Location"], {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    holder.refresh_from_db()
    assert not holder.is_active
    assert ErasureRequest.objects.filter(user=holder).count() == 1


def test_staff_and_anonymous_visitors_cannot_reach_it(client: Client, officer: User) -> None:
    assert client.get(PAGE)["Location"].startswith("/akun/login/")
    sign_in_with_mfa(client, officer)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"email": officer.email, "understood": "on"}).status_code == 403
    officer.refresh_from_db()
    assert officer.is_active


def test_erasure_end_to_end(
    client: Client,
    holder: User,
    other: User,
    officer: User,
    samsat: Office,
    django_capture_on_commit_callbacks: Any,
) -> None:
    application = completed_with_upload(holder, officer, samsat)
    upload = Attachment.objects.get(application=application)
    upload_name = upload.file.name
    assert default_storage.exists(upload_name)
    theirs = completed_with_upload(other, officer, samsat)
    document = IssuedDocument.objects.get(application=application)
    bill = Bill.objects.get(application=application)
    old_email, index = holder.email, nik_index(NIK)
    elsewhere = Client()
    sign_in(elsewhere, holder)  # a second session, on another device

    sign_in(client, holder)
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, holder)
    assert response.status_code == 302
    assert response["Location"] == "/"

    request = ErasureRequest.objects.get(user=holder)
    assert request.state == ErasureRequest.State.DONE
    holder.refresh_from_db()
    assert holder.email == f"deleted-{holder.public_id}@invalid"
    assert not holder.is_active
    assert not holder.has_usable_password()
    profile = CitizenProfile.objects.get(user=holder)
    assert (profile.full_name, profile.birth_place, profile.address, profile.phone, profile.postal_code) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert profile.nik_ciphertext == ""
    assert profile.nik_index == ""
    assert profile.identity_state == CitizenProfile.IdentityState.UNVERIFIED
    # The blind index waits with the request while the bill and the document are kept.
    assert request.retained_nik_index == index
    assert request.retain_index_until is not None
    assert not Message.objects.filter(recipient=holder).exists()
    # The upload is gone, file and row; the kept records are whole and still the holder's.
    assert not Attachment.objects.filter(application=application).exists()
    assert not default_storage.exists(upload_name)
    application.refresh_from_db()
    assert application.status == "completed"
    assert application.applicant_id == holder.pk
    assert IssuedDocument.objects.get(pk=document.pk).holder_id == holder.pk
    assert Bill.objects.get(pk=bill.pk).total == bill.total

    # Nobody gets in: not the old sessions, not the old password.
    assert client.get("/warga/")["Location"].startswith("/akun/login/")
    assert elsewhere.get("/warga/")["Location"].startswith("/akun/login/")
    fresh = Client()
    fresh.post("/akun/login/", {"login": old_email, "password": DEFAULT_PASSWORD})
    assert fresh.get("/warga/")["Location"].startswith("/akun/login/")

    # The other citizen is untouched.
    other.refresh_from_db()
    assert other.is_active
    assert CitizenProfile.objects.get(user=other).full_name == "Budi Santoso"
    assert Attachment.objects.filter(application=theirs).count() == 1

    # Every step is on the trail, with ids and counts only.
    events = AuditEvent.objects.filter(action__startswith="privacy.erasure").order_by("pk")
    assert [e.action for e in events] == ["privacy.erasure_requested", "privacy.erasure_processed"]
    trail = json.dumps([[e.object_id, e.details, e.changed_fields] for e in events])
    for personal in (NIK, old_email, "Siti Rahmawati", index):
        assert personal not in trail
    assert events[1].details["records"]["uploads_deleted"] == 1

    # Carried out once: a second run finds nothing to do.
    assert services.erasure_process(request_id=request.pk) is False


def test_the_same_person_can_sign_up_and_verify_again(
    holder: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_request(user=holder)
    again = make_profile(NIK, full_name="Siti Rahmawati", verified=True)
    assert again.identity_verified
    assert again.identity_state == CitizenProfile.IdentityState.VERIFIED


def test_without_kept_records_the_index_goes_at_once(
    holder: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request = services.erasure_request(user=holder)
    request.refresh_from_db()
    assert request.retained_nik_index == ""
    assert request.retain_index_until is None


def test_delivery_contact_details_are_blanked(
    holder: User, officer: User, samsat: Office, django_capture_on_commit_callbacks: Any
) -> None:
    application = make_application(holder)
    Application.objects.filter(pk=application.pk).update(delivery_choice="collection")
    application.refresh_from_db()
    application = to_status(application, "issued", citizen=holder, officer=officer, office=samsat)
    shipment = Shipment.objects.get(application=application)
    # Issued and waiting at the office: still open, so refused.
    with pytest.raises(services.ErasureRefused):
        services.erasure_request(user=holder)
    printed_and_packed(shipment, officer)
    shipment_collect(shipment_id=shipment.pk, actor=officer, collector=Collector(kind="holder", nik=NIK))
    application.refresh_from_db()
    assert application.status == "completed"
    shipment.refresh_from_db()
    assert shipment.recipient_name
    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_request(user=holder)
    shipment.refresh_from_db()
    assert (shipment.recipient_name, shipment.address, shipment.phone, shipment.postal_code) == (
        "",
        "",
        "",
        "",
    )
    assert shipment.status == "collected"
