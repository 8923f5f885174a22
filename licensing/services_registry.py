"""The five SIM services, declared to the application core (DESIGN §4; issue 7).

==================  ======  =============  ===========================================
service             prefix  route          fee (DOMAIN.md §4.1)
==================  ======  =============  ===========================================
sim_new             SIMB    Satpas         new-issuance PNBP of the class
sim_upgrade         SIMG    Satpas         new-issuance PNBP of the target class
sim_renewal         SIMP    Satpas         renewal PNBP of the class
sim_replacement     SIMH    Satpas         renewal PNBP of the class
sim_international   SIMI    Korlantas HQ   new 250,000, or renewal 225,000 when the
                                           applicant's international SIM is renewed
==================  ======  =============  ===========================================

Appointments: a new licence and an upgrade take the exams (``licensing.exams``); a renewal or
replacement of a class other than A and C needs a visit for biometric capture
(``rules.needs_biometric_visit``); A and C renewals, and the international SIM, are online.

Guards (every one the core leaves to the service, ``registry.SERVICE_GUARDS``):

* ``profile_and_identity`` (submit) — a profile, and the identity verified;
* ``service_eligibility`` (submit, before the bill) — everything ``licensing.rules`` says about
  the person and the details (age, prerequisites, the renewal window and dispensations, the
  licence concerned, certificates at most 6 months old, JKN, passport, replacement reason)
  plus the reason-specific document of a replacement (police loss report or damaged card).
  Every refusal a citizen can act on is given here, before payment, with what to do instead;
* ``service_requirements_met`` (approve) — the same rules again as of the submission day (a
  revision may have changed the details; another licence may have been issued meanwhile), the
  exams passed (new, upgrade), the biometric visit recorded (where one is needed);
* ``no_flags`` (only on ``pay_auto_approve``) — no SIM service approves on payment: ``no_rule``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import CitizenProfile
from applications import events
from applications.models import Application, Attachment, Booking
from applications.registry import (
    SERVICE_GUARDS,
    DeliveryChoice,
    Guard,
    ServiceDefinition,
    no_rule,
    register_service,
)
from korlantas.lib import clock
from licensing import exams, issuance, rules
from licensing.card import KIND as SIM_CARD
from licensing.forms import DETAILS_FORMS, NATIONAL_CLASSES, NEW_CLASSES, UPGRADE_CLASSES, subject_for
from licensing.models import Licence, RenewalDispensation, SimApplication, SimClass
from licensing.selectors import (
    SERVICE_INTERNATIONAL,
    SERVICE_NEW,
    SERVICE_RENEWAL,
    SERVICE_REPLACEMENT,
    SERVICE_UPGRADE,
)
from offices.models import AppointmentSlot, Office
from payments.fees import sim_fee_code

Reason = str | Promise
Kind = SimApplication.Kind

SERVICE_KINDS: dict[str, str] = {
    SERVICE_NEW: Kind.NEW,
    SERVICE_UPGRADE: Kind.UPGRADE,
    SERVICE_RENEWAL: Kind.RENEWAL,
    SERVICE_REPLACEMENT: Kind.REPLACEMENT,
    SERVICE_INTERNATIONAL: Kind.INTERNATIONAL,
}
BIOMETRIC = AppointmentSlot.Kind.BIOMETRIC.value

# --- reading the application ----------------------------------------------------------------


def sim_of(application: Application) -> SimApplication | None:
    return SimApplication.objects.select_related("licence").filter(application=application).first()


def _profile(application: Application) -> CitizenProfile | None:
    return CitizenProfile.objects.filter(user_id=application.applicant_id).first()


def _licences(profile: CitizenProfile) -> list[Licence]:
    """Every licence of the person, every state (the rules need the whole history)."""
    if not profile.identity_verified or not profile.nik_index:
        return []
    return list(Licence.objects.filter(holder_nik_index=profile.nik_index))


def _dispensations(today: dt.date) -> list[RenewalDispensation]:
    return list(RenewalDispensation.objects.filter(renew_until__gte=today))


def _submission_day(application: Application) -> dt.date:
    if application.submitted_at is None:
        return clock.today()
    return timezone.localtime(application.submitted_at, clock.JAKARTA).date()


def _international_renewal(application: Application, today: dt.date) -> Licence | None:
    """The applicant's international SIM this international application renews, if any."""
    profile = _profile(application)
    if profile is None:
        return None
    return issuance.international_renewal_of(_licences(profile), today, _dispensations(today))


# --- guards ---------------------------------------------------------------------------------


def profile_and_identity(application: Application) -> list[Reason]:
    profile = _profile(application)
    if profile is None:
        return [_("Complete your profile (NIK, name, date of birth) before you apply.")]
    if not profile.identity_verified:
        return [
            _(
                "Verify your identity before you apply: online with the population registry, "
                "or in person at any office with your e-KTP."
            )
        ]
    return []


def _rule_refusals(application: Application, sim: SimApplication, today: dt.date) -> list[Reason]:
    """What ``licensing.rules`` says about the person and the details on ``today``."""
    profile = _profile(application)
    if profile is None or not profile.identity_verified:
        return []  # ``profile_and_identity`` says what to do
    licences = _licences(profile)
    dispensations = _dispensations(today)
    # The licence row the application names, as one of the person's own (or as given, if not).
    named = next((lic for lic in licences if lic.pk == sim.licence_id), sim.licence)
    refusals: list[rules.Refusal] = []
    if sim.kind == Kind.INTERNATIONAL:
        renewed = issuance.international_renewal_of(licences, today, dispensations)
        if renewed is not None:
            # Renewing the international SIM held; the national licence named must be valid too.
            refusals += rules.eligibility(
                Kind.RENEWAL,
                SimClass.INTERNATIONAL,
                birth_date=profile.birth_date,
                licences=licences,
                today=today,
                dispensations=dispensations,
                licence=renewed,
            )
            national = [lic for lic in licences if lic.sim_class != SimClass.INTERNATIONAL]
            refusals += rules.eligibility(
                Kind.INTERNATIONAL,
                SimClass.INTERNATIONAL,
                birth_date=profile.birth_date,
                licences=national,
                today=today,
                dispensations=dispensations,
                licence=named,
            )
        else:
            refusals += rules.eligibility(
                Kind.INTERNATIONAL,
                SimClass.INTERNATIONAL,
                birth_date=profile.birth_date,
                licences=licences,
                today=today,
                dispensations=dispensations,
                licence=named,
            )
    else:
        refusals += rules.eligibility(
            sim.kind,
            sim.sim_class,
            birth_date=profile.birth_date,
            licences=licences,
            today=today,
            dispensations=dispensations,
            licence=named,
        )
    refusals += rules.requirement_refusals_for(sim, today)
    unique: dict[tuple[str, str], rules.Refusal] = {}
    for refusal in refusals:
        unique.setdefault((refusal.code, str(refusal.message)), refusal)
    return rules.messages(unique.values())


def _replacement_documents(application: Application, sim: SimApplication) -> list[Reason]:
    """A lost card: the police loss report; a damaged card: a photo of it (DOMAIN.md §1.6)."""
    if sim.kind != Kind.REPLACEMENT:
        return []
    documents: dict[str, str] = {
        SimApplication.ReplacementReason.LOST: Attachment.Kind.POLICE_REPORT,
        SimApplication.ReplacementReason.DAMAGED: Attachment.Kind.DAMAGED_CARD,
    }
    needed = documents.get(sim.replacement_reason)
    if needed is None or Attachment.objects.filter(application=application, kind=needed).exists():
        return []
    if needed == Attachment.Kind.POLICE_REPORT:
        return [_("Upload the police loss report (surat keterangan kehilangan) for the lost card.")]
    return [_("Upload a photo of the damaged card.")]


def service_eligibility(application: Application) -> list[Reason]:
    """``submit``: every rule that blocks the application, before the bill is issued."""
    sim = sim_of(application)
    if sim is None:
        return [_("Fill in the application's details first.")]
    return [*_rule_refusals(application, sim, clock.today()), *_replacement_documents(application, sim)]


def _biometric_refusals(application: Application, sim: SimApplication) -> list[Reason]:
    if not rules.needs_biometric_visit(sim.kind, sim.sim_class):
        return []
    captured = Booking.objects.filter(
        application=application,
        slot__kind=BIOMETRIC,
        state=Booking.State.ATTENDED,
        outcome=Booking.Outcome.PASS,
    ).exists()
    if captured:
        return []
    return [
        _(
            "The biometric capture at the office is not recorded yet: schedule the visit, "
            "and record it once the applicant has come."
        )
    ]


def service_requirements_met(application: Application) -> list[Reason]:
    """``approve``: the rules as of the submission day, the exams, the biometric visit."""
    sim = sim_of(application)
    if sim is None:
        return [_("The application has no SIM details.")]
    return [
        *_rule_refusals(application, sim, _submission_day(application)),
        *_replacement_documents(application, sim),
        *exams.exam_refusals(application),
        *_biometric_refusals(application, sim),
    ]


GUARDS: dict[str, Guard] = {
    "profile_and_identity": profile_and_identity,
    "service_eligibility": service_eligibility,
    "service_requirements_met": service_requirements_met,
    # Only ``pay_auto_approve`` asks it, and no SIM service approves on payment.
    "no_flags": no_rule,
}


def _guards() -> dict[str, Guard]:
    """Every service guard the workflow has, decided: an unknown new one fails loudly here."""
    missing = SERVICE_GUARDS - set(GUARDS)
    if missing:
        raise RuntimeError(f"SIM services decide no rule for guards {sorted(missing)}")
    return {name: GUARDS[name] for name in SERVICE_GUARDS}


# --- what each application pays and needs ---------------------------------------------------


def _class_of(application: Application) -> str | None:
    sim = sim_of(application)
    return sim.sim_class if sim is not None else None


def new_fee_codes(application: Application) -> tuple[str, ...]:
    """New licence and class upgrade: the new-issuance tariff of the (target) class."""
    sim_class = _class_of(application)
    return (sim_fee_code("new", sim_class),) if sim_class else ()


def renewal_fee_codes(application: Application) -> tuple[str, ...]:
    """Renewal and replacement: the renewal tariff of the class."""
    sim_class = _class_of(application)
    return (sim_fee_code("renewal", sim_class),) if sim_class else ()


def international_fee_codes(application: Application) -> tuple[str, ...]:
    renewing = _international_renewal(application, clock.today()) is not None
    return (sim_fee_code("renewal" if renewing else "new", SimClass.INTERNATIONAL),)


def exams_needed(application: Application) -> bool:
    return True


def biometric_visit_needed(application: Application) -> bool:
    sim = sim_of(application)
    return sim is not None and rules.needs_biometric_visit(sim.kind, sim.sim_class)


def biometric_kinds(application: Application) -> tuple[str, ...]:
    return (BIOMETRIC,)


def subject(application: Application) -> str:
    sim = sim_of(application)
    if sim is None:
        return application.subject
    base = sim.licence.sim_class if sim.kind == Kind.INTERNATIONAL and sim.licence is not None else ""
    return subject_for(sim.kind, sim.sim_class, base)


# --- the definitions ------------------------------------------------------------------------

_DELIVERY = (DeliveryChoice.COURIER, DeliveryChoice.COLLECTION)


def _common(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "subject": subject,
        "guards": _guards(),
        "document_kind": SIM_CARD,
        "delivery_choices": _DELIVERY,
        "details_form": DETAILS_FORMS[SERVICE_KINDS[code]],
        "payment_window_days": 7,
    }


# What the new-licence, upgrade and renewal applicant uploads.
WITH_CERTIFICATES = ("photo", "signature", "ktp_scan", "health_cert", "psych_result")


def definitions() -> list[ServiceDefinition]:
    # A new licence and an upgrade go through the theory and practical exams.
    with_exams: dict[str, Any] = {
        "needs_appointment": exams_needed,
        "appointment_kinds": exams.allowed_exam_kinds,
        "appointments_pending": exams.exams_pending,
    }
    satpas = (Office.Kind.SATPAS,)
    return [
        ServiceDefinition(
            **_common(SERVICE_NEW),
            name=_("New driving licence (SIM)"),
            description=_(
                "A first SIM of a class: A, A Umum, C, D or D I. Health certificate and psychological "
                "test, then a theory and a practical exam at the Satpas you choose."
            ),
            reference_prefix="SIMB",
            route=satpas,
            required_documents=WITH_CERTIFICATES,
            fee_codes=new_fee_codes,
            listed_fee_codes=tuple(sim_fee_code("new", c) for c in NEW_CLASSES),
            **with_exams,
            standard_working_days=14,
        ),
        ServiceDefinition(
            **_common(SERVICE_UPGRADE),
            name=_("SIM class upgrade"),
            description=_(
                "A higher class built on a licence held for at least 12 months (e.g. B I after A, "
                "C I after C). Treated as a new licence: certificates, theory and practical exams."
            ),
            reference_prefix="SIMG",
            route=satpas,
            required_documents=WITH_CERTIFICATES,
            fee_codes=new_fee_codes,
            listed_fee_codes=tuple(sim_fee_code("new", c) for c in UPGRADE_CLASSES),
            **with_exams,
            standard_working_days=14,
        ),
        ServiceDefinition(
            **_common(SERVICE_RENEWAL),
            name=_("SIM renewal"),
            description=_(
                "Renew a licence from 90 days before it expires until its expiry date; no exams. "
                "A and C entirely online; other classes with one visit for fingerprints and photo."
            ),
            reference_prefix="SIMP",
            route=satpas,
            required_documents=WITH_CERTIFICATES,
            fee_codes=renewal_fee_codes,
            listed_fee_codes=tuple(sim_fee_code("renewal", c) for c in NATIONAL_CLASSES),
            needs_appointment=biometric_visit_needed,
            appointment_kinds=biometric_kinds,
            standard_working_days=5,
        ),
        ServiceDefinition(
            **_common(SERVICE_REPLACEMENT),
            name=_("Replacement of a lost or damaged SIM"),
            description=_(
                "A new card for a licence that is still valid: a police loss report for a lost card, "
                "a photo of a damaged one. Renewal fee; no exams."
            ),
            reference_prefix="SIMH",
            route=satpas,
            # The reason-specific document (police report or damaged card) is checked at submit;
            # the documents page must still offer both.
            required_documents=("photo", "signature", "ktp_scan", "health_cert"),
            optional_documents=("police_report", "damaged_card"),
            fee_codes=renewal_fee_codes,
            listed_fee_codes=tuple(sim_fee_code("renewal", c) for c in NATIONAL_CLASSES),
            needs_appointment=biometric_visit_needed,
            appointment_kinds=biometric_kinds,
            standard_working_days=5,
        ),
        ServiceDefinition(
            **_common(SERVICE_INTERNATIONAL),
            name=_("International SIM"),
            description=_(
                "An international driving permit based on a valid national SIM, for a passport valid "
                "at least 6 more months. Issued centrally by Korlantas; valid 3 years."
            ),
            reference_prefix="SIMI",
            route=(Office.Kind.KORLANTAS,),
            required_documents=("photo", "signature", "ktp_scan", "passport_scan"),
            fee_codes=international_fee_codes,
            listed_fee_codes=(
                sim_fee_code("new", SimClass.INTERNATIONAL),
                sim_fee_code("renewal", SimClass.INTERNATIONAL),
            ),
            standard_working_days=7,
        ),
    ]


def _card_item(application: Application) -> tuple[str, ...]:
    return ("sim_card",)


def register() -> None:
    """Called once from LicensingConfig.ready(): the services and the issue listener."""
    from delivery.items import register_items

    for definition in definitions():
        register_service(definition)
        # The card travels (or waits for collection); the international SIM is a booklet,
        # shipped as a card item too.
        register_items(definition.code, _card_item)
    events.listen("issue", issuance.issue_on_transition, phase="in_transaction")
