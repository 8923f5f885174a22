"""The SIM services end to end, through the real services only (issue 7, "Checks"): draft,
details, uploads, submit → bill → payment (the settlement a bank callback runs) → claim →
exams or a biometric visit → resume → approve → issue → the licence row, the e-SIM card
rendered on commit, its QR code, and the public verification page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from accounts.selectors import verified_nik_index
from applications.appointments import BookingRefused, booking_create, booking_record_attendance, slot_publish
from applications.models import Application, Booking
from applications.services import TransitionRefused
from documents import qr, rendering
from documents.models import IssuedDocument
from documents.registry import get_kind
from licensing import card, exams, rules
from licensing.models import Licence
from licensing.services import licences_mark_expired
from offices.models import AppointmentSlot, Office
from tests.applications.conftest import act
from tests.documents.conftest import decoded_qr_codes, layout_text
from tests.licensing.conftest import (
    SIM_CITIZEN_NIK,
    HeldLicence,
    attach,
    certificates,
    pay,
    sim_draft,
)
from tests.utils import jakarta

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "sim_media")]

NATIONAL_DOCUMENTS = ("photo", "signature", "ktp_scan", "health_cert", "psych_result")


@pytest.fixture
def clock_at() -> Iterator[Any]:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False) as traveller:
        yield traveller


def refused(application: Application, action: str, actor: User | None) -> list[str]:
    with pytest.raises(TransitionRefused) as refusal:
        act(application, action, actor)
    return [str(reason) for reason in refusal.value.reasons]


def paid_and_claimed(draft: Application, citizen: User, office: Office, officer: User) -> Application:
    application = act(draft, "submit", citizen, office=office)
    assert application.status == "pending_payment"
    pay(application)
    application.refresh_from_db()
    assert application.status == "queued"
    return act(application, "claim", officer)


def slot(office: Office, officer: User, kind: str, starts_at: dt.datetime) -> AppointmentSlot:
    return slot_publish(
        office=office, kind=kind, starts_at=starts_at, duration_minutes=60, capacity=8, actor=officer
    )


def take_exams(
    application: Application, citizen: User, officer: User, office: Office, clock: Any, day: dt.date
) -> Application:
    """Schedule; theory on ``day`` (score 85), practical two days later (passed); resume."""
    application = act(application, "schedule", officer)
    theory_at = jakarta(day.year, day.month, day.day, 9)
    practical_at = theory_at + dt.timedelta(days=2)
    theory = booking_create(
        application_id=application.pk,
        slot_id=slot(office, officer, "theory_exam", theory_at).pk,
        citizen=citizen,
    )
    clock.move_to(theory_at + dt.timedelta(hours=1))
    exams.exam_result_record(booking_id=theory.pk, officer=officer, exam="theory", score=85)
    assert refused(application, "resume_review", officer) == ["The practical exam is still to come."]
    practical = booking_create(
        application_id=application.pk,
        slot_id=slot(office, officer, "practical_exam", practical_at).pk,
        citizen=citizen,
    )
    clock.move_to(practical_at + dt.timedelta(hours=1))
    exams.exam_result_record(
        booking_id=practical.pk, officer=officer, exam="practical", passed=True, notes="Lancar"
    )
    return act(application, "resume_review", officer)


def issue(application: Application, officer: User, capture: Any) -> Application:
    """Approve and issue; the card is rendered on commit (Celery runs eagerly in the tests)."""
    application = act(application, "approve", officer)
    with capture(execute=True):
        application = act(application, "issue", officer)
    assert application.status == "issued"
    return application


def card_of(application: Application) -> IssuedDocument:
    return IssuedDocument.objects.get(application=application, kind=card.KIND)


def verify_page(client: Client, document: IssuedDocument) -> str:
    client.cookies["django_language"] = "en"
    response = client.get(f"/verify/{document.verification_token}/")
    assert response.status_code == 200
    return response.content.decode()


# --- a new licence: exams, then the card -------------------------------------------------------


def test_new_licence_from_draft_to_rendered_card(
    clock_at: Any,
    sim_citizen: User,
    satpas: Office,
    satpas_officer: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    draft = sim_draft(sim_citizen, "sim_new", {"sim_class": "c", **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    application = paid_and_claimed(draft, sim_citizen, satpas, satpas_officer)
    assert application.reference.startswith("SIMB-")

    # No approval before the exams; the submission was not blocked by them.
    assert refused(application, "approve", satpas_officer) == ["The theory exam is not passed."]
    application = take_exams(application, sim_citizen, satpas_officer, satpas, clock_at, dt.date(2026, 3, 4))
    assert application.status == "in_review"
    application = issue(application, satpas_officer, django_capture_on_commit_callbacks)

    issued_on = dt.date(2026, 3, 6)  # the day of the practical exam and the issue
    licence = Licence.objects.get(application=application)
    assert licence.holder_nik_index == verified_nik_index(sim_citizen)
    assert (licence.sim_class, licence.state, licence.issuing_office) == ("c", "active", satpas)
    assert (licence.issued_on, licence.expires_on) == (issued_on, dt.date(2031, 3, 6))  # 5 years
    assert licence.number_is_nik
    assert licence.number_last4 == "0003"
    assert SIM_CITIZEN_NIK not in licence.number_ciphertext

    document = card_of(application)
    assert licence.document == document
    assert document.holder == sim_citizen
    assert document.status == IssuedDocument.Status.VALID
    assert document.is_rendered
    with document.file.open("rb") as file:
        pdf = file.read()
    assert set(decoded_qr_codes(pdf)) == {qr.verification_url(document.verification_token)}
    kind = get_kind(card.KIND)
    text = layout_text(rendering.layout(kind, rendering.document_input(document, kind)))
    assert "3171 0145 0790 0003" in text
    assert "06-03-2031" in text

    page = verify_page(client, document)
    assert "VALID" in page
    assert "•••• •••• •••• 0003" in page
    assert SIM_CITIZEN_NIK not in page
    assert "0145" not in page


def test_an_upgrade_adds_a_class_and_leaves_the_others(
    clock_at: Any,
    sim_citizen: User,
    satpas: Office,
    satpas_officer: User,
    held_licence: HeldLicence,
    django_capture_on_commit_callbacks: Any,
) -> None:
    held = held_licence("c", issued_on=dt.date(2024, 1, 10), expires_on=dt.date(2029, 1, 10))
    draft = sim_draft(sim_citizen, "sim_upgrade", {"sim_class": "c1", **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    application = paid_and_claimed(draft, sim_citizen, satpas, satpas_officer)
    application = take_exams(application, sim_citizen, satpas_officer, satpas, clock_at, dt.date(2026, 3, 4))
    issue(application, satpas_officer, django_capture_on_commit_callbacks)
    upgraded = Licence.objects.get(application=application)
    assert (upgraded.sim_class, upgraded.state, upgraded.expires_on) == ("c1", "active", dt.date(2031, 3, 6))
    held.refresh_from_db()
    assert (held.state, held.replaced_by) == ("active", None)  # the SIM C stays as it was


# --- renewal: the old licence replaced, its card superseded ------------------------------------


def renew(licence: Licence, citizen: User, office: Office, officer: User, capture: Any) -> Application:
    draft = sim_draft(citizen, "sim_renewal", {"licence": str(licence.public_id), **certificates()})
    attach(draft, citizen, *NATIONAL_DOCUMENTS)
    application = paid_and_claimed(draft, citizen, office, officer)
    return issue(application, officer, capture)


def test_renewal_of_a_sim_c_twice_replaces_the_licence_and_supersedes_its_card(
    clock_at: Any,
    sim_citizen: User,
    satpas: Office,
    satpas_officer: User,
    held_licence: HeldLicence,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    imported = held_licence("c", expires_in=30)  # an older card: no document of ours
    first = renew(imported, sim_citizen, satpas, satpas_officer, django_capture_on_commit_callbacks)
    renewed = Licence.objects.get(application=first)
    imported.refresh_from_db()
    assert (imported.state, imported.replaced_by) == ("replaced", renewed)
    assert (renewed.issued_on, renewed.expires_on) == (dt.date(2026, 3, 2), dt.date(2031, 3, 2))
    first_card = card_of(first)
    act(first, "complete", None)  # collected at the Satpas (the delivery work completes it)

    # Five years on, 45 days before expiry: renewed again; the first e-SIM card is superseded.
    clock_at.move_to(jakarta(2031, 1, 16, 10))
    second = renew(renewed, sim_citizen, satpas, satpas_officer, django_capture_on_commit_callbacks)
    latest = Licence.objects.get(application=second)
    renewed.refresh_from_db()
    first_card.refresh_from_db()
    second_card = card_of(second)
    assert (renewed.state, renewed.replaced_by) == ("replaced", latest)
    assert (latest.state, latest.issued_on, latest.expires_on) == (
        "active",
        dt.date(2031, 1, 16),
        dt.date(2036, 1, 16),
    )
    assert first_card.status == IssuedDocument.Status.SUPERSEDED
    assert first_card.superseded_by == second_card
    assert second_card.status == IssuedDocument.Status.VALID
    assert second_card.is_rendered

    old_page = verify_page(client, first_card)
    assert "SUPERSEDED" in old_page
    assert "Replaced" in old_page
    assert "VALID" in verify_page(client, second_card)


def test_renewal_of_a_sim_b_i_needs_the_biometric_visit(
    clock_at: Any,
    sim_citizen: User,
    satpas: Office,
    satpas_officer: User,
    held_licence: HeldLicence,
    django_capture_on_commit_callbacks: Any,
) -> None:
    licence = held_licence("b1", expires_in=60)
    draft = sim_draft(sim_citizen, "sim_renewal", {"licence": str(licence.public_id), **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    application = paid_and_claimed(draft, sim_citizen, satpas, satpas_officer)
    assert refused(application, "approve", satpas_officer) == [
        "The biometric capture at the office is not recorded yet: schedule the visit, "
        "and record it once the applicant has come."
    ]
    application = act(application, "schedule", satpas_officer)
    visit_at = jakarta(2026, 3, 4, 9)
    with pytest.raises(BookingRefused):  # an exam slot is not the visit this application needs
        booking_create(
            application_id=application.pk,
            slot_id=slot(satpas, satpas_officer, "theory_exam", visit_at).pk,
            citizen=sim_citizen,
        )
    booking = booking_create(
        application_id=application.pk,
        slot_id=slot(satpas, satpas_officer, "biometric", visit_at).pk,
        citizen=sim_citizen,
    )
    clock_at.move_to(visit_at + dt.timedelta(hours=1))
    booking_record_attendance(
        booking_id=booking.pk, officer=satpas_officer, attended=True, outcome=Booking.Outcome.PASS
    )
    application = act(application, "resume_review", satpas_officer)
    issue(application, satpas_officer, django_capture_on_commit_callbacks)
    licence.refresh_from_db()
    assert licence.state == "replaced"
    assert licence.replaced_by is not None
    assert licence.replaced_by.expires_on == dt.date(2031, 3, 4)


# --- replacement of a lost card ----------------------------------------------------------------


def test_replacement_of_a_lost_card_needs_the_police_report_then_replaces_the_licence(
    clock_at: Any,
    sim_citizen: User,
    satpas: Office,
    satpas_officer: User,
    held_licence: HeldLicence,
    django_capture_on_commit_callbacks: Any,
) -> None:
    licence = held_licence("a", expires_in=400)
    data = {
        "licence": str(licence.public_id),
        "replacement_reason": "lost",
        "police_report_number": "LP/B/77/III/2026/Polsek Gambir",
        **certificates(),
    }
    draft = sim_draft(sim_citizen, "sim_replacement", data)
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "health_cert")
    with pytest.raises(TransitionRefused) as refusal:
        act(draft, "submit", sim_citizen, office=satpas)
    assert [str(r) for r in refusal.value.reasons] == [
        "Upload the police loss report (surat keterangan kehilangan) for the lost card."
    ]
    attach(draft, sim_citizen, "police_report")
    application = paid_and_claimed(draft, sim_citizen, satpas, satpas_officer)
    issue(application, satpas_officer, django_capture_on_commit_callbacks)
    new = Licence.objects.get(application=application)
    licence.refresh_from_db()
    assert (licence.state, licence.replaced_by) == ("replaced", new)
    assert new.expires_on == rules.new_expiry("replacement", "a", dt.date(2026, 3, 2))
    assert card_of(application).is_rendered


# --- the international SIM ---------------------------------------------------------------------


def test_international_sim_at_korlantas_valid_three_years(
    clock_at: Any,
    sim_citizen: User,
    korlantas_hq: Office,
    korlantas_officer: User,
    held_licence: HeldLicence,
    django_capture_on_commit_callbacks: Any,
) -> None:
    national = held_licence("a", expires_in=900)
    data = {
        "licence": str(national.public_id),
        "passport_number": "X1234567",
        "passport_expires_on": "2026-08-31",
    }
    draft = sim_draft(sim_citizen, "sim_international", data)
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "passport_scan")
    with pytest.raises(TransitionRefused) as refusal:
        act(draft, "submit", sim_citizen, office=korlantas_hq)
    assert [str(r) for r in refusal.value.reasons] == [
        "Your passport expires on 31 Aug 2026; it must be valid until at least 2 Sep 2026 "
        "(6 months from today). Renew your passport first."
    ]
    act(draft, "cancel", sim_citizen)

    draft = sim_draft(sim_citizen, "sim_international", {**data, "passport_expires_on": "2030-05-01"})
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "passport_scan")
    application = paid_and_claimed(draft, sim_citizen, korlantas_hq, korlantas_officer)
    issue(application, korlantas_officer, django_capture_on_commit_callbacks)
    permit = Licence.objects.get(application=application)
    assert (permit.sim_class, permit.expires_on, permit.issuing_office) == (
        "international",
        dt.date(2029, 3, 2),
        korlantas_hq,
    )
    national.refresh_from_db()
    assert national.state == "active"  # the national licence stays
    document = card_of(application)
    kind = get_kind(card.KIND)
    text = layout_text(rendering.layout(kind, rendering.document_input(document, kind)))
    assert "SURAT IZIN MENGEMUDI INTERNASIONAL" in text
    assert "Berdasarkan SIM A" in text  # rendered in the holder's language
    assert "Valid 3 years from the date of issue" in text


def test_a_renewal_submitted_on_the_expiry_day_is_approved_after_the_licence_expired(
    clock_at: Any,
    sim_citizen: User,
    satpas: Office,
    satpas_officer: User,
    held_licence: HeldLicence,
    django_capture_on_commit_callbacks: Any,
) -> None:
    licence = held_licence("c", expires_on=dt.date(2026, 3, 2))  # today is its last valid day
    draft = sim_draft(sim_citizen, "sim_renewal", {"licence": str(licence.public_id), **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    application = act(draft, "submit", sim_citizen, office=satpas)
    pay(application)
    clock_at.move_to(jakarta(2026, 3, 5, 10))
    assert licences_mark_expired() == 1  # the nightly job: the old licence is now "expired"
    application = act(application, "claim", satpas_officer)
    application = issue(application, satpas_officer, django_capture_on_commit_callbacks)
    licence.refresh_from_db()
    assert licence.state == "replaced"
    assert Licence.objects.get(application=application).expires_on == dt.date(2031, 3, 5)
