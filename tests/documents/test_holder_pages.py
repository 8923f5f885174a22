"""The holder's pages (``/warga/dokumen/``): their documents, one document with its PDF and its
verifications, and the PDF itself. Anyone else's document is a 404 whatever the method; the
number of queries does not grow with the documents or the verifications."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from documents.models import IssuedDocument, Verification
from documents.selectors import VERIFICATIONS_LISTED
from korlantas.lib import clock
from tests.accounts.factories import make_profile, make_staff
from tests.factories import sign_in_with_mfa

pytestmark = pytest.mark.django_db

MINE_URL = "/warga/dokumen/"
PDF_BYTES = b"%PDF-1.7\n% a stand-in for a rendered document\n%%EOF\n"
# The signed-in user and their roles (citizen_required; the session is in the cache), then the
# documents (list), or the document with its count of verifications and the latest of them (detail),
# and the header's count of unread messages.
LIST_PAGE_QUERIES = 4
DETAIL_PAGE_QUERIES = 5


def detail_url(document: IssuedDocument) -> str:
    return f"{MINE_URL}{document.public_id}/"


def download_url(document: IssuedDocument) -> str:
    return f"{MINE_URL}{document.public_id}/unduh/"


@pytest.fixture
def client(client: Client) -> Client:
    """Pages in English, the msgids these tests read."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def holder(db: None) -> User:
    return make_profile("3171014507900003", full_name="Siti Rahmawati").user


@pytest.fixture
def other(db: None) -> User:
    return make_profile("3171011203850001", full_name="Budi Santoso").user


@pytest.fixture
def signed_in(client: Client, holder: User) -> Client:
    client.force_login(holder)
    return client


def make_document(holder: User, reference: str, *, rendered: bool = False, **fields: Any) -> IssuedDocument:
    """A document as the issuing service leaves it; ``rendered`` as the PDF task leaves it."""
    document = IssuedDocument.objects.create(kind="test_card", holder=holder, reference=reference, **fields)
    if rendered:
        document.file.save("ignored.pdf", ContentFile(PDF_BYTES), save=False)
        document.sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
        document.size = len(PDF_BYTES)
        document.rendered_at = clock.now()
        document.save(update_fields=["file", "sha256", "size", "rendered_at"])
    return document


def verify(document: IssuedDocument, *, at: dt.datetime, client: str = "Firefox") -> Verification:
    return Verification.objects.create(
        document=document, verified_at=at, network="203.0.113.0/24", client=client
    )


def test_urls_are_named() -> None:
    assert reverse("documents:mine") == MINE_URL
    some = "6f1c4c1e-8d0a-4d57-9a37-2c1b1b6f9e01"
    assert reverse("documents:detail", args=[some]) == f"{MINE_URL}{some}/"
    assert reverse("documents:download", args=[some]) == f"{MINE_URL}{some}/unduh/"


# --- the list -----------------------------------------------------------------------------


def test_list_shows_only_own_documents_newest_first(
    media: Path, holder: User, other: User, signed_in: Client
) -> None:
    older = make_document(holder, "TST-OLDER", rendered=True)
    newer = make_document(holder, "TST-NEWER")
    IssuedDocument.objects.filter(pk=older.pk).update(issued_at=newer.issued_at - dt.timedelta(days=1))
    make_document(other, "TST-THEIRS")

    response = signed_in.get(MINE_URL)
    assert response.status_code == 200
    assert [row.document.reference for row in response.context["rows"]] == ["TST-NEWER", "TST-OLDER"]
    page = response.content.decode()
    assert "TST-THEIRS" not in page
    assert "Being prepared" in page  # the newer one has no PDF yet
    assert "Ready" in page
    assert "Valid" in page
    assert detail_url(newer) in page


def test_empty_list_says_so(signed_in: Client) -> None:
    response = signed_in.get(MINE_URL)
    assert response.status_code == 200
    assert "You have no documents yet." in response.content.decode()


def _queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_the_documents(holder: User) -> None:
    one, ten = Client(), Client()
    one.force_login(holder)
    ten.force_login(holder)
    make_document(holder, "TST-0")
    assert _queries_for(one, MINE_URL) == LIST_PAGE_QUERIES
    for number in range(1, 10):
        make_document(holder, f"TST-{number}")
    assert _queries_for(ten, MINE_URL) == LIST_PAGE_QUERIES
    assert len(ten.get(MINE_URL).context["rows"]) == 10


# --- one document -------------------------------------------------------------------------


def test_detail_shows_the_document_its_pdf_and_its_verification_address(
    media: Path, holder: User, signed_in: Client, settings: Any
) -> None:
    document = make_document(holder, "TST-2026-000042", rendered=True)
    response = signed_in.get(detail_url(document))
    assert response.status_code == 200
    page = response.content.decode()
    assert "TST-2026-000042" in page
    assert download_url(document) in page
    assert f"{settings.PUBLIC_BASE_URL}/verify/{document.verification_token}/" in page
    assert document.sha256 in page
    assert "no-store" in response["Cache-Control"]


def test_a_document_not_rendered_yet_is_being_prepared(holder: User, signed_in: Client) -> None:
    document = make_document(holder, "TST-2026-000043")
    response = signed_in.get(detail_url(document))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your document is being prepared" in page
    assert download_url(document) not in page
    assert signed_in.get(download_url(document)).status_code == 404


def test_a_revoked_document_says_so_to_its_holder(holder: User, signed_in: Client) -> None:
    document = make_document(
        holder,
        "TST-2026-000044",
        status=IssuedDocument.Status.REVOKED,
        status_reason="Issued in error",
        status_changed_at=clock.now(),
    )
    page = signed_in.get(detail_url(document)).content.decode()
    assert "This document was revoked and is no longer valid." in page


def test_the_holder_sees_when_and_with_what_their_document_was_verified(
    holder: User, signed_in: Client
) -> None:
    document = make_document(holder, "TST-2026-000045")
    base = dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)  # 09:30 in Jakarta
    verify(document, at=base, client="Chrome")
    verify(document, at=base + dt.timedelta(days=1), client="other")
    verify(document, at=base + dt.timedelta(days=2), client="Firefox")

    response = signed_in.get(detail_url(document))
    page = response.content.decode()
    assert "Your document was verified 3 times." in page
    assert [row.client for row in response.context["verifications"]] == ["Firefox", "Other browser", "Chrome"]
    assert "20 Nov 2026 09:30" in page
    assert "Chrome" in page
    # The network is kept for abuse handling, not shown.
    assert "203.0.113" not in page


def test_a_document_nobody_verified_says_so(holder: User, signed_in: Client) -> None:
    document = make_document(holder, "TST-2026-000046")
    page = signed_in.get(detail_url(document)).content.decode()
    assert "Your document was verified 0 times." in page
    assert "Nobody has verified your document yet." in page


def test_many_verifications_are_counted_and_the_latest_listed(holder: User, signed_in: Client) -> None:
    document = make_document(holder, "TST-2026-000047")
    start = clock.now() - dt.timedelta(days=30)
    Verification.objects.bulk_create(
        Verification(document=document, verified_at=start + dt.timedelta(minutes=n), client="Safari")
        for n in range(VERIFICATIONS_LISTED + 5)
    )
    response = signed_in.get(detail_url(document))
    assert response.context["verification_count"] == VERIFICATIONS_LISTED + 5
    assert len(response.context["verifications"]) == VERIFICATIONS_LISTED
    assert response.context["verifications"][0].verified_at == start + dt.timedelta(
        minutes=VERIFICATIONS_LISTED + 4
    )


def test_detail_queries_do_not_grow_with_the_verifications(holder: User) -> None:
    document = make_document(holder, "TST-2026-000048")
    one, twenty = Client(), Client()
    one.force_login(holder)
    twenty.force_login(holder)
    verify(document, at=clock.now())
    assert _queries_for(one, detail_url(document)) == DETAIL_PAGE_QUERIES
    for minutes in range(1, 20):
        verify(document, at=clock.now() - dt.timedelta(minutes=minutes))
    assert _queries_for(twenty, detail_url(document)) == DETAIL_PAGE_QUERIES
    assert twenty.get(detail_url(document)).context["verification_count"] == 20


# --- the PDF ------------------------------------------------------------------------------


def test_download_is_an_attachment_never_rendered_inline(
    media: Path, holder: User, signed_in: Client
) -> None:
    document = make_document(holder, "TST/2026 000049", rendered=True)
    response = signed_in.get(download_url(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="test_card-TST-2026-000049.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]


def test_a_missing_file_is_not_found(media: Path, holder: User, signed_in: Client) -> None:
    document = make_document(holder, "TST-2026-000050", rendered=True)
    Path(document.file.path).unlink()
    assert signed_in.get(download_url(document)).status_code == 404


# --- someone else's document --------------------------------------------------------------


@pytest.mark.parametrize("url_of", [detail_url, download_url], ids=["detail", "download"])
def test_another_citizens_document_does_not_exist_whatever_the_method(
    media: Path, holder: User, other: User, client: Client, url_of: Any
) -> None:
    document = make_document(holder, "TST-2026-000051", rendered=True)
    client.force_login(other)
    for method in (client.get, client.post, client.put, client.delete):
        response = method(url_of(document))
        assert response.status_code == 404, method
        assert b"TST-2026-000051" not in response.content
    # The holder may only read it.
    client.force_login(holder)
    assert client.post(url_of(document)).status_code == 405


def test_staff_have_no_documents_pages(media: Path, holder: User, client: Client) -> None:
    document = make_document(holder, "TST-2026-000052", rendered=True)
    sign_in_with_mfa(client, make_staff(roles.OFFICER))
    for url in (MINE_URL, detail_url(document), download_url(document)):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(media: Path, holder: User, client: Client) -> None:
    document = make_document(holder, "TST-2026-000053", rendered=True)
    for url in (MINE_URL, detail_url(document), download_url(document)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
