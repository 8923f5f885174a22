"""The registration proof: issued with the submission, rendered from our data as text only,
with its QR code, and never the citizen's NIK, birth date or address."""

from __future__ import annotations

import io
from typing import Any

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from accounts.models import User
from applications import events
from applications.events import TransitionEvent
from applications.models import Application
from applications.services import attachment_add
from documents import rendering, services
from documents.models import IssuedDocument
from documents.registration_proof import KIND, registration_proof_verification_fields
from documents.registry import get_kind
from offices.models import Office
from tests.accounts.factories import make_profile
from tests.applications.conftest import ServiceUnderTest, act, make_application
from tests.documents.conftest import decoded_qr_codes, embedded_file_names, layout_text, link_uris

pytestmark = pytest.mark.django_db

NIK = "3171014507900003"
ADDRESS = "Jl. Merdeka No. 1, RT 001/RW 002"


@pytest.fixture
def office(samsat: Office) -> Office:
    samsat.street_address = "Jl. Daan Mogot Km. 11"
    samsat.address_source = "https://example.id/samsat"
    samsat.save()
    return samsat


def submitted(
    citizen: User, office: Office, subject: str = "B 1234 ABC"
) -> tuple[Application, IssuedDocument]:
    application = act(make_application(citizen, subject), "submit", citizen, office=office)
    return application, IssuedDocument.objects.get(application=application, kind=KIND)


def proof_text_and_pdf(document: IssuedDocument) -> tuple[str, bytes]:
    document = IssuedDocument.objects.select_related("application__handling_office__regency").get(
        pk=document.pk
    )
    kind = get_kind(KIND)
    render_input = rendering.document_input(document, kind)
    return layout_text(rendering.layout(kind, render_input)), rendering.render_pdf(kind, render_input)


def test_submitting_issues_one_proof_in_the_same_transaction(
    service: ServiceUnderTest, citizen: User, office: Office, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        application, document = submitted(citizen, office)
    assert (document.holder_id, document.reference, document.status) == (
        citizen.pk,
        application.reference,
        "valid",
    )
    document.refresh_from_db()
    assert document.is_rendered  # rendered by the (eager) task once the submission committed
    assert IssuedDocument.objects.filter(application=application).count() == 1


def test_a_submission_that_rolls_back_leaves_no_proof(
    service: ServiceUnderTest, citizen: User, office: Office
) -> None:
    def later_listener_fails(event: TransitionEvent) -> None:
        raise RuntimeError("the bill could not be issued")

    events.listen("submit", later_listener_fails, phase="in_transaction")
    try:
        with pytest.raises(RuntimeError):
            act(make_application(citizen), "submit", citizen, office=office)
    finally:
        events.unlisten("submit", later_listener_fails)
    assert not IssuedDocument.objects.exists()


def test_the_proof_shows_the_application_and_what_to_bring(
    service: ServiceUnderTest, citizen: User, office: Office
) -> None:
    application, document = submitted(citizen, office)
    text, _pdf = proof_text_and_pdf(document)
    assert application.reference in text
    assert "Test permit" in text
    assert "B 1234 ABC" in text
    assert office.name in text
    assert "Jl. Daan Mogot Km. 11" in text
    assert application.due_date is not None
    with translation.override("id"):
        expected = [
            gettext("Registration proof"),
            gettext("Your e-KTP (electronic identity card)"),
            gettext("Fees follow PP 76/2020; officers never ask for payment outside this portal."),
        ]
    with translation.override("en"):
        expected.append("Registration proof")  # the English line under the Indonesian one
    for sentence in expected:
        assert sentence in text


def test_the_qr_code_and_link_lead_to_the_verification_page(
    service: ServiceUnderTest, citizen: User, office: Office, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = "https://korlantas.example.id"
    _application, document = submitted(citizen, office)
    text, pdf = proof_text_and_pdf(document)
    url = f"https://korlantas.example.id/verify/{document.verification_token}/"
    assert decoded_qr_codes(pdf) == [url]
    assert set(link_uris(pdf)) == {url}  # one link annotation per line the URL wraps over
    assert url in text.replace(" ", "")  # printed under the code (it may wrap)


def test_the_proof_never_shows_the_nik_birth_date_or_address(
    service: ServiceUnderTest, citizen: User, office: Office
) -> None:
    profile = make_profile(NIK, user=citizen, address=ADDRESS)
    _application, document = submitted(citizen, office)
    text, _pdf = proof_text_and_pdf(document)
    public = " ".join(f"{label} {value}" for label, value in registration_proof_verification_fields(document))
    birth_date = profile.birth_date
    for shown in (text, public):
        assert NIK not in shown
        assert NIK[-4:] + " " not in shown
        assert "Merdeka" not in shown
        for form in (
            f"{birth_date:%d %b %Y}",
            f"{birth_date.day} {birth_date:%b %Y}",
            birth_date.isoformat(),
        ):
            assert form not in shown
    assert "Test permit" in public  # the service; the reference is shown by the page itself


@pytest.mark.parametrize(
    "subject",
    [
        '<img src="file:///etc/passwd">',
        '<img src="http://127.0.0.1:6379/">',
        '<link rel=attachment href="file:///etc/passwd">',
        '<p style="background:url(file:///etc/passwd)">x',
        "</td></tr></table><style>@import url(http://127.0.0.1:6379/)</style>",
    ],
)
def test_markup_in_applicant_text_is_printed_as_text_and_fetches_nothing(
    service: ServiceUnderTest, citizen: User, office: Office, subject: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    real_fetch = rendering.DocumentURLFetcher.fetch

    def spy(self: rendering.DocumentURLFetcher, url: str, headers: Any = None) -> Any:
        asked.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(rendering.DocumentURLFetcher, "fetch", spy)
    _application, document = submitted(citizen, office, subject=subject)
    text, pdf = proof_text_and_pdf(document)
    # Long words may wrap anywhere: compare without the spaces the lines add.
    assert subject.replace(" ", "") in text.replace(" ", "")
    assert asked
    assert all(url.startswith("https://documents.invalid/inline/") for url in asked)
    assert embedded_file_names(pdf) == []
    assert b"/etc/passwd" not in pdf
    assert b"6379" not in pdf

    # Through the real path (service and task) as well: rendered, not refused.
    assert services.document_render(document_id=document.pk) == services.RenderOutcome.RENDERED


def photo_upload() -> SimpleUploadedFile:
    """A textured portrait JPEG that passes the photo checks."""
    image = Image.merge("RGB", [Image.effect_noise((600, 800), 60) for _i in range(3)])
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def pdf_upload() -> SimpleUploadedFile:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return SimpleUploadedFile("scan.pdf", out.getvalue(), content_type="application/pdf")


def test_the_uploaded_documents_to_bring_are_listed_without_the_photo(
    service: ServiceUnderTest, citizen: User, office: Office
) -> None:
    application = make_application(citizen)
    for kind, uploaded in (
        ("photo", photo_upload()),
        ("ktp_scan", pdf_upload()),
        ("supporting", pdf_upload()),
    ):
        attachment_add(application_id=application.pk, kind=kind, uploaded_file=uploaded, actor=citizen)
    act(application, "submit", citizen, office=office)
    document = IssuedDocument.objects.get(application=application, kind=KIND)
    text, _pdf = proof_text_and_pdf(document)
    with translation.override("id"):
        uploaded = text.split(gettext("The originals of the documents you uploaded"))[-1]
        assert gettext("KTP scan") in uploaded
        assert gettext("Supporting document") in uploaded
        assert gettext("Photo") not in uploaded
