"""The documents panels on the application pages: the staff review page lists the
application's documents (with a revoke link for a supervisor of the office only), the
applicant's own page lists their documents with links; each costs the same queries whatever
the number of documents."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import User
from applications.models import Application
from documents.models import IssuedDocument
from documents.registration_proof import KIND as PROOF
from documents.revocation import document_revoke
from korlantas.lib import clock
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.applications.conftest import ServiceUnderTest, make_application, make_polda_supervisor, to_status
from tests.factories import UserFactory, sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n% a stand-in for a rendered document\n%%EOF\n"
REASON = "Issued on a forged certificate (case 12/XI/2026)"


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def holder(db: None) -> User:
    return make_profile("3171014507900003", verified=True, full_name="Siti Rahmawati").user


@pytest.fixture
def supervisor(samsat: Office) -> User:
    return make_staff(roles.SUPERVISOR, office=samsat)


def queued(holder: User, officer: User, office: Office, subject: str = "B 1234 ABC") -> Application:
    """Submitted (which issues the registration proof) and paid."""
    return to_status(
        make_application(holder, subject), "queued", citizen=holder, officer=officer, office=office
    )


def proof_of(application: Application) -> IssuedDocument:
    return IssuedDocument.objects.get(application=application, kind=PROOF)


def rendered(document: IssuedDocument) -> IssuedDocument:
    """As the PDF task leaves it."""
    document.file.save("ignored.pdf", ContentFile(PDF_BYTES), save=False)
    document.sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
    document.size = len(PDF_BYTES)
    document.rendered_at = clock.now()
    document.save(update_fields=["file", "sha256", "size", "rendered_at"])
    return document


def more_documents(application: Application, holder: User) -> list[IssuedDocument]:
    """Two more documents on the application (kinds no longer registered show their code)."""
    return [
        rendered(
            IssuedDocument.objects.create(
                kind=kind, application=application, holder=holder, reference=f"{application.reference}-{n}"
            )
        )
        for n, kind in enumerate(("test_permit", "test_card"))
    ]


def review_url(application: Application) -> str:
    return reverse("applications:review", args=[application.public_id])


def detail_url(application: Application) -> str:
    return reverse("applications:detail", args=[application.public_id])


def revoke_url(document: IssuedDocument) -> str:
    return reverse("documents:revoke", args=[document.public_id])


def staff_client(user: User) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    sign_in_with_mfa(client, user)
    return client


def citizen_client(user: User) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def queries_for(client: Client, url: str) -> int:
    client.get(url)  # the session's first request may refresh it
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def documents_panel(response: Any, title: str) -> Any:
    [panel] = [panel for panel in response.context["panels"] if str(panel.title) == title]
    return panel


# --- the staff review page ----------------------------------------------------------------


def test_the_review_page_lists_the_documents_and_a_supervisor_gets_revoke_links(
    service: ServiceUnderTest, samsat: Office, officer: User, supervisor: User, holder: User
) -> None:
    application = queued(holder, officer, samsat)
    proof = proof_of(application)
    permit, card = more_documents(application, holder)
    document_revoke(document_id=card.pk, supervisor=supervisor, reason=REASON)

    response = staff_client(supervisor).get(review_url(application))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Issued documents" in page
    for document in (proof, permit, card):
        assert document.reference in page
    assert "Registration proof" in page
    assert "Being prepared" in page  # the proof has no PDF yet
    assert "Ready" in page
    assert "Revoked" in page
    assert REASON in page  # the office reads its own reason
    # A link for each valid document, none for the revoked one.
    assert revoke_url(proof) in page
    assert revoke_url(permit) in page
    assert revoke_url(card) not in page


def test_an_officer_sees_the_documents_but_no_revoke_link(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    application = queued(holder, officer, samsat)
    proof = proof_of(application)
    response = staff_client(officer).get(review_url(application))
    assert response.status_code == 200
    page = response.content.decode()
    assert proof.reference in page
    assert "Registration proof" in page
    assert "/cabut/" not in page
    [row] = documents_panel(response, "Issued documents").context["rows"]
    assert row.action_url == ""


def test_a_polda_supervisor_gets_the_links_too(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    application = queued(holder, officer, samsat)
    page = staff_client(make_polda_supervisor(samsat)).get(review_url(application)).content.decode()
    assert revoke_url(proof_of(application)) in page


def test_no_link_to_revoke_the_supervisors_own_document(
    service: ServiceUnderTest, samsat: Office, officer: User, supervisor: User
) -> None:
    application = queued(supervisor, officer, samsat)
    page = staff_client(supervisor).get(review_url(application)).content.decode()
    assert proof_of(application).reference in page
    assert revoke_url(proof_of(application)) not in page


def test_no_panel_without_documents(service: ServiceUnderTest, samsat: Office, officer: User) -> None:
    # An application whose documents are gone (none issued yet, as for a kind issued later).
    application = queued(UserFactory(), officer, samsat)
    IssuedDocument.objects.filter(application=application).delete()
    response = staff_client(officer).get(review_url(application))
    assert [str(panel.title) for panel in response.context["panels"]].count("Issued documents") == 0


@pytest.mark.parametrize("role", [roles.OFFICER, roles.SUPERVISOR])
def test_review_page_queries_do_not_grow_with_the_documents(
    service: ServiceUnderTest,
    samsat: Office,
    officer: User,
    holder: User,
    role: str,
    django_assert_num_queries: Any,
) -> None:
    viewer = officer if role == roles.OFFICER else make_staff(roles.SUPERVISOR, office=samsat)
    one = queued(holder, officer, samsat, "B 1 A")
    three = queued(holder, officer, samsat, "B 3 A")
    more_documents(three, holder)
    assert IssuedDocument.objects.filter(application=three).count() == 3

    small, large = staff_client(viewer), staff_client(viewer)
    expected = queries_for(small, review_url(one))
    large.get(review_url(three))
    with django_assert_num_queries(expected):
        response = large.get(review_url(three))
    rows = documents_panel(response, "Issued documents").context["rows"]
    assert len(rows) == 3
    assert all(bool(row.action_url) == (role == roles.SUPERVISOR) for row in rows)


def test_after_revoking_the_supervisor_is_back_on_the_review_page(
    service: ServiceUnderTest, samsat: Office, officer: User, supervisor: User, holder: User
) -> None:
    application = queued(holder, officer, samsat)
    proof = proof_of(application)
    client = staff_client(supervisor)
    response = client.post(revoke_url(proof), {"reason": REASON}, follow=True)
    assert response.redirect_chain == [(review_url(application), 302)]
    page = response.content.decode()
    assert "The document is revoked." in page
    [row] = documents_panel(response, "Issued documents").context["rows"]
    assert (row.status, row.reason, row.action_url) == ("revoked", REASON, "")


def test_another_offices_staff_do_not_see_the_application(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    application = queued(holder, officer, samsat)
    stranger = make_staff(roles.SUPERVISOR, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    assert staff_client(stranger).get(review_url(application)).status_code == 404


# --- the applicant's own page -------------------------------------------------------------


def test_the_applicant_sees_their_documents_with_links(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    application = queued(holder, officer, samsat)
    proof = proof_of(application)
    permit, _card = more_documents(application, holder)

    response = citizen_client(holder).get(detail_url(application))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Issued documents" in page
    assert "Registration proof" in page
    assert reverse("documents:detail", args=[proof.public_id]) in page
    # The proof is not rendered yet: no download, "being prepared"; the permit's PDF is there.
    assert reverse("documents:download", args=[proof.public_id]) not in page
    assert "Being prepared" in page
    assert reverse("documents:download", args=[permit.public_id]) in page
    assert "/cabut/" not in page


def test_only_the_applicants_own_documents_are_listed(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    application = queued(holder, officer, samsat)
    # A document of the application held by someone else (e.g. a new owner) is not theirs to see.
    someone = UserFactory()
    theirs = IssuedDocument.objects.create(
        kind="test_permit", application=application, holder=someone, reference="TST-THEIRS"
    )
    response = citizen_client(holder).get(detail_url(application))
    rows = documents_panel(response, "Issued documents").context["rows"]
    assert [row.public_id for row in rows] == [str(proof_of(application).public_id)]
    assert "TST-THEIRS" not in response.content.decode()
    assert reverse("documents:detail", args=[theirs.public_id]) not in response.content.decode()


def test_another_citizen_gets_not_found(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User
) -> None:
    application = queued(holder, officer, samsat)
    other = make_profile("3171011203850001", full_name="Budi Santoso").user
    response = citizen_client(other).get(detail_url(application))
    assert response.status_code == 404
    assert proof_of(application).reference.encode() not in response.content


def test_citizen_page_queries_do_not_grow_with_the_documents(
    service: ServiceUnderTest, samsat: Office, officer: User, holder: User, django_assert_num_queries: Any
) -> None:
    one = queued(holder, officer, samsat, "B 1 A")
    three = queued(holder, officer, samsat, "B 3 A")
    more_documents(three, holder)

    small, large = citizen_client(holder), citizen_client(holder)
    expected = queries_for(small, detail_url(one))
    large.get(detail_url(three))
    with django_assert_num_queries(expected):
        response = large.get(detail_url(three))
    assert len(documents_panel(response, "Issued documents").context["rows"]) == 3
