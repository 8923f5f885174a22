"""SECURITY.md §8 item 1, the details the access matrix (tests/korlantas/test_access_matrix.py)
does not try: citizen B asks for citizen A's application, its KTP scan, its bill and its payment
receipt PDF

* with every method, and A's 404 is the very page an id that never existed gets (so the answer
  does not even confirm that the object exists);
* with ids that are guessed: A's integer primary key, neighbours of it, a random UUID;
* with A's id moved into the query string or into hidden form fields of B's own pages;
* and each refusal leaves a log record (Django's ``django.request`` "Not Found" warning, the
  record an enumeration alert counts), holding no A data.

A is shown each page first, so a URL that is wrong for everybody cannot pass as "refused".
"""

from __future__ import annotations

import io
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import User
from applications.models import Application, Attachment
from applications.services import attachment_add
from documents import services as document_services
from documents.models import IssuedDocument
from offices.models import Office
from payments import receipts
from payments.models import Bill
from tests.accounts.factories import make_profile
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import ServiceUnderTest, act, make_application
from tests.payments.helpers_staff import _media_root, _payments_wired, pay  # noqa: F401  (autouse fixtures)

pytestmark = pytest.mark.django_db

# The applications tests' fixtures (pytest finds fixtures by name in the module).
service = applications_conftest.service
samsat = applications_conftest.samsat

A_NAME = "Siti Rahmawati"
A_NIK = "3171014507900003"


def ktp_scan() -> SimpleUploadedFile:
    image = Image.merge("RGB", [Image.effect_noise((600, 400), 60) for _channel in range(3)])
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return SimpleUploadedFile("ktp.jpg", out.getvalue(), content_type="image/jpeg")


@dataclass
class Owned:
    a: User
    b: User
    paid: Application  # submitted and paid: it has a receipt
    draft: Application
    scan: Attachment
    bill: Bill
    receipt: IssuedDocument

    def secrets(self) -> list[str]:
        return [
            A_NAME,
            A_NIK,
            self.a.email,
            self.paid.reference,
            self.paid.subject,
            self.draft.subject,
            self.bill.billing_code,
            self.receipt.reference,
            self.receipt.verification_token,
        ]


@pytest.fixture
def owned(service: ServiceUnderTest, samsat: Office) -> Owned:
    a = make_profile(A_NIK, verified=True, full_name=A_NAME).user
    b = make_profile("3273011203950002", verified=True, full_name="Budi Santoso").user
    application = make_application(a, "B 2468 SRA")
    scan = attachment_add(application_id=application.pk, kind="ktp_scan", uploaded_file=ktp_scan(), actor=a)
    application = act(application, "submit", a, office=samsat)
    bill = Bill.objects.get(application=application)
    pay(bill, "REF-IDOR-1")
    receipt = IssuedDocument.objects.get(application=application, kind=receipts.KIND)
    document_services.document_render(document_id=receipt.pk)
    draft = make_application(a, "B 1357 DRF")
    return Owned(
        a=a,
        b=b,
        paid=Application.objects.get(pk=application.pk),
        draft=draft,
        scan=scan,
        bill=Bill.objects.get(pk=bill.pk),
        receipt=IssuedDocument.objects.get(pk=receipt.pk),
    )


# name -> (URL pattern, how to find A's object's public id)
OBJECT_URLS: dict[str, tuple[str, Callable[[Owned], uuid.UUID]]] = {
    "application detail": ("applications:detail", lambda o: o.paid.public_id),
    "draft edit": ("applications:edit", lambda o: o.draft.public_id),
    "draft documents": ("applications:documents", lambda o: o.draft.public_id),
    "KTP scan download": ("applications:attachment_download", lambda o: o.scan.public_id),
    "bill (payment page)": ("payments:bill", lambda o: o.bill.public_id),
    "receipt page": ("documents:detail", lambda o: o.receipt.public_id),
    "receipt PDF": ("documents:download", lambda o: o.receipt.public_id),
}
POST_URLS: dict[str, tuple[str, Callable[[Owned], uuid.UUID]]] = {
    "cancel": ("applications:cancel", lambda o: o.draft.public_id),
    "check payment": ("payments:bill_check", lambda o: o.bill.public_id),
    "new bill": ("payments:bill_replace", lambda o: o.paid.public_id),
}


def content(response: object) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")  # type: ignore[attr-defined]
    return response.content.decode(errors="replace")  # type: ignore[attr-defined]


def comparable(html: str) -> str:
    """The page without the CSRF token (masked anew on every rendering)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)


def snapshot(o: Owned) -> tuple[object, ...]:
    """What a refused request must leave as it was."""
    paid = Application.objects.get(pk=o.paid.pk)
    draft = Application.objects.get(pk=o.draft.pk)
    return (
        paid.status,
        paid.version,
        draft.status,
        draft.version,
        draft.subject,
        draft.applicant_id,
        tuple(Bill.objects.filter(application=o.paid).values_list("pk", "state")),
        tuple(Attachment.objects.filter(application=o.paid).values_list("pk", "sha256")),
        IssuedDocument.objects.filter(application=o.paid).count(),
    )


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_b_gets_for_a_s_object_the_404_of_an_id_that_never_existed(owned: Owned, name: str) -> None:
    pattern, public_id = OBJECT_URLS[name]
    url = reverse(pattern, args=[public_id(owned)])
    never_id = uuid.uuid4()
    never = reverse(pattern, args=[never_id])
    a, b = Client(), Client()
    a.force_login(owned.a)
    assert a.get(url).status_code == 200, f"{name}: the owner must see it, or the test proves nothing"
    b.force_login(owned.b)
    before = snapshot(owned)
    for method in ("get", "post", "put", "patch", "delete"):
        theirs = getattr(b, method)(url)
        missing = getattr(b, method)(never)
        # A method the view does not take is a 405 before any lookup: the same for both.
        expected = 404 if method == "get" else theirs.status_code
        assert expected in (404, 405), (name, method, expected)
        assert theirs.status_code == missing.status_code == expected, (name, method, theirs.status_code)
        body = content(theirs)
        assert comparable(body) == comparable(content(missing).replace(never, url)), (name, method)
        leaked = [secret for secret in owned.secrets() if secret in body]
        assert not leaked, (name, method, leaked)
    assert snapshot(owned) == before


@pytest.mark.parametrize("name", sorted(POST_URLS))
def test_b_posting_to_a_s_object_is_the_404_of_nothing_and_changes_nothing(owned: Owned, name: str) -> None:
    pattern, public_id = POST_URLS[name]
    url = reverse(pattern, args=[public_id(owned)])
    b = Client()
    b.force_login(owned.b)
    before = snapshot(owned)
    body = {"version": str(owned.draft.version), "confirm": "1"}
    response = b.post(url, body)
    assert response.status_code == 404, (name, response.status_code)
    # The "X-HTTP-Method-Override" trick changes nothing either: Django does not honour it.
    assert b.post(url, body, headers={"X-HTTP-Method-Override": "GET"}).status_code == 404
    text = content(response)
    assert not [secret for secret in owned.secrets() if secret in text]
    assert snapshot(owned) == before


def test_guessed_and_sequential_ids_name_nothing(owned: Owned) -> None:
    """Object URLs take only UUIDs: A's integer key and its neighbours are no address at all."""
    b = Client()
    b.force_login(owned.b)
    paths = []
    for pattern, public_id in OBJECT_URLS.values():
        real = str(public_id(owned))
        url = reverse(pattern, args=[real])
        for guess in (owned.paid.pk, owned.paid.pk + 1, owned.scan.pk, owned.receipt.pk, owned.bill.pk):
            paths.append(url.replace(real, str(guess)))
        # A UUID one digit away from A's.
        last = real[-1]
        paths.append(url.replace(real, real[:-1] + ("0" if last != "0" else "1")))
    for path in paths:
        response = b.get(path)
        assert response.status_code == 404, path
        text = content(response)
        assert not [secret for secret in owned.secrets() if secret in text], path


def test_a_s_id_in_the_query_string_of_b_s_own_pages_shows_nothing_of_a(owned: Owned) -> None:
    b_application = make_application(owned.b, "B 9999 BBB")
    b = Client()
    b.force_login(owned.b)
    a_ids = {
        "application": str(owned.paid.public_id),
        "public_id": str(owned.paid.public_id),
        "id": str(owned.paid.pk),
        "pk": str(owned.paid.pk),
        "bill": str(owned.bill.public_id),
        "document": str(owned.receipt.public_id),
        "attachment": str(owned.scan.public_id),
    }
    pages = [
        reverse("applications:mine"),
        reverse("applications:detail", args=[b_application.public_id]),
        reverse("applications:edit", args=[b_application.public_id]),
        reverse("documents:mine"),
        reverse("delivery:citizen_shipments"),
        reverse("notifications:inbox"),
    ]
    for page in pages:
        response = b.get(page, a_ids)
        assert response.status_code == 200, page
        text = content(response)
        assert not [secret for secret in owned.secrets() if secret in text], page


def test_a_s_id_in_hidden_fields_of_b_s_own_form_changes_only_b_s_draft(owned: Owned) -> None:
    b_draft = make_application(owned.b, "B 9999 BBB")
    b = Client()
    b.force_login(owned.b)
    before = snapshot(owned)
    url = reverse("applications:edit", args=[b_draft.public_id])
    page = b.get(url)
    assert page.status_code == 200
    posted = {
        "plate": "B 1111 NEW",
        "colour": "Merah",
        "delivery_choice": "digital",
        "version": str(b_draft.version),
        # A's ids wherever a careless view might look for "the" object.
        "public_id": str(owned.draft.public_id),
        "application": str(owned.draft.public_id),
        "id": str(owned.draft.pk),
        "pk": str(owned.draft.pk),
        "applicant": str(owned.a.pk),
    }
    response = b.post(url, posted)
    assert response.status_code == 302, content(response)[:2000]
    b_draft.refresh_from_db()
    assert b_draft.subject == "B 1111 NEW"
    assert b_draft.applicant_id == owned.b.pk
    assert snapshot(owned) == before


def test_each_refusal_leaves_a_log_record_without_a_s_data(
    owned: Owned, caplog: pytest.LogCaptureFixture
) -> None:
    b = Client()
    b.force_login(owned.b)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        for pattern, public_id in OBJECT_URLS.values():
            caplog.clear()
            url = reverse(pattern, args=[public_id(owned)])
            assert b.get(url).status_code == 404
            records = [r for r in caplog.records if r.name == "django.request"]
            assert len(records) == 1, url
            (record,) = records
            assert record.levelno == logging.WARNING
            assert getattr(record, "status_code", None) == 404
            assert url in record.getMessage()
            text = record.getMessage() + repr(record.args)
            assert not [secret for secret in owned.secrets() if secret in text], url


@pytest.mark.django_db
def test_a_signed_in_404_leaves_a_security_record_naming_the_user_by_id(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    missing = "/warga/permohonan/00000000-0000-4000-8000-000000000000/"
    with caplog.at_level(logging.WARNING, logger="korlantas.security"):
        assert client.get(missing).status_code == 404
    (record,) = [r for r in caplog.records if r.name == "korlantas.security"]
    assert record.getMessage() == f"not found for user {user.pk}: GET {missing}"
    assert user.email not in record.getMessage()
