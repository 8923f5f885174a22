"""The citizen's data export (issue 11 point 4): the ZIP's contents, re-authentication, the rate
limit, the audit of the export, and a query count that does not grow with the records."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from applications.models import Application
from audit.models import AuditEvent
from documents.models import IssuedDocument
from documents.services import document_render
from offices.models import Office
from privacy import selectors
from tests.accounts.factories import make_profile
from tests.applications.conftest import make_application, to_status
from tests.delivery.conftest import issued
from tests.factories import DEFAULT_PASSWORD, sign_in_with_mfa
from tests.privacy.conftest import NIK, OTHER_NIK, sign_in

pytestmark = pytest.mark.usefixtures("shipping")

EXPORT = "/warga/data-saya/unduh/"


def download(client: Client) -> zipfile.ZipFile:
    response = client.post(EXPORT)
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="korlantas-data-')
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return zipfile.ZipFile(io.BytesIO(body))


def read_json(archive: zipfile.ZipFile, name: str) -> Any:
    return json.loads(archive.read(name).decode("utf-8"))


def all_text(archive: zipfile.ZipFile) -> str:
    return "".join(
        archive.read(name).decode("utf-8") for name in archive.namelist() if not name.endswith(".pdf")
    )


def test_the_zip_holds_the_citizens_data_and_nothing_of_anyone_else(
    client: Client, holder: User, other: User, officer: User, samsat: Office
) -> None:
    application = issued(holder, officer, samsat)
    document = IssuedDocument.objects.get(application=application)
    document_render(document_id=document.pk)
    # Someone checks the document on the public page: the holder sees when, never who.
    Client().get(reverse("documents:verify", args=[document.verification_token]))
    # The officer shows the applicant's whole NIK: the export lists it, by role and office.
    staff = Client()
    sign_in_with_mfa(staff, officer)
    staff.post(reverse("applications:reveal_nik", args=[application.public_id]))
    theirs = issued(other, officer, samsat, choice="courier")

    sign_in(client, holder)
    archive = download(client)

    assert sorted(archive.namelist()) == sorted(
        [
            "README.txt",
            "profile.json",
            "applications.json",
            "documents.json",
            "access_log.json",
            "licences.json",
            "vehicles.json",
            "notifications.json",
            f"documents/{document.kind}-{document.public_id}.pdf",
        ]
    )
    profile = read_json(archive, "profile.json")
    assert profile["account"]["email"] == holder.email
    assert profile["profile"]["nik"] == NIK  # the whole NIK: it is their own data
    assert profile["profile"]["full_name"] == "Siti Rahmawati"

    [app] = read_json(archive, "applications.json")
    assert app["reference"] == application.reference
    assert app["public_id"] == str(application.public_id)
    assert [step["action"] for step in app["status_history"]] == [
        "submit",
        "pay",
        "claim",
        "approve",
        "issue",
    ]
    assert [step["by"] for step in app["status_history"]] == [
        "citizen",
        "system",
        "officer",
        "officer",
        "officer",
    ]
    # Test-service fee Rp 25.000 (PP 76/2020 2-wheel endorsement) + postage Java-Bali Rp 20.000.
    assert app["bills"][0]["total"] == 25_000 + 20_000
    [shipment] = app["shipments"]
    assert shipment["item"] == "plates"
    assert shipment["status"] == "created"
    assert shipment["tracking"]
    assert all(set(event) >= {"action", "at", "by"} for event in shipment["tracking"])

    [doc] = read_json(archive, "documents.json")
    assert doc["pdf"] == f"documents/{document.kind}-{document.public_id}.pdf"
    assert archive.read(doc["pdf"]).startswith(b"%PDF-")
    assert len(doc["verifications"]) == 1
    assert set(doc["verifications"][0]) == {"at", "network", "client"}

    log = read_json(archive, "access_log.json")
    reveals = [row for row in log if row["action"] == "pii.revealed"]
    assert [(row["by"], row["what"]) for row in reveals] == [(f"officer at {samsat.name}", "nik")]
    assert {row["by"] for row in log} >= {"you", "system", f"officer at {samsat.name}"}
    # Staff are shown by role and office only: no e-mail, no id, no address.
    text = all_text(archive)
    assert officer.email not in text
    assert all(row["ip"] is None for row in log if row["by"] != "you")

    # Nothing of the other citizen.
    assert OTHER_NIK not in text
    assert "Budi Santoso" not in text
    assert other.email not in text
    assert theirs.reference not in text
    assert str(theirs.public_id) not in text
    # Plain JSON: readable characters (ensure_ascii=False), indented, ISO times.
    raw = archive.read("profile.json").decode("utf-8")
    assert raw.startswith('{\n  "account"')
    assert "T" in profile["account"]["date_joined"]


def test_the_export_is_audited_without_its_content(client: Client, holder: User) -> None:
    sign_in(client, holder)
    download(client)
    event = AuditEvent.objects.get(action="privacy.exported")
    assert event.actor_id == holder.pk
    assert event.object_id == str(holder.public_id)
    assert event.details["records"]["applications"] == 0
    assert NIK not in json.dumps(event.details)
    assert holder.email not in json.dumps(event.details)


def test_a_missing_pdf_is_reported_not_fatal(
    client: Client, holder: User, officer: User, samsat: Office
) -> None:
    application = issued(holder, officer, samsat)
    document = IssuedDocument.objects.get(application=application)
    document_render(document_id=document.pk)
    document.refresh_from_db()
    default_storage.delete(document.file.name)
    sign_in(client, holder)
    archive = download(client)
    [doc] = read_json(archive, "documents.json")
    assert doc["pdf"] is None
    assert doc["pdf_omitted"] == "missing"
    assert not [name for name in archive.namelist() if name.endswith(".pdf")]


def test_the_download_asks_for_the_password_again(client: Client, holder: User) -> None:
    client.force_login(holder)  # a session without a recent password
    response = client.post(EXPORT)
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/reauthenticate/")
    assert not AuditEvent.objects.filter(action="privacy.exported").exists()
    # Once the password is given, allauth carries out the kept POST: the ZIP comes back.
    response = client.post(response["Location"], {"password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert AuditEvent.objects.filter(action="privacy.exported", actor_id=holder.pk).count() == 1


def test_three_downloads_an_hour(client: Client, holder: User) -> None:
    sign_in(client, holder)
    for _ in range(3):  # ACCOUNT_RATE_LIMITS["privacy_export"] = "3/h/user"
        download(client)
    response = client.post(EXPORT)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert AuditEvent.objects.filter(action="privacy.exported").count() == 3


def test_the_page_and_the_download_are_for_citizens_only(client: Client, officer: User) -> None:
    assert client.get("/warga/data-saya/")["Location"].startswith("/akun/login/")
    assert client.post(EXPORT)["Location"].startswith("/akun/login/")
    sign_in_with_mfa(client, officer)
    assert client.get("/warga/data-saya/").status_code == 403
    assert client.post(EXPORT).status_code == 403


def test_the_download_refuses_get(client: Client, holder: User) -> None:
    sign_in(client, holder)
    assert client.get(EXPORT).status_code == 405


def test_the_page_says_what_the_zip_holds(client: Client, holder: User) -> None:
    sign_in(client, holder)
    with CaptureQueriesContext(connection):
        response = client.get("/warga/data-saya/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "whole NIK" in page
    assert f'action="{EXPORT}"' in page
    assert NIK not in page


def _applications(holder: User, officer: User, office: Office, count: int) -> list[Application]:
    made = []
    for n in range(count):
        application = make_application(holder, subject=f"B {1000 + n} ABC")
        Application.objects.filter(pk=application.pk).update(delivery_choice="courier")
        application.refresh_from_db()
        made.append(to_status(application, "issued", citizen=holder, officer=officer, office=office))
    return made


def _export_queries(user: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        selectors.export_of(user)
    return len(queries)


def test_the_export_costs_the_same_queries_for_1_and_5_applications(
    holder: User, other: User, officer: User, samsat: Office
) -> None:
    _applications(holder, officer, samsat, 1)
    _applications(other, officer, samsat, 5)
    one, five = _export_queries(holder), _export_queries(other)
    # profile 1; applications 1 + status changes, uploads, bookings, bills, bill lines, payments,
    # refunds, shipments, tracking 9; documents 1 + verifications 1; audit events 1, staff roles 1,
    # offices 1; verified NIK index 1, licences 1, vehicles 1; messages 1:
    # 1 + 1 + 9 + 2 + 3 + 3 + 1 = 20.
    assert one == five == 20


def test_the_download_costs_the_same_queries_for_1_and_5_applications(
    holder: User, other: User, officer: User, samsat: Office
) -> None:
    _applications(holder, officer, samsat, 1)
    _applications(other, officer, samsat, 5)
    counts = []
    for user in (holder, other):
        client = Client()
        sign_in(client, user)
        with CaptureQueriesContext(connection) as queries:
            download(client)
        counts.append(len(queries))
    # The export's 20 reads (above) + the request's 7: the user, their roles, allauth's e-mail and
    # three authenticator checks (re-authentication), and the audit event of the export.
    assert counts == [27, 27]


def test_nothing_personal_in_urls_or_file_names(client: Client, holder: User) -> None:
    paths = [reverse(name) for name in ("privacy:my_data", "privacy:export", "privacy:erasure")]
    assert paths == ["/warga/data-saya/", "/warga/data-saya/unduh/", "/warga/data-saya/hapus-akun/"]
    sign_in(client, holder)
    response = client.post(EXPORT)
    disposition = response["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="korlantas-data-\d{4}-\d{2}-\d{2}\.zip"', disposition)
    home = client.get(reverse("accounts:citizen_home")).content.decode()
    assert 'href="/warga/data-saya/"' in home
    links = " ".join(re.findall(r'(?:href|action)="([^"]*)"', home))
    for text in (disposition, links):
        assert NIK not in text
        assert holder.email not in text


def test_licences_and_vehicles_come_through_the_verified_nik_only(client: Client, holder: User) -> None:
    from tests.licensing.licence_helpers import licence
    from tests.offices.factories import OfficeFactory
    from tests.vehicles.conftest import vehicle_data
    from vehicles import endorsement
    from vehicles import services as vehicle_services

    vehicle_services.region_codes_load()
    endorsement.tax_reference_load()
    jakarta = OfficeFactory(kind=Office.Kind.SAMSAT, name="Samsat Uji Jakarta", plate_region_codes=["B"])
    licence(NIK, "c", number=NIK)
    licence(OTHER_NIK, "a", number=OTHER_NIK)
    vehicle_services.vehicle_register(data=vehicle_data("B 1234 ABC"), owner_nik=NIK, samsat=jakarta)

    sign_in(client, holder)
    archive = download(client)
    [held] = read_json(archive, "licences.json")
    assert (held["class"], held["number"]) == ("c", NIK)
    [vehicle] = read_json(archive, "vehicles.json")
    assert vehicle["plate"] == "B 1234 ABC"
    assert OTHER_NIK not in all_text(archive)

    # Someone who declared the same NIK without verifying it sees nothing tied to it.
    claimant = make_profile(NIK, full_name="Siti Palsu").user
    other_client = Client()
    sign_in(other_client, claimant)
    archive = download(other_client)
    assert read_json(archive, "licences.json") == []
    assert read_json(archive, "vehicles.json") == []


@pytest.mark.parametrize("path", ["/warga/data-saya/", "/warga/data-saya/hapus-akun/"])
def test_the_pages_cost_the_same_queries_for_0_and_5_applications(
    path: str, holder: User, other: User, officer: User, samsat: Office
) -> None:
    _applications(other, officer, samsat, 5)
    counts = []
    for user in (holder, other):
        client = Client()
        sign_in(client, user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts.append(len(queries))
    # The user, their roles, the count of open applications and the header's unread-message count
    # (the session itself comes from the cache).
    assert counts == [4, 4]


def test_service_details_are_exported_without_keys_hashes_or_ciphertexts() -> None:
    import datetime as dt

    from licensing.models import SimApplication

    assert {"sim", "stnk_endorsement", "stnk_renewal", "bpkb_transfer"} <= set(selectors.detail_accessors())
    row = SimApplication(
        kind="new",
        sim_class="c",
        health_cert_number="KES-1",
        health_cert_date=dt.date(2026, 11, 2),
        passport_number_ciphertext="secret",
        passport_number_last4="1234",
    )
    data = selectors.row_fields(row)
    assert data["health_cert_number"] == "KES-1"
    assert data["health_cert_date"] == "2026-11-02"
    assert data["passport_number_last4"] == "1234"
    assert "passport_number_ciphertext" not in data
    assert "application" not in data
    assert "licence" not in data
