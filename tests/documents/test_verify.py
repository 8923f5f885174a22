"""The public verification page (``/verify/<token>/``): what it shows and never shows, the log
of verifications with coarse client information, the uniform 404 for wrong and malformed
tokens, and the per-client rate limit consumed before the lookup."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from accounts.models import User
from documents import registry
from documents.models import IssuedDocument, Verification, new_verification_token
from documents.selectors import masked_name
from documents.verification import browser_family, coarse_network
from korlantas.lib import clock
from tests.accounts.factories import make_profile

pytestmark = pytest.mark.django_db

NIK = "3171014507900003"
ADDRESS = "Jl. Merdeka No. 1, RT 001/RW 002"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87"
)
CHROME_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/126.0.6478.153 Mobile/15E148 Safari/604.1"
)
# Wrong but well formed: the shape of a real token, held by no document.
WRONG_TOKEN = new_verification_token()
# Not the shape of any token (too long, a character outside the alphabet, a NUL byte, …).
MALFORMED_TOKENS = ["contoh.token", "a" * 65, "x" * 2000, "%00", "%F0%9F%98%80", "'%20OR%201=1--", "..."]
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def verify_url(token: str) -> str:
    return f"/verify/{token}/"


@pytest.fixture
def client(client: Client) -> Client:
    """Pages in English, the msgids these tests read."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture(autouse=True)
def _generous_limit(settings: Any) -> None:
    """Page tests make many requests from one address; the limit itself is tested below."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "verify_document": "100/m/ip"}


@pytest.fixture
def holder(db: None) -> User:
    return make_profile(NIK, full_name="Siti Rahmawati").user


@pytest.fixture
def document(holder: User) -> IssuedDocument:
    return IssuedDocument.objects.create(kind="test_card", holder=holder, reference="TST-2026-000042")


@pytest.fixture
def test_card_kind() -> Iterator[registry.DocumentKind]:
    """A kind of the tests' own, with the fields its verification page shows."""
    kind = registry.register_kind(
        registry.DocumentKind(
            code="test_card",
            name="Test card",
            template_name="documents/pdf/test_card.html",
            page_size="A4",
            context=lambda document: {},
            template_version="1",
            verification_fields=lambda document: [
                ("Class", "C (motorcycles)"),
                ("Valid until", "28 Nov 2031"),
            ],
        )
    )
    try:
        yield kind
    finally:
        registry.unregister_kind("test_card")


def page(response: HttpResponse) -> str:
    return response.content.decode()


# --- pieces -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1:2::5", "2001:db8:1::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("not an address", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_only_the_network_of_an_address_is_kept(ip: str | None, network: str) -> None:
    assert coarse_network(ip) == network


@pytest.mark.parametrize(
    ("agent", "family"),
    [
        (FIREFOX, "Firefox"),
        (CHROME_ANDROID, "Chrome"),
        (SAFARI_IPHONE, "Safari"),
        (EDGE, "Edge"),
        (CHROME_IOS, "Chrome"),
        ("curl/8.5.0", "other"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "other"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_browser_family_is_read_crudely_from_the_user_agent(agent: str | None, family: str) -> None:
    assert browser_family(agent) == family


def test_names_are_masked_to_initials() -> None:
    assert masked_name("Siti Rahmawati") == "S*** R********"
    assert masked_name("  Budi   Santoso ") == "B*** S******"
    assert masked_name("I") == "I"
    assert masked_name("") == ""


def test_url_is_named() -> None:
    assert reverse("documents:verify", kwargs={"token": "abc"}) == "/verify/abc/"


# --- what the page shows ------------------------------------------------------------------


def test_anyone_sees_a_valid_document_with_the_name_masked(
    client: Client, document: IssuedDocument, test_card_kind: registry.DocumentKind
) -> None:
    response = client.get(verify_url(document.verification_token))
    assert response.status_code == 200
    text = page(response)
    assert "VALID" in text
    assert "Test card" in text
    assert "TST-2026-000042" in text
    with translation.override("en"):
        assert dateformat.format(timezone.localtime(document.issued_at), "j M Y") in text
    assert "S*** R********" in text
    # The fields the kind registers, and nothing personal beyond the masked name.
    assert "C (motorcycles)" in text
    assert "28 Nov 2031" in text
    for secret in ("Siti", "Rahmawati", NIK, ADDRESS, "Jakarta"):
        assert secret not in text, secret


def test_signed_in_visitors_see_the_same_page(client: Client, document: IssuedDocument, holder: User) -> None:
    client.force_login(make_profile("3171011203850001", full_name="Budi Santoso").user)
    response = client.get(verify_url(document.verification_token))
    assert response.status_code == 200
    assert "S*** R********" in page(response)


def test_an_unregistered_kind_shows_its_code(client: Client, document: IssuedDocument) -> None:
    response = client.get(verify_url(document.verification_token))
    assert response.status_code == 200
    assert "test_card" in page(response)


def test_the_page_is_indonesian_by_default(document: IssuedDocument) -> None:
    response = Client().get(verify_url(document.verification_token))
    assert response.status_code == 200
    assert '<html lang="id">' in page(response)


def test_the_page_is_neither_cached_nor_indexed(client: Client, document: IssuedDocument) -> None:
    response = client.get(verify_url(document.verification_token))
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_superseded_document_says_so_with_the_date(client: Client, holder: User) -> None:
    changed = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC)
    document = IssuedDocument.objects.create(
        kind="test_card",
        holder=holder,
        reference="TST-2026-000043",
        status=IssuedDocument.Status.SUPERSEDED,
        status_reason="Replaced by the renewal",
        status_changed_at=changed,
    )
    text = page(client.get(verify_url(document.verification_token)))
    assert "SUPERSEDED" in text
    assert "28 Nov 2026" in text
    assert "VALID</p>" not in text


def test_a_revoked_document_says_so_without_the_reason(client: Client, holder: User) -> None:
    document = IssuedDocument.objects.create(
        kind="test_card",
        holder=holder,
        reference="TST-2026-000044",
        status=IssuedDocument.Status.REVOKED,
        status_reason="Forged by Budi Santoso, reported by the Satpas",
        status_changed_at=dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC),
    )
    response = client.get(verify_url(document.verification_token))
    assert response.status_code == 200
    text = page(response)
    assert "REVOKED" in text
    assert "27 Nov 2026" in text
    assert "Forged" not in text
    assert "Budi" not in text


def test_only_get_is_answered(client: Client, document: IssuedDocument) -> None:
    assert client.post(verify_url(document.verification_token)).status_code == 405
    assert not Verification.objects.exists()


# --- the log of verifications -------------------------------------------------------------


def test_each_verification_is_logged_with_coarse_client_information(
    client: Client, document: IssuedDocument
) -> None:
    client.get(verify_url(document.verification_token), REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT=FIREFOX)
    client.get(
        verify_url(document.verification_token), REMOTE_ADDR="2001:db8:1:2::5", HTTP_USER_AGENT=CHROME_ANDROID
    )
    rows = list(Verification.objects.filter(document=document).order_by("pk").values())
    assert [(row["network"], row["client"]) for row in rows] == [
        ("203.0.113.0/24", "Firefox"),
        ("2001:db8:1::/48", "Chrome"),
    ]
    stored = " ".join(str(value) for row in rows for value in row.values())
    for detail in ("203.0.113.77", "2001:db8:1:2::5", "Gecko", "Android", "Mozilla"):
        assert detail not in stored
    assert all(abs((row["verified_at"] - clock.now()).total_seconds()) < 60 for row in rows)


def test_a_wrong_token_is_not_logged(client: Client, document: IssuedDocument) -> None:
    assert client.get(verify_url(WRONG_TOKEN)).status_code == 404
    assert client.get(verify_url(MALFORMED_TOKENS[0])).status_code == 404
    assert not Verification.objects.exists()


# --- a wrong token: the site's 404, the same work -----------------------------------------


def normalised(response: HttpResponse) -> str:
    """The body without what differs on every page anyway: the CSRF token (masked afresh at
    each rendering) and the page's own address (in the language switch's "next")."""
    text = CSRF_VALUE.sub('name="csrfmiddlewaretoken" value="-"', page(response))
    return text.replace(html.escape(response.wsgi_request.get_full_path()), "/-/")


def headers_of(response: HttpResponse) -> dict[str, Any]:
    return {
        name: value
        for name, value in response.headers.items()
        if name not in ("Content-Length", "Set-Cookie")
    }


def lookup_queries(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "documents_issueddocument" in query["sql"]]


def test_wrong_and_malformed_tokens_get_the_same_404_after_the_same_work(
    client: Client, document: IssuedDocument
) -> None:
    answers = []
    for token in [WRONG_TOKEN, *MALFORMED_TOKENS]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(verify_url(token))
        assert response.status_code == 404, token
        answers.append((token, response, len(captured), lookup_queries(captured)))

    _token, first, first_count, first_lookups = answers[0]
    assert len(first_lookups) == 1
    assert first.templates[0].name == "404.html"
    for token, response, count, lookups in answers[1:]:
        assert normalised(response) == normalised(first), token
        assert headers_of(response) == headers_of(first), token
        assert count == first_count, token
        assert len(lookups) == 1, token
    # The site's ordinary 404, the same as for an address that names no page at all.
    assert normalised(client.get("/tidak-ada-halaman/")) == normalised(first)
    assert not Verification.objects.exists()


def test_a_wrong_token_of_the_right_length_differs_only_in_its_address(
    client: Client, document: IssuedDocument
) -> None:
    """Same length, one well formed and one not: the bodies differ in the echoed address alone."""
    wrong, malformed = WRONG_TOKEN, WRONG_TOKEN[:-1] + "."
    first, second = client.get(verify_url(wrong)), client.get(verify_url(malformed))
    one = CSRF_VALUE.sub("", page(first)).replace(wrong, "-")
    other = CSRF_VALUE.sub("", page(second)).replace(malformed, "-")
    assert one == other
    assert first["Content-Length"] == second["Content-Length"]


# --- the rate limit -----------------------------------------------------------------------


@pytest.fixture
def three_per_minute(settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "verify_document": "3/m/ip"}


def test_each_client_has_a_budget_spent_before_the_lookup(
    client: Client, document: IssuedDocument, three_per_minute: None
) -> None:
    url = verify_url(document.verification_token)
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert client.get(verify_url(WRONG_TOKEN)).status_code == 404  # wrong tokens count too

    with CaptureQueriesContext(connection) as captured:
        over_existing = client.get(url)
    over_wrong = client.get(verify_url(WRONG_TOKEN))
    assert over_existing.status_code == over_wrong.status_code == 429
    # Over the limit, a real token and a wrong one look alike, and nothing is looked up.
    assert normalised(over_existing) == normalised(over_wrong)
    assert lookup_queries(captured) == []
    assert Verification.objects.count() == 2

    # Another client has a budget of its own; a forged X-Forwarded-For does not make one.
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.77").status_code == 429
    assert client.get(url, REMOTE_ADDR="198.51.100.9").status_code == 200


def test_the_page_costs_two_queries_and_the_holder_is_read_with_the_document(
    client: Client,
    document: IssuedDocument,
    test_card_kind: registry.DocumentKind,
    django_assert_num_queries: Any,
) -> None:
    """The document with the holder's name in one query, then the log's INSERT (the test kind's
    fields read nothing; the rate limit is in Redis)."""
    with django_assert_num_queries(2) as captured:
        response = client.get(verify_url(document.verification_token))
    assert response.status_code == 200
    assert masked_name("Siti Rahmawati") in page(response)
    assert captured.captured_queries[1]["sql"].startswith('INSERT INTO "documents_verification"')


def test_a_holder_without_profile_shows_a_dash(client: Client, test_card_kind: registry.DocumentKind) -> None:
    bare = IssuedDocument.objects.create(
        kind="test_card", holder=User.objects.create_user(email="tanpa.profil@example.id"), reference="TST-1"
    )
    assert '<dd class="col-sm-8 font-monospace">—</dd>' in page(
        client.get(verify_url(bare.verification_token))
    )


def test_both_rates_count_and_the_first_one_spent_refuses(
    client: Client, document: IssuedDocument, settings: Any
) -> None:
    """Two rates, as configured in production (a minute's and an hour's): whichever is spent refuses."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "verify_document": "5/m/ip,2/h/ip"}
    url = verify_url(document.verification_token)
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert Verification.objects.count() == 2
