"""Fraud signals (issue 10, point 4): keyed hashes kept at submit, flags for supervisors.

States are reached through the real services: profiles through ``accounts.services``,
attachments through ``attachment_add``, submissions and payments through
``application_transition`` (``act``/``to_status``). Old submissions are made under
``time_machine.travel``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pikepdf
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts import roles
from accounts.models import User
from applications.models import Application, Attachment
from applications.services import attachment_add
from korlantas.lib import pii
from korlantas.lib.request_context import reset_client_address, set_client_address
from offices.models import Office
from supervision import signals
from supervision.models import SignalRecord
from tests.accounts.factories import make_profile, make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import act, make_application, make_polda_supervisor
from tests.factories import UserFactory, sign_in_with_mfa
from tests.offices.factories import OfficeFactory

service = applications_conftest.service
samsat = applications_conftest.samsat
officer = applications_conftest.officer

BROKER_PHONE = "+6281299998888"
IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def other_samsat(samsat: Office) -> Office:
    """A second Samsat of the same Polda."""
    return OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)


@pytest.fixture
def far_samsat(db: None) -> Office:
    """A Samsat of another Polda."""
    return OfficeFactory(kind=Office.Kind.SAMSAT)


_nik_serial = iter(range(1, 10_000))


def citizen_with(phone: str = BROKER_PHONE, **overrides: Any) -> User:
    """A citizen with a profile of their own NIK (serials differ), giving ``phone``."""
    nik = f"317101450790{next(_nik_serial):04d}"
    return make_profile(nik, phone=phone, **overrides).user


def submitted(
    applicant: User, office: Office, subject: str = "B 1234 ABC", ip: str | None = None
) -> Application:
    token = set_client_address(ip)
    try:
        return act(make_application(applicant, subject), "submit", applicant, office=office)
    finally:
        reset_client_address(token)


def records_of(application: Application) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {}
    for record in SignalRecord.objects.filter(application=application):
        kinds.setdefault(record.kind, set()).add(record.digest)
    return kinds


def pdf_bytes() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, static_id=True)
    return out.getvalue()


# --- normalising ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0812-9999-8888", "+62 812 9999 8888", "6281299998888", "(0812) 99998888"])
def test_a_mobile_number_is_kept_in_e164_form_however_typed(typed: str) -> None:
    assert signals.normalise_phone(typed) == BROKER_PHONE


def test_an_address_ignores_case_punctuation_and_spacing_but_not_the_regency_or_postal_code() -> None:
    one = signals.normalise_address("Jl. Merdeka No.1,  RT 001/RW 002", regency_id=7, postal_code="10110")
    two = signals.normalise_address("jl merdeka no 1 rt 001 rw 002", regency_id=7, postal_code="10110")
    assert one == two == "jl merdeka no 1 rt 001 rw 002|7|10110"
    assert (
        signals.normalise_address("jl merdeka no 1 rt 001 rw 002", regency_id=8, postal_code="10110") != one
    )
    assert (
        signals.normalise_address("jl merdeka no 1 rt 001 rw 002", regency_id=7, postal_code="10111") != one
    )


# --- recording at submit ---------------------------------------------------------------------


def test_submit_keeps_keyed_hashes_of_phone_address_file_and_ip_never_the_values(
    service: Any, samsat: Office, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    applicant = citizen_with(phone="0812 9999 8888")
    profile = applicant.citizen_profile
    application = make_application(applicant)
    attachment = attachment_add(
        application_id=application.pk,
        kind="supporting",
        uploaded_file=SimpleUploadedFile("letter.pdf", pdf_bytes(), content_type="application/pdf"),
        actor=applicant,
    )
    token = set_client_address(IP)
    try:
        act(application, "submit", applicant, office=samsat)
    finally:
        reset_client_address(token)

    address = signals.normalise_address(profile.address, regency_id=profile.regency_id, postal_code="10110")
    assert records_of(application) == {
        "phone": {pii.blind_index(BROKER_PHONE, purpose="signal-phone")},
        "address": {pii.blind_index(address, purpose="signal-address")},
        "file": {pii.blind_index(attachment.sha256, purpose="signal-file")},
        "ip": {pii.blind_index(IP, purpose="signal-ip")},
    }
    stored = " ".join(
        f"{row.digest} {row.kind}" for row in SignalRecord.objects.filter(application=application)
    )
    for raw in (BROKER_PHONE, profile.address, IP, attachment.sha256):
        assert raw not in stored
    record = SignalRecord.objects.filter(application=application).first()
    assert record is not None
    assert record.applicant_id == applicant.pk
    assert record.office_id == samsat.pk


def test_without_a_request_no_network_address_is_kept_and_no_profile_means_no_phone_or_address(
    service: Any, samsat: Office
) -> None:
    with_profile = submitted(citizen_with(), samsat, ip=None)
    assert set(records_of(with_profile)) == {"phone", "address"}
    without_profile = submitted(UserFactory(), samsat, ip=IP)
    assert set(records_of(without_profile)) == {"ip"}


def test_a_resubmission_adds_nothing_twice(service: Any, samsat: Office, officer: User) -> None:
    applicant = citizen_with()
    application = submitted(applicant, samsat)
    application = act(act(application, "pay", None), "claim", officer)
    application = act(application, "request_revision", officer, note="Blurred", flagged_fields=["colour"])
    act(application, "resubmit", applicant, note="The colour is right.")
    assert SignalRecord.objects.filter(application=application).count() == 2  # phone and address


# --- the flag rule -----------------------------------------------------------------------------


def test_five_different_applicants_sharing_a_number_make_a_flag_four_do_not(
    service: Any, samsat: Office, settings: Any
) -> None:
    settings.SUPERVISION_SIGNAL_MIN_APPLICANTS = 5
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    first_four = [submitted(citizen_with(address=f"Jl. Mawar {n}"), samsat) for n in range(4)]
    assert signals.flag_groups_for(user=supervisor) == []
    assert signals.flags_of_application(application=first_four[0]) == []

    fifth = submitted(citizen_with(address="Jl. Mawar 4"), samsat)
    (flag,) = signals.flag_groups_for(user=supervisor)
    assert flag.kind == "phone"
    assert (flag.applicants, flag.applications) == (5, 5)
    assert {row.reference for row in flag.in_scope} == {a.reference for a in [*first_four, fifth]}
    assert flag.explanation == (
        "The same mobile number was given on 5 applications by 5 different applicants in the last 30 days."
    )
    assert BROKER_PHONE not in flag.explanation


def test_one_applicant_using_their_own_number_many_times_counts_once(
    service: Any, samsat: Office, settings: Any
) -> None:
    settings.SUPERVISION_SIGNAL_MIN_APPLICANTS = 2
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    applicant = citizen_with()
    for n in range(6):
        submitted(applicant, samsat, subject=f"B {n} AAA")
    assert signals.flag_groups_for(user=supervisor) == []

    # One more applicant with the same number: 7 applications, 2 applicants.
    submitted(citizen_with(address="Jl. Lain 9"), samsat)
    groups = {flag.kind: flag for flag in signals.flag_groups_for(user=supervisor)}
    assert (groups["phone"].applicants, groups["phone"].applications) == (2, 7)
    assert "address" not in groups  # the addresses differ


def test_signals_older_than_the_window_do_not_count(service: Any, samsat: Office, settings: Any) -> None:
    settings.SUPERVISION_SIGNAL_MIN_APPLICANTS = 3
    settings.SUPERVISION_SIGNAL_WINDOW_DAYS = 30
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=31), tick=False):
        submitted(citizen_with(address="Jl. Lama 1"), samsat)
    submitted(citizen_with(address="Jl. Baru 1"), samsat)
    submitted(citizen_with(address="Jl. Baru 2"), samsat)
    # 3 applicants in all, but only 2 within the last 30 days.
    assert signals.flag_groups_for(user=supervisor) == []
    submitted(citizen_with(address="Jl. Baru 3"), samsat)
    (flag,) = signals.flag_groups_for(user=supervisor)
    assert (flag.applicants, flag.applications) == (3, 3)


def test_counts_run_across_offices_but_each_supervisor_sees_only_their_scope(
    service: Any, samsat: Office, other_samsat: Office, far_samsat: Office, settings: Any
) -> None:
    settings.SUPERVISION_SIGNAL_MIN_APPLICANTS = 4
    here = [submitted(citizen_with(address=f"Jl. A {n}"), samsat) for n in range(2)]
    neighbour = submitted(citizen_with(address="Jl. B"), other_samsat)
    far = submitted(citizen_with(address="Jl. C"), far_samsat)

    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    (flag,) = signals.flag_groups_for(user=supervisor)
    # 4 applicants over three offices: a flag, listing only this office's 2 applications.
    assert (flag.applicants, flag.applications) == (4, 4)
    assert {row.reference for row in flag.in_scope} == {a.reference for a in here}

    polda_supervisor = make_polda_supervisor(samsat)
    (flag,) = signals.flag_groups_for(user=polda_supervisor)
    assert {row.reference for row in flag.in_scope} == {a.reference for a in [*here, neighbour]}
    assert far.reference not in {row.reference for row in flag.in_scope}

    unrelated = make_staff(roles.SUPERVISOR, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    assert signals.flag_groups_for(user=unrelated) == []
    nowhere = UserFactory()  # a supervisor whose membership is not set up yet
    nowhere.groups.add(*roles.role_groups([roles.SUPERVISOR]))
    assert signals.flag_groups_for(user=nowhere) == []


def test_a_flag_never_blocks_the_applicant_from_submitting_and_paying(
    service: Any, samsat: Office, settings: Any
) -> None:
    settings.SUPERVISION_SIGNAL_MIN_APPLICANTS = 2
    submitted(citizen_with(address="Jl. X 1"), samsat)
    submitted(citizen_with(address="Jl. X 2"), samsat)
    applicant = citizen_with(address="Jl. X 3")
    application = submitted(applicant, samsat)
    assert signals.flags_of_application(application=application)
    assert application.status == "pending_payment"
    application = act(application, "pay", None)
    assert application.status == "queued"


# --- the page ---------------------------------------------------------------------------------

# The flags page: the user and their roles (the session lives in the cache), then the viewer's
# membership and the groups: 4; with a flag, one more for the in-scope applications.
EMPTY_FLAGS_PAGE_QUERIES = 4
FLAGS_PAGE_QUERIES = EMPTY_FLAGS_PAGE_QUERIES + 1


def test_the_flags_page_explains_and_lists_without_showing_values_in_constant_queries(
    service: Any,
    samsat: Office,
    other_samsat: Office,
    client: Client,
    settings: Any,
    django_assert_num_queries: Any,
) -> None:
    settings.SUPERVISION_SIGNAL_MIN_APPLICANTS = 2
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    sign_in_with_mfa(client, supervisor)

    with django_assert_num_queries(EMPTY_FLAGS_PAGE_QUERIES):
        response = client.get(reverse("supervision:flags"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No application of your offices shares a signal" in page
    assert "A flag never blocks anyone." in page

    # One flag with two applications (one office), then three flags with many rows.
    first = [submitted(citizen_with(address=f"Jl. Satu {n}"), samsat, subject=f"B {n} ONE") for n in range(2)]
    with django_assert_num_queries(FLAGS_PAGE_QUERIES):
        page = client.get(reverse("supervision:flags")).content.decode()
    assert "The same mobile number was given on 2 applications by 2 different applicants" in page
    assert reverse("applications:review", args=[first[0].public_id]) in page

    shared_address = {"address": "Jl. Kembar 7"}
    for n in range(6):
        office = samsat if n % 2 == 0 else other_samsat
        submitted(citizen_with(**shared_address), office, subject=f"B {n} TWO", ip=IP)
    with django_assert_num_queries(FLAGS_PAGE_QUERIES):
        page = client.get(reverse("supervision:flags")).content.decode()
    # phone: 8 applicants; address and network address: 6 applicants each.
    assert "The same mobile number was given on 8 applications by 8 different applicants" in page
    assert "The same delivery address was given on 6 applications by 6 different applicants" in page
    assert "6 applications by 6 different applicants were sent from the same network address" in page
    for raw in (BROKER_PHONE, "Kembar", IP):
        assert raw not in page


def test_an_officer_may_not_open_the_flags_page(service: Any, officer: User, client: Client) -> None:
    sign_in_with_mfa(client, officer)
    assert client.get(reverse("supervision:flags")).status_code == 403


# --- the review panel -------------------------------------------------------------------------


def test_the_review_page_shows_supervisors_the_flags_of_the_application_in_one_query(
    service: Any, samsat: Office, officer: User, client: Client, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.SUPERVISION_SIGNAL_MIN_APPLICANTS = 2
    application = submitted(citizen_with(address="Jl. P 1"), samsat, ip=IP)
    with django_assert_num_queries(1):
        assert signals.flags_of_application(application=application) == []
    submitted(citizen_with(address="Jl. P 2"), samsat, ip=IP)
    for n in range(4):
        submitted(citizen_with(address=f"Jl. P {n + 3}"), samsat, ip=IP)
    with django_assert_num_queries(1):
        flags = signals.flags_of_application(application=application)
    assert {flag.kind for flag in flags} == {"phone", "ip"}

    url = reverse("applications:review", args=[application.public_id])
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    sign_in_with_mfa(client, supervisor)
    with CaptureQueriesContext(connection) as six_applicants:
        page = client.get(url).content.decode()
    assert "Shared signals" in page
    assert "The same mobile number was given on 6 applications by 6 different applicants" in page
    assert IP not in page
    # Four more applicants share the number and the address of the network: the page costs the same.
    for n in range(4):
        submitted(citizen_with(address=f"Jl. Q {n}"), samsat, ip=IP)
    with django_assert_num_queries(len(six_applicants.captured_queries)):
        page = client.get(url).content.decode()
    assert "The same mobile number was given on 10 applications by 10 different applicants" in page

    sign_in_with_mfa(client, officer)
    page = client.get(url).content.decode()
    assert "Shared signals" not in page


def test_a_shared_file_flag_says_which_document_it_was_uploaded_as(
    service: Any, samsat: Office, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SUPERVISION_SIGNAL_MIN_APPLICANTS = 2
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    same_letter = pdf_bytes()
    applications = []
    for n in range(2):
        # Different phones and addresses: only the file is shared.
        applicant = citizen_with(phone=f"0812-7777-000{n}", address=f"Jl. Melati {n}")
        application = make_application(applicant, f"B {n + 1} FIL")
        attachment_add(
            application_id=application.pk,
            kind="supporting",
            uploaded_file=SimpleUploadedFile("letter.pdf", same_letter, content_type="application/pdf"),
            actor=applicant,
        )
        applications.append(act(application, "submit", applicant, office=samsat))

    (flag,) = signals.flag_groups_for(user=supervisor)
    label = str(Attachment.Kind("supporting").label)
    assert (flag.kind, flag.documents) == ("file", (label,))
    (own,) = signals.flags_of_application(application=applications[0])
    assert own.documents == (label,)
