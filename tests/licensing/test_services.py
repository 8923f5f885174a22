"""The five SIM services as declared to the core: fees per class and service (DOMAIN.md §4.1,
from the bill the real submission issues), the refusals a citizen meets before paying, the
details forms (classes per service, the citizen's own licences masked and preselected, the
passport encrypted), and what each application needs (appointments, documents, route)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from applications.citizen_forms import details_form_for
from applications.models import Application
from applications.registry import SERVICE_GUARDS, get_service, no_rule
from applications.services import TransitionRefused, application_details_save, application_transition
from korlantas.lib import clock, pii
from licensing import forms as sim_forms
from licensing import rules
from licensing.models import PASSPORT_PURPOSE, Licence, RenewalDispensation, SimApplication
from offices.models import Office
from payments.models import Bill
from tests.accounts.factories import make_profile
from tests.applications.conftest import act
from tests.factories import sign_in_with_mfa
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

TODAY = dt.date(2026, 3, 2)  # a Monday

# DOMAIN.md §4.1 (PP 76/2020), in rupiah: (new issuance, renewal) per class.
TARIFF = {
    "a": (120_000, 80_000),
    "a_umum": (120_000, 80_000),
    "b1": (120_000, 80_000),
    "b1_umum": (120_000, 80_000),
    "b2": (120_000, 80_000),
    "b2_umum": (120_000, 80_000),
    "c": (100_000, 75_000),
    "c1": (100_000, 75_000),
    "c2": (100_000, 75_000),
    "d": (50_000, 30_000),
    "d1": (50_000, 30_000),
    "international": (250_000, 225_000),
}
NATIONAL = [c for c in TARIFF if c != "international"]
NEW_CLASSES = ["a", "a_umum", "c", "d", "d1"]
UPGRADE_CLASSES = ["b1", "b1_umum", "b2", "b2_umum", "c1", "c2"]
NATIONAL_DOCUMENTS = ("photo", "signature", "ktp_scan", "health_cert", "psych_result")


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False) as traveller:
        yield traveller


def submit(application: Application, applicant: User, office: Office) -> Application:
    return act(application, "submit", applicant, office=office)


def refusals(application: Application, applicant: User, office: Office) -> list[str]:
    """The reasons the submission is refused (it must be refused), in English."""
    with pytest.raises(TransitionRefused) as refused:
        submit(application, applicant, office)
    application.refresh_from_db()
    assert application.status == "draft"
    assert not Bill.objects.filter(application=application).exists()  # nothing to pay
    return [str(reason) for reason in refused.value.reasons]


def bill_of(application: Application) -> Bill:
    return Bill.objects.get(application=application)


def passport(expires_on: dt.date) -> dict[str, str]:
    return {"passport_number": "X1234567", "passport_expires_on": expires_on.isoformat()}


# --- the definitions ---------------------------------------------------------------------------


def test_the_five_services_are_declared_with_their_routes_and_documents() -> None:
    expected = {
        "sim_new": ("SIMB", ("satpas",), "sim_card"),
        "sim_upgrade": ("SIMG", ("satpas",), "sim_card"),
        "sim_renewal": ("SIMP", ("satpas",), "sim_card"),
        "sim_replacement": ("SIMH", ("satpas",), "sim_card"),
        "sim_international": ("SIMI", ("korlantas",), "sim_card"),
    }
    for code, (prefix, route, document_kind) in expected.items():
        service = get_service(code)
        assert (service.reference_prefix, service.route, service.document_kind) == (
            prefix,
            route,
            document_kind,
        )
        assert set(service.guards) == SERVICE_GUARDS
        assert service.guards["no_flags"] is no_rule  # no SIM service approves on payment
        assert not service.approves_on_payment
        assert set(service.delivery_choices) == {"courier", "collection"}
        assert service.description
        assert service.details_form is not None
    assert get_service("sim_new").required_documents == NATIONAL_DOCUMENTS
    assert get_service("sim_renewal").required_documents == NATIONAL_DOCUMENTS
    assert get_service("sim_replacement").required_documents == (
        "photo",
        "signature",
        "ktp_scan",
        "health_cert",
    )
    assert get_service("sim_international").required_documents == (
        "photo",
        "signature",
        "ktp_scan",
        "passport_scan",
    )


def test_the_fee_page_lists_every_class_of_each_service() -> None:
    listed = {
        code: set(get_service(code).listed_fee_codes) for code in ("sim_new", "sim_upgrade", "sim_renewal")
    }
    assert listed["sim_new"] == {f"sim_new_{c}" for c in NEW_CLASSES}
    assert listed["sim_upgrade"] == {f"sim_new_{c}" for c in UPGRADE_CLASSES}
    assert listed["sim_renewal"] == {f"sim_renewal_{c}" for c in NATIONAL}
    assert set(get_service("sim_replacement").listed_fee_codes) == {f"sim_renewal_{c}" for c in NATIONAL}
    assert set(get_service("sim_international").listed_fee_codes) == {
        "sim_new_international",
        "sim_renewal_international",
    }


# --- fees: every class × service, from the bill of the real submission ------------------------


@pytest.mark.parametrize("sim_class", NEW_CLASSES)
def test_new_licence_fee(sim_class: str, sim_citizen: User, satpas: Office) -> None:
    draft = sim_draft(sim_citizen, "sim_new", {"sim_class": sim_class, **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    application = submit(draft, sim_citizen, satpas)
    bill = bill_of(application)
    assert [(line.fee_code, line.amount) for line in bill.lines.all()] == [
        (f"sim_new_{sim_class}", TARIFF[sim_class][0])
    ]
    assert bill.total == TARIFF[sim_class][0]
    assert (
        application.subject
        == {"a": "SIM A", "a_umum": "SIM A Umum", "c": "SIM C", "d": "SIM D", "d1": "SIM D I"}[sim_class]
    )


@pytest.mark.parametrize("sim_class", UPGRADE_CLASSES)
def test_upgrade_pays_the_new_licence_fee_of_the_target_class(
    sim_class: str, sim_citizen: User, satpas: Office, held_licence: HeldLicence
) -> None:
    held_licence(rules.PREREQUISITES[sim_class][0], issued_on=TODAY - dt.timedelta(days=800), expires_in=900)
    draft = sim_draft(sim_citizen, "sim_upgrade", {"sim_class": sim_class, **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    bill = bill_of(submit(draft, sim_citizen, satpas))
    assert [(line.fee_code, line.amount) for line in bill.lines.all()] == [
        (f"sim_new_{sim_class}", TARIFF[sim_class][0])
    ]


@pytest.mark.parametrize("sim_class", NATIONAL)
def test_renewal_fee(sim_class: str, sim_citizen: User, satpas: Office, held_licence: HeldLicence) -> None:
    licence = held_licence(sim_class, expires_in=30)
    draft = sim_draft(sim_citizen, "sim_renewal", {"licence": str(licence.public_id), **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    application = submit(draft, sim_citizen, satpas)
    assert [(line.fee_code, line.amount) for line in bill_of(application).lines.all()] == [
        (f"sim_renewal_{sim_class}", TARIFF[sim_class][1])
    ]
    assert application.subject.endswith("(perpanjangan)")


@pytest.mark.parametrize("sim_class", NATIONAL)
def test_replacement_pays_the_renewal_fee(
    sim_class: str, sim_citizen: User, satpas: Office, held_licence: HeldLicence
) -> None:
    licence = held_licence(sim_class, expires_in=400)
    data = {"licence": str(licence.public_id), "replacement_reason": "damaged", **certificates()}
    draft = sim_draft(sim_citizen, "sim_replacement", data)
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "health_cert", "damaged_card")
    bill = bill_of(submit(draft, sim_citizen, satpas))
    assert [(line.fee_code, line.amount) for line in bill.lines.all()] == [
        (f"sim_renewal_{sim_class}", TARIFF[sim_class][1])
    ]


def test_international_fee_new_and_renewal(
    sim_citizen: User, korlantas_hq: Office, held_licence: HeldLicence
) -> None:
    national = held_licence("c", expires_in=900)
    data = {"licence": str(national.public_id), **passport(TODAY + dt.timedelta(days=800))}
    draft = sim_draft(sim_citizen, "sim_international", data)
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "passport_scan")
    first = submit(draft, sim_citizen, korlantas_hq)
    assert [(line.fee_code, line.amount) for line in bill_of(first).lines.all()] == [
        ("sim_new_international", 250_000)
    ]
    act(first, "cancel", sim_citizen)

    # Holding an international SIM within 90 days of its expiry: the renewal tariff.
    held_licence("international", expires_in=40)
    draft = sim_draft(sim_citizen, "sim_international", data)
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "passport_scan")
    renewal = submit(draft, sim_citizen, korlantas_hq)
    assert [(line.fee_code, line.amount) for line in bill_of(renewal).lines.all()] == [
        ("sim_renewal_international", 225_000)
    ]


def test_courier_delivery_adds_postage_to_the_fee(sim_citizen: User, satpas: Office) -> None:
    draft = sim_draft(sim_citizen, "sim_new", {"sim_class": "c", **certificates()}, delivery="courier")
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    lines = list(bill_of(submit(draft, sim_citizen, satpas)).lines.values_list("fee_code", "amount"))
    assert lines[0] == ("sim_new_c", 100_000)
    assert lines[1][0].startswith("postage_zone_")


# --- refusals before payment, each with what to do instead -----------------------------------


def test_renewal_of_a_sim_c_expired_yesterday_says_to_apply_for_a_new_one(
    sim_citizen: User, satpas: Office, held_licence: HeldLicence
) -> None:
    licence = held_licence("c", expires_on=TODAY - dt.timedelta(days=1))
    draft = sim_draft(sim_citizen, "sim_renewal", {"licence": str(licence.public_id), **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    assert refusals(draft, sim_citizen, satpas) == [
        "Your SIM C expired on 1 Mar 2026. A licence past its expiry date cannot be renewed: "
        "apply for a new SIM C (with exams)."
    ]


def test_renewal_on_the_expiry_day_and_inside_a_dispensation_is_allowed(
    sim_citizen: User, satpas: Office, held_licence: HeldLicence
) -> None:
    licence = held_licence("c", expires_on=TODAY)
    draft = sim_draft(sim_citizen, "sim_renewal", {"licence": str(licence.public_id), **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    assert submit(draft, sim_citizen, satpas).status == "pending_payment"

    expired = held_licence("a", expires_on=TODAY - dt.timedelta(days=5))
    RenewalDispensation.objects.create(
        expired_from=TODAY - dt.timedelta(days=10),
        expired_to=TODAY - dt.timedelta(days=3),
        renew_until=TODAY + dt.timedelta(days=7),
        reason="ST/123/III/YAN.1.1/2026",
    )
    draft = sim_draft(sim_citizen, "sim_renewal", {"licence": str(expired.public_id), **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    assert submit(draft, sim_citizen, satpas).status == "pending_payment"


def test_renewal_too_early_says_when_it_opens(
    sim_citizen: User, satpas: Office, held_licence: HeldLicence
) -> None:
    licence = held_licence("c", expires_on=TODAY + dt.timedelta(days=91))
    draft = sim_draft(sim_citizen, "sim_renewal", {"licence": str(licence.public_id), **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    assert refusals(draft, sim_citizen, satpas) == [
        "Your SIM C is valid until 1 Jun 2026. Renewal opens 90 days before expiry: "
        "you can renew it from 3 Mar 2026."
    ]


def test_a_new_licence_too_young_says_from_when(satpas: Office) -> None:
    young = make_profile("3171011006090001", verified=True).user  # a man born 10 June 2009
    draft = sim_draft(young, "sim_new", {"sim_class": "c", **certificates()})
    attach(draft, young, *NATIONAL_DOCUMENTS)
    assert refusals(draft, young, satpas) == [
        "SIM C requires a minimum age of 17. You can apply from 10 Jun 2026, when you turn 17."
    ]


def test_an_upgrade_before_12_months_says_from_when(
    sim_citizen: User, satpas: Office, held_licence: HeldLicence
) -> None:
    held_licence("c", issued_on=dt.date(2025, 9, 1), expires_on=dt.date(2030, 9, 1))
    draft = sim_draft(sim_citizen, "sim_upgrade", {"sim_class": "c1", **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    [reason] = refusals(draft, sim_citizen, satpas)
    assert "You have held your SIM C since 1 Sep 2025: you can apply from 1 Sep 2026." in reason


def test_a_new_licence_of_a_class_held_says_to_renew(
    sim_citizen: User, satpas: Office, held_licence: HeldLicence
) -> None:
    held_licence("c", expires_in=400)
    draft = sim_draft(sim_citizen, "sim_new", {"sim_class": "c", **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    [reason] = refusals(draft, sim_citizen, satpas)
    assert reason.startswith("You already hold a valid SIM C")
    assert "Renew it instead" in reason


def test_old_certificates_and_no_jkn_are_refused_together_with_missing_documents(
    sim_citizen: User, satpas: Office
) -> None:
    data = certificates(health_cert_date="2025-08-13", jkn_active=None)
    draft = sim_draft(sim_citizen, "sim_new", {"sim_class": "c", **data})
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "health_cert")
    reasons = refusals(draft, sim_citizen, satpas)
    assert "Upload the psychological test result." in reasons
    assert (
        "Your health certificate is dated 13 Aug 2025; it must be at most 6 months old (it could be used "
        "until 13 Feb 2026). Get a new one and attach it." in reasons
    )
    assert any(r.startswith("Confirm that your JKN/BPJS Kesehatan membership is active") for r in reasons)


def test_an_unverified_citizen_is_told_to_verify_first(satpas: Office) -> None:
    unverified = make_profile("3171014507900003", phone_verified=True).user
    draft = sim_draft(unverified, "sim_new", {"sim_class": "c", **certificates()})
    attach(draft, unverified, *NATIONAL_DOCUMENTS)
    assert refusals(draft, unverified, satpas) == [
        "Verify your identity before you apply: online with the population registry, "
        "or in person at any office with your e-KTP."
    ]


def test_a_lost_card_needs_the_police_report_and_a_damaged_one_its_photo(
    sim_citizen: User, satpas: Office, held_licence: HeldLicence
) -> None:
    licence = held_licence("c", expires_in=400)
    lost = {
        "licence": str(licence.public_id),
        "replacement_reason": "lost",
        "police_report_number": "LP/B/123/III/2026/Polsek Menteng",
        **certificates(),
    }
    draft = sim_draft(sim_citizen, "sim_replacement", lost)
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "health_cert")
    assert refusals(draft, sim_citizen, satpas) == [
        "Upload the police loss report (surat keterangan kehilangan) for the lost card."
    ]
    attach(draft, sim_citizen, "police_report")
    assert submit(draft, sim_citizen, satpas).status == "pending_payment"

    # The form asks for the report's number of a lost card.
    form = sim_forms.ReplacementForm({**lost, "police_report_number": ""}, applicant=sim_citizen)
    assert not form.is_valid()
    assert form.errors["police_report_number"] == ["A lost card needs the police loss report number."]


def test_a_replacement_of_an_expired_licence_says_to_renew_or_apply_anew(
    sim_citizen: User, satpas: Office, held_licence: HeldLicence
) -> None:
    licence = held_licence("c", expires_on=TODAY - dt.timedelta(days=1))
    data = {"licence": str(licence.public_id), "replacement_reason": "damaged", **certificates()}
    draft = sim_draft(sim_citizen, "sim_replacement", data)
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "health_cert", "damaged_card")
    assert refusals(draft, sim_citizen, satpas) == [
        "Your SIM C expired on 1 Mar 2026. Only a valid licence can be replaced: "
        "apply for a new SIM C (with exams)."
    ]


def test_an_international_sim_needs_a_passport_valid_six_more_months(
    sim_citizen: User, korlantas_hq: Office, held_licence: HeldLicence
) -> None:
    national = held_licence("a", expires_in=900)
    data = {"licence": str(national.public_id), **passport(dt.date(2026, 9, 1))}
    draft = sim_draft(sim_citizen, "sim_international", data)
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "passport_scan")
    assert refusals(draft, sim_citizen, korlantas_hq) == [
        "Your passport expires on 1 Sep 2026; it must be valid until at least 2 Sep 2026 "
        "(6 months from today). Renew your passport first."
    ]


def test_an_international_sim_on_an_expired_national_licence_is_refused(
    sim_citizen: User, korlantas_hq: Office, held_licence: HeldLicence
) -> None:
    national = held_licence("a", expires_on=TODAY - dt.timedelta(days=3))
    draft = sim_draft(
        sim_citizen,
        "sim_international",
        {"licence": str(national.public_id), **passport(dt.date(2030, 1, 1))},
    )
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "passport_scan")
    [reason] = refusals(draft, sim_citizen, korlantas_hq)
    assert reason.startswith("An international SIM requires a valid national SIM.")


def test_an_international_sim_goes_to_korlantas_not_a_satpas(
    sim_citizen: User, satpas: Office, held_licence: HeldLicence
) -> None:
    national = held_licence("a", expires_in=900)
    draft = sim_draft(
        sim_citizen,
        "sim_international",
        {"licence": str(national.public_id), **passport(dt.date(2030, 1, 1))},
    )
    attach(draft, sim_citizen, "photo", "signature", "ktp_scan", "passport_scan")
    assert refusals(draft, sim_citizen, satpas) == [
        "Choose an open office of the kind that handles this service."
    ]


# --- appointments per application --------------------------------------------------------------


@pytest.mark.parametrize(
    ("service_code", "sim_class", "needed", "kinds"),
    [
        ("sim_renewal", "a", False, None),
        ("sim_renewal", "c", False, None),
        ("sim_renewal", "b1", True, ("biometric",)),
        ("sim_renewal", "d", True, ("biometric",)),
        ("sim_replacement", "c", False, None),
        ("sim_replacement", "a_umum", True, ("biometric",)),
    ],
)
def test_renewal_and_replacement_need_a_biometric_visit_except_a_and_c(
    service_code: str,
    sim_class: str,
    needed: bool,
    kinds: tuple[str, ...] | None,
    sim_citizen: User,
    held_licence: HeldLicence,
) -> None:
    licence = held_licence(sim_class, expires_in=30)
    data: dict[str, Any] = {"licence": str(licence.public_id), **certificates()}
    if service_code == "sim_replacement":
        data["replacement_reason"] = "damaged"
    application = sim_draft(sim_citizen, service_code, data)
    service = get_service(service_code)
    assert service.needs_appointment(application) is needed
    if kinds is not None:
        assert service.appointment_kinds(application) == kinds


def test_new_licences_and_upgrades_need_exams_and_the_international_sim_no_visit(
    sim_citizen: User, held_licence: HeldLicence
) -> None:
    new = sim_draft(sim_citizen, "sim_new", {"sim_class": "c", **certificates()})
    assert get_service("sim_new").needs_appointment(new)
    assert get_service("sim_new").appointment_kinds(new) == ("theory_exam",)
    assert [str(r) for r in get_service("sim_new").appointments_pending(new)] == [
        "The theory exam is still to come."
    ]
    national = held_licence("a", expires_in=900)
    international = sim_draft(
        sim_citizen,
        "sim_international",
        {"licence": str(national.public_id), **passport(dt.date(2030, 1, 1))},
    )
    assert not get_service("sim_international").needs_appointment(international)


# --- the details forms -------------------------------------------------------------------------


def test_each_form_offers_only_its_classes() -> None:
    new = dict(sim_forms.NewLicenceForm().fields["sim_class"].choices)  # type: ignore[attr-defined]
    upgrade = dict(sim_forms.UpgradeForm().fields["sim_class"].choices)  # type: ignore[attr-defined]
    assert list(new) == NEW_CLASSES
    assert list(upgrade) == UPGRADE_CLASSES
    assert new["c"] == "SIM C — Motorcycles up to 250 cc, or the electric equivalent"
    form = sim_forms.NewLicenceForm({"sim_class": "b1", **certificates()})
    assert not form.is_valid()
    assert "sim_class" in form.errors


def test_dates_in_the_future_and_bad_passport_numbers_are_explained() -> None:
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    form = sim_forms.NewLicenceForm({"sim_class": "c", **certificates(psych_date=tomorrow)})
    assert not form.is_valid()
    assert form.errors["psych_date"] == ["This date is in the future. Enter the date on the document."]
    form = sim_forms.InternationalForm({"passport_number": "12-34", "passport_expires_on": "2030-01-01"})
    assert not form.is_valid()
    assert form.errors["passport_number"] == [
        "Enter the passport number as printed: one or two letters and six or seven digits."
    ]


def test_the_licence_choice_lists_only_the_citizens_own_licences_masked(
    sim_citizen: User, held_licence: HeldLicence
) -> None:
    own = held_licence("c", expires_in=30)
    held_licence("a", state=Licence.State.REPLACED, expires_in=30)  # replaced: not offered
    other = make_profile("3273011203950002", verified=True, phone="+6281299990000").user
    theirs = held_licence("c", expires_in=30, nik="3273011203950002")
    form = sim_forms.RenewalForm(applicant=sim_citizen)
    field = form.fields["licence"]
    assert list(field.queryset) == [own]  # type: ignore[attr-defined]
    labels = [label for _value, label in field.choices]  # type: ignore[attr-defined]
    assert labels[1] == "SIM C •••• •••• •••• 0003 — valid until 1 Apr 2026"
    assert SIM_CITIZEN_NIK not in " ".join(str(label) for label in labels)
    # Someone else's licence cannot be chosen, even by its public id.
    posted = sim_forms.RenewalForm(
        {"licence": str(theirs.public_id), **certificates()}, applicant=sim_citizen
    )
    assert not posted.is_valid()
    assert posted.errors["licence"] == ["Choose one of your own licences from the list."]
    assert list(sim_forms.RenewalForm(applicant=other).fields["licence"].queryset) == [theirs]  # type: ignore[attr-defined]


def test_the_start_page_preselects_the_licence_from_the_link(
    sim_citizen: User, held_licence: HeldLicence, client: Client
) -> None:
    licence = held_licence("c", expires_in=30)
    client.force_login(sim_citizen)
    client.cookies["django_language"] = "en"
    page = client.get(f"/warga/permohonan/baru/sim_renewal/?licence={licence.public_id}").content.decode()
    assert re.search(rf'<option value="{licence.public_id}"\s+selected>', page)
    assert "•••• •••• •••• 0003" in page
    assert SIM_CITIZEN_NIK not in page
    # An unknown id preselects nothing.
    page = client.get(f"/warga/permohonan/baru/sim_renewal/?licence={uuid.uuid4()}").content.decode()
    assert "selected>" not in page.split('name="licence"', 1)[1].split("</select>", 1)[0]


def test_the_passport_number_is_stored_encrypted_and_never_shown_back(
    sim_citizen: User, held_licence: HeldLicence
) -> None:
    national = held_licence("c", expires_in=900)
    data = {
        "licence": str(national.public_id),
        "passport_number": "x 1234567",
        "passport_expires_on": "2030-01-01",
    }
    application = sim_draft(sim_citizen, "sim_international", data)
    row = SimApplication.objects.get(application=application)
    assert row.passport_number_last4 == "4567"
    assert "1234567" not in row.passport_number_ciphertext
    assert pii.decrypt(row.passport_number_ciphertext, purpose=PASSPORT_PURPOSE) == "X1234567"
    assert (row.kind, row.sim_class, row.licence) == ("international", "international", national)
    assert application.subject == "SIM Internasional (C)"

    # Editing the draft: the number shows masked, and posting the mask keeps the stored number.
    form = sim_forms.InternationalForm(application=application, applicant=sim_citizen)
    assert form.initial["passport_number"] == "••••4567"
    edited = sim_forms.InternationalForm(
        {**data, "passport_number": "••••4567", "passport_expires_on": "2031-01-01"},
        application=application,
        applicant=sim_citizen,
        initial=form.initial,
    )
    assert edited.is_valid(), edited.errors
    assert "passport_number" not in edited.changed_data
    edited.save(application)
    row.refresh_from_db()
    assert pii.decrypt(row.passport_number_ciphertext, purpose=PASSPORT_PURPOSE) == "X1234567"
    assert row.passport_expires_on == dt.date(2031, 1, 1)


def test_saving_a_form_writes_one_detail_row(sim_citizen: User, held_licence: HeldLicence) -> None:
    application = sim_draft(sim_citizen, "sim_new", {"sim_class": "a", **certificates()})
    row = SimApplication.objects.get(application=application)
    assert (row.kind, row.sim_class, row.jkn_active, row.health_cert_date) == (
        "new",
        "a",
        True,
        TODAY - dt.timedelta(days=7),
    )
    form = sim_forms.NewLicenceForm(
        {"sim_class": "d", **certificates()}, application=application, applicant=sim_citizen
    )
    assert form.is_valid()
    assert form.changed_data == ["sim_class"]
    form.save(application)
    assert SimApplication.objects.filter(application=application).count() == 1
    assert SimApplication.objects.get(application=application).sim_class == "d"
    assert form.subject() == "SIM D"
    assert clock.today() == TODAY


@pytest.mark.parametrize(
    "service_code", ["sim_new", "sim_upgrade", "sim_renewal", "sim_replacement", "sim_international"]
)
def test_the_start_edit_and_submit_pages_of_each_service(
    service_code: str, sim_citizen: User, held_licence: HeldLicence, client: Client
) -> None:
    licence = held_licence("c", expires_in=30)
    client.force_login(sim_citizen)
    client.cookies["django_language"] = "en"
    page = client.get(f"/warga/permohonan/baru/{service_code}/").content.decode()
    assert str(get_service(service_code).name) in page
    data: dict[str, Any] = {
        "sim_new": {"sim_class": "a", **certificates()},
        "sim_upgrade": {"sim_class": "c1", **certificates()},
        "sim_renewal": {"licence": str(licence.public_id), **certificates()},
        "sim_replacement": {
            "licence": str(licence.public_id),
            "replacement_reason": "damaged",
            **certificates(),
        },
        "sim_international": {"licence": str(licence.public_id), **passport(dt.date(2030, 1, 1))},
    }[service_code]
    response = client.post(
        f"/warga/permohonan/baru/{service_code}/", {**data, "delivery_choice": "collection"}
    )
    assert response.status_code == 302
    application = Application.objects.get(applicant=sim_citizen, service_code=service_code)
    assert SimApplication.objects.filter(application=application).exists()
    edit = client.get(f"/warga/permohonan/{application.public_id}/ubah/")
    assert edit.status_code == 200
    summary = client.get(f"/warga/permohonan/{application.public_id}/ajukan/").content.decode()
    assert SIM_CITIZEN_NIK not in summary
    if "licence" in data:
        assert "SIM C ••••0003" in summary  # the licence, masked


def test_a_revision_changes_only_the_flagged_certificate_date(
    sim_citizen: User, satpas: Office, satpas_officer: User, held_licence: HeldLicence
) -> None:

    licence = held_licence("c", expires_in=30)
    data = {"licence": str(licence.public_id), **certificates()}
    draft = sim_draft(sim_citizen, "sim_renewal", data)
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    application = submit(draft, sim_citizen, satpas)
    pay(application)
    application = act(application, "claim", satpas_officer)
    with transaction.atomic():
        application = application_transition(
            application_id=application.pk,
            action="request_revision",
            actor=satpas_officer,
            flagged_fields=["health_cert_date"],
            note="The date on the scan is 20 Feb 2026.",
        )
    service = get_service("sim_renewal")
    posted = {**data, "health_cert_date": "2026-02-20", "licence": str(uuid.uuid4())}  # a tampered licence
    form = details_form_for(
        service, applicant=sim_citizen, application=application, data=posted, editable=["health_cert_date"]
    )
    assert form is not None
    assert form.is_valid(), form.errors
    assert form.changed_data == ["health_cert_date"]
    application_details_save(application_id=application.pk, actor=sim_citizen, details=form)
    row = SimApplication.objects.get(application=application)
    assert row.health_cert_date == dt.date(2026, 2, 20)
    assert row.licence == licence  # the disabled field kept its stored value
    application = act(application, "resubmit", sim_citizen)
    assert application.status == "queued"


def test_the_officers_review_page_and_queue_show_a_sim_application(
    sim_citizen: User, satpas: Office, satpas_officer: User, held_licence: HeldLicence, client: Client
) -> None:
    licence = held_licence("b1", expires_in=30)
    draft = sim_draft(sim_citizen, "sim_renewal", {"licence": str(licence.public_id), **certificates()})
    attach(draft, sim_citizen, *NATIONAL_DOCUMENTS)
    application = submit(draft, sim_citizen, satpas)
    pay(application)
    sign_in_with_mfa(client, satpas_officer)
    client.cookies["django_language"] = "en"
    queue = client.get("/staf/antrean/").content.decode()
    assert "SIM B I (perpanjangan)" in queue
    application = act(application, "claim", satpas_officer)
    page = client.get(f"/staf/antrean/{application.public_id}/")
    assert page.status_code == 200
    assert SIM_CITIZEN_NIK not in page.content.decode()


def test_the_sim_kinds_are_accepted_uploads() -> None:
    """The SIM services' scans go through ``applications.uploads`` (PDFs where they may be)."""
    from applications import uploads
    from tests.licensing.conftest import SIM_ATTACHMENT_KINDS, SIM_PDF_KINDS

    assert set(SIM_ATTACHMENT_KINDS) <= set(uploads.KINDS)
    assert set(SIM_PDF_KINDS) <= uploads.PDF_KINDS
    assert "damaged_card" not in uploads.PDF_KINDS


def test_the_documents_page_offers_what_each_sim_service_needs(
    sim_citizen: User, held_licence: HeldLicence, client: Any
) -> None:
    """The reason-specific proofs of a replacement can be uploaded from the documents page."""
    licence = held_licence("c", expires_in=400)
    data = {
        "licence": str(licence.public_id),
        "replacement_reason": "lost",
        "police_report_number": "LP/123/XI/2026",
        **certificates(),
    }
    draft = sim_draft(sim_citizen, "sim_replacement", data)
    client.force_login(sim_citizen)
    response = client.get(reverse("applications:documents", args=[draft.public_id]))
    offered = [form.document_kind for form in response.context["upload_forms"]]
    assert {"police_report", "damaged_card", "health_cert"} <= set(offered)
    assert "passport_scan" not in offered
