"""BPKB replacement, lost or damaged (service ``bpkb_replacement``; issue 8, point 6).

==================  ======  ======================  ==============================================
service             prefix  route                   bill
==================  ======  ======================  ==============================================
bpkb_replacement    GBP     Samsat → BPKB unit      the new-BPKB PNBP of the category
                                                    (``bpkb_replacement_2w`` Rp 225,000,
                                                    ``bpkb_replacement_4w`` Rp 375,000; DOMAIN §4.2)
==================  ======  ======================  ==============================================

* Details: one of the citizen's *unlocked* live vehicles (``?vehicle=`` preselects it), the
  reason (lost or damaged) and, for a lost book, whether it was pledged as collateral (the
  lender's letter then replaces the statement that it is not pledged: same attachment kind
  ``not_pledged``).
* Documents (DOMAIN §3.2), all offered as ``optional_documents`` and required per reason by
  ``service_eligibility`` at submit (each missing one named, before the bill):

  - lost: the police loss report (``police_report``), the investigation report
    (``police_bap``), the not-pledged statement or the lender's letter (``not_pledged``) and
    the newspaper announcements (``newspaper_notice``): **at least 2 files**. DOMAIN has a
    [conflict] (liputan6: 3 announcements a month apart; Gridoto and others: twice); the portal
    asks for the lower, undisputed number and the officer can ask for a third with a revision.
  - damaged: a photo of the damaged book (``damaged_bpkb``).

* Route: it starts at the vehicle's registering Samsat (``submit_offices``), which holds the
  physical check (``needs_appointment`` until a check passed; slot kind ``physical_check``),
  then is forwarded to the BPKB unit of that Samsat's Polda (``forward_offices``), which approves
  and issues. ``service_requirements_met`` (approve): a passed physical check, the application
  at the BPKB unit, the vehicle still the applicant's, neither blocked nor deleted.
* Payment queues the application (no auto-approval). The ``issue`` listener (in the
  transaction) records the previous BPKB number, assigns a new one (a new book), writes the
  history entry and issues the e-BPKB (``vehicles.ebpkb.issue_ebpkb``, which supersedes the
  previous one). Delivery: courier or collection (the book is a shipment, ``vehicles/shipping.py``).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import verified_nik_index, verified_nik_index_of
from applications import events
from applications.models import Application, Attachment
from applications.registry import (
    SERVICE_GUARDS,
    DeliveryChoice,
    DetailsForm,
    Guard,
    ServiceDefinition,
    label_in_sentence,
    no_rule,
    register_service,
)
from applications.workflow import TERMINAL
from audit.services import audit_record
from korlantas.lib import clock
from offices.models import AppointmentSlot, Office
from payments.fees import vehicle_fee_code
from vehicles import ebpkb, offers
from vehicles.models import BpkbReplacementApplication, Vehicle, VehicleClaim, VehicleHistoryEntry
from vehicles.physical_checks import needs_physical_check, physical_check_refusals
from vehicles.services_registry import (
    VehicleChoiceField,
    profile_and_identity,
    unlocked_vehicles,
)

logger = logging.getLogger("korlantas.vehicles")

SERVICE_CODE = "bpkb_replacement"
REFERENCE_PREFIX = "GBP"
Reason = str | Promise

POLICE_REPORT = "police_report"
POLICE_BAP = "police_bap"
NOT_PLEDGED = "not_pledged"
NEWSPAPER_NOTICE = "newspaper_notice"
DAMAGED_BPKB = "damaged_bpkb"
# The [conflict] of DOMAIN §3.2 (3 announcements or 2): the lower, undisputed number.
MIN_NEWSPAPER_NOTICES = 2
DOCUMENTS = (POLICE_REPORT, POLICE_BAP, NOT_PLEDGED, NEWSPAPER_NOTICE, DAMAGED_BPKB)

# A new BPKB number: a series letter and 8 digits (as the registry's numbers, e.g. P08123456).
# I, O and Q are left out (read as 1 and 0).
BPKB_SERIES_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


# --- who may apply for what -----------------------------------------------------------------


def replacement_refusals(
    vehicle: Vehicle,
    *,
    owner_index: str | None,
    unlocked: bool,
    application_id: int | None = None,
) -> list[Reason]:
    """Why the person with ``owner_index`` cannot apply for a replacement BPKB of ``vehicle``
    now, with what to do instead; empty when they can."""
    if owner_index is None or vehicle.owner_nik_index != owner_index:
        return [
            _(
                "This vehicle is not registered to you. Only its registered owner can apply for a "
                "replacement BPKB; a buyer applies for the change of ownership instead."
            )
        ]
    if vehicle.state == Vehicle.State.DELETED:
        return [_("This vehicle's registration was deleted: no BPKB can be issued for it any more.")]
    if not unlocked:
        return [
            _(
                "Prove that you hold this vehicle first: enter the last 5 characters of its chassis "
                "number on the vehicle's page."
            )
        ]
    if vehicle.state == Vehicle.State.BLOCKED:
        return [
            _(
                "This vehicle is blocked. Contact the Samsat where it is registered (%(samsat)s) to "
                "have the block lifted; you can apply for the replacement afterwards."
            )
            % {"samsat": vehicle.registering_samsat.name}
        ]
    others = BpkbReplacementApplication.objects.filter(vehicle=vehicle).exclude(
        application__status__in=[*TERMINAL, "draft"]
    )
    if application_id is not None:
        others = others.exclude(application_id=application_id)
    in_progress = others.values_list("application__reference", flat=True).first()
    if in_progress is not None:
        return [
            _(
                "A replacement BPKB for this vehicle is already under way (%(reference)s): follow it "
                "on your applications page."
            )
            % {"reference": in_progress}
        ]
    return []


def vehicle_refusals_for(user: User, vehicle: Vehicle) -> list[Reason]:
    """For the vehicle page: the refusals for one of the user's vehicles (annotated ``unlocked``)."""
    return replacement_refusals(
        vehicle, owner_index=verified_nik_index(user), unlocked=bool(getattr(vehicle, "unlocked", False))
    )


def missing_documents(reason: str, present: dict[str, int]) -> list[Reason]:
    """The documents the reason needs that ``present`` (kind → number of files) lacks, each named."""
    labels = dict(Attachment.Kind.choices)

    def upload(kind: str) -> Reason:
        return _("Upload the %(document)s.") % {"document": label_in_sentence(labels[kind])}

    missing: list[Reason] = []
    if reason == BpkbReplacementApplication.Reason.DAMAGED:
        if not present.get(DAMAGED_BPKB):
            missing.append(upload(DAMAGED_BPKB))
        return missing
    for kind in (POLICE_REPORT, POLICE_BAP, NOT_PLEDGED):
        if not present.get(kind):
            missing.append(upload(kind))
    notices = present.get(NEWSPAPER_NOTICE, 0)
    if notices < MIN_NEWSPAPER_NOTICES:
        missing.append(
            _(
                "Upload the proof of at least %(needed)d newspaper announcements of the loss, one file "
                "each (%(given)d uploaded)."
            )
            % {"needed": MIN_NEWSPAPER_NOTICES, "given": notices}
        )
    return missing


# --- the details form -----------------------------------------------------------------------


class BpkbReplacementForm(DetailsForm):
    vehicle = VehicleChoiceField(
        label=_("Vehicle"),
        queryset=Vehicle.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose a vehicle"),
        help_text=_(
            "Only vehicles you proved you hold (last 5 characters of the chassis number) are listed."
        ),
        error_messages={
            "required": _("Choose one of your vehicles."),
            "invalid_choice": _("Choose one of your own unlocked vehicles from the list."),
        },
    )
    reason = forms.ChoiceField(
        label=_("What happened to the BPKB?"),
        choices=BpkbReplacementApplication.Reason.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Lost: a police loss report, the police investigation report (BAP), a statement that the "
            "book is not pledged and the proof of at least two newspaper announcements are needed. "
            "Damaged: a photo of the damaged book, which you hand in when the new one is issued."
        ),
        error_messages={"required": _("Say whether the BPKB was lost or damaged.")},
    )
    pledged = forms.BooleanField(
        label=_("The lost BPKB was pledged as collateral (to a bank or a leasing company)"),
        required=False,
        help_text=_(
            "If so, upload the lender's letter in place of the statement that the book is not pledged."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["vehicle"])
        field.queryset = unlocked_vehicles(self.applicant)
        stored = (
            BpkbReplacementApplication.objects.select_related("vehicle")
            .filter(application=self.application)
            .first()
            if self.application is not None
            else None
        )
        if stored is not None:
            self.initial = {
                "vehicle": stored.vehicle,
                "reason": stored.reason,
                "pledged": stored.pledged,
                **self.initial,
            }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reason") == BpkbReplacementApplication.Reason.DAMAGED:
            cleaned["pledged"] = False  # only a lost book's pledge matters
        return cleaned

    def subject(self) -> str:
        return str(self.cleaned_data["vehicle"].plate_display)

    def save(self, application: Application) -> None:
        BpkbReplacementApplication.objects.update_or_create(
            application=application,
            defaults={
                "vehicle": self.cleaned_data["vehicle"],
                "reason": self.cleaned_data["reason"],
                "pledged": bool(self.cleaned_data.get("pledged")),
            },
        )


# --- reading the application ----------------------------------------------------------------


def replacement_of(application: Application) -> BpkbReplacementApplication | None:
    return (
        BpkbReplacementApplication.objects.select_related("vehicle", "vehicle__registering_samsat")
        .filter(application=application)
        .first()
    )


def _applicant_index(application: Application) -> str | None:
    return verified_nik_index_of(application.applicant_id)


def _documents_present(application: Application) -> dict[str, int]:
    present: dict[str, int] = {}
    for kind in Attachment.objects.filter(application=application, kind__in=DOCUMENTS).values_list(
        "kind", flat=True
    ):
        present[kind] = present.get(kind, 0) + 1
    return present


# --- guards ---------------------------------------------------------------------------------


def service_eligibility(application: Application) -> list[Reason]:
    """``submit``: the vehicle may have its BPKB replaced, and the reason's documents are here
    (before the bill is issued)."""
    row = replacement_of(application)
    if row is None:
        return [_("Choose the vehicle whose BPKB is to be replaced first.")]
    index = _applicant_index(application)
    if index is None:
        return []  # ``profile_and_identity`` says what to do
    unlocked = VehicleClaim.objects.filter(user_id=application.applicant_id, vehicle=row.vehicle).exists()
    refusals = replacement_refusals(
        row.vehicle, owner_index=index, unlocked=unlocked, application_id=application.pk
    )
    if refusals:
        return refusals
    return missing_documents(row.reason, _documents_present(application))


def requirements_met(application: Application) -> list[Reason]:
    """``approve``: a passed physical check, at the BPKB unit, for the applicant's live vehicle."""
    row = replacement_of(application)
    if row is None:
        return [_("The application names no vehicle.")]
    reasons: list[Reason] = list(physical_check_refusals(application))
    office = application.handling_office
    if office is None or office.kind != Office.Kind.BPKB_UNIT:
        reasons.append(
            _("Forward the application to the BPKB unit of the Polda: it approves and issues the new BPKB.")
        )
    vehicle = row.vehicle
    if vehicle.owner_nik_index != _applicant_index(application):
        reasons.append(_("The vehicle is no longer registered to the applicant: reject the application."))
    if vehicle.state == Vehicle.State.DELETED:
        reasons.append(_("The vehicle's registration was deleted: reject the application."))
    elif vehicle.state == Vehicle.State.BLOCKED:
        reasons.append(_("The vehicle is blocked: the block must be lifted before a new BPKB is issued."))
    return reasons


GUARDS: dict[str, Guard] = {
    "profile_and_identity": profile_and_identity,
    "service_eligibility": service_eligibility,
    # Only asked by ``pay_auto_approve``: this service is never approved on payment.
    "no_flags": no_rule,
    "service_requirements_met": requirements_met,
}


def _guards() -> dict[str, Guard]:
    missing = SERVICE_GUARDS - set(GUARDS)
    if missing:
        raise RuntimeError(f"the BPKB replacement decides no rule for guards {sorted(missing)}")
    return {name: GUARDS[name] for name in SERVICE_GUARDS}


# --- offices, appointments, money -----------------------------------------------------------


def submit_offices(application: Application) -> QuerySet[Office] | None:
    """The vehicle's registering Samsat only (none before a vehicle is chosen)."""
    row = replacement_of(application)
    if row is None:
        return Office.objects.none()
    return Office.objects.filter(pk=row.vehicle.registering_samsat_id, kind=Office.Kind.SAMSAT)


def forward_offices(application: Application) -> QuerySet[Office] | None:
    """The BPKB unit of the registering Samsat's Polda."""
    row = replacement_of(application)
    polda_id = row.vehicle.registering_samsat.polda_id if row is not None else None
    if polda_id is None:
        return Office.objects.none()
    return Office.objects.filter(kind=Office.Kind.BPKB_UNIT, polda_id=polda_id)


def appointment_kinds(application: Application) -> tuple[str, ...]:
    return (AppointmentSlot.Kind.PHYSICAL_CHECK,)


def fee_codes(application: Application) -> tuple[str, ...]:
    row = replacement_of(application)
    return (vehicle_fee_code(SERVICE_CODE, row.vehicle.category),) if row is not None else ()


def subject(application: Application) -> str:
    row = replacement_of(application)
    return row.vehicle.plate_display if row is not None else application.subject


# --- issue ----------------------------------------------------------------------------------


def new_bpkb_number() -> str:
    """A BPKB number no vehicle has and no replaced book had: a series letter and 8 digits."""
    for _attempt in range(20):
        number = secrets.choice(BPKB_SERIES_LETTERS) + f"{secrets.randbelow(10**8):08d}"
        taken = (
            Vehicle.objects.filter(bpkb_number=number).exists()
            or BpkbReplacementApplication.objects.filter(previous_bpkb_number=number).exists()
        )
        if not taken:
            return number
    raise RuntimeError("no free BPKB number found")  # pragma: no cover — 2.3 × 10⁹ numbers


def replace_on_issue(event: events.TransitionEvent) -> None:
    """``issue`` listener (in the transaction): a new book with a new number, the history entry,
    and the e-BPKB (superseding the previous one)."""
    application = event.application
    if application.service_code != SERVICE_CODE:
        return
    row = BpkbReplacementApplication.objects.select_for_update().get(application=application)
    vehicle = Vehicle.objects.select_for_update().get(pk=row.vehicle_id)
    today = clock.today()
    row.previous_bpkb_number = vehicle.bpkb_number
    row.replaced_on = today
    row.save(update_fields=["previous_bpkb_number", "replaced_on"])
    vehicle.bpkb_number = new_bpkb_number()
    vehicle.save(update_fields=["bpkb_number"])
    VehicleHistoryEntry.objects.create(
        vehicle=vehicle,
        kind=VehicleHistoryEntry.Kind.BPKB_REPLACED,
        occurred_on=today,
        office_id=application.handling_office_id,
        plate_display=vehicle.plate_display,
        application=application,
    )
    audit_record(
        action="vehicle.bpkb_replaced",
        actor_id=event.actor_id,
        object_type="vehicle",
        object_id=str(vehicle.public_id),
        details={"application": str(application.public_id), "reason": row.reason},
        office_id=application.handling_office_id,
    )
    actor = User.objects.filter(pk=event.actor_id).first() if event.actor_id is not None else None
    ebpkb.issue_ebpkb(application=application, vehicle=vehicle, actor=actor)
    logger.info("vehicle %s: BPKB replaced by application %s", vehicle.pk, application.pk)


# --- the definition -------------------------------------------------------------------------


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        code=SERVICE_CODE,
        name=_("BPKB replacement (lost or damaged)"),
        description=_(
            "A new BPKB for a vehicle you proved you hold whose book was lost or damaged. You apply "
            "at the Samsat where it is registered, bring the vehicle for a physical check, and the "
            "Polda's BPKB unit issues the new book; the old one is no longer valid."
        ),
        reference_prefix=REFERENCE_PREFIX,
        route=(Office.Kind.SAMSAT, Office.Kind.BPKB_UNIT),
        subject=subject,
        guards=_guards(),
        required_documents=(),
        optional_documents=DOCUMENTS,
        approves_on_payment=False,
        payment_window_days=7,
        # "It takes about a month" (DOMAIN §3.2): 20 working days.
        standard_working_days=20,
        delivery_choices=(DeliveryChoice.COURIER, DeliveryChoice.COLLECTION),
        document_kind=ebpkb.KIND,
        needs_appointment=needs_physical_check,
        appointment_kinds=appointment_kinds,
        details_form=BpkbReplacementForm,
        submit_offices=submit_offices,
        forward_offices=forward_offices,
        fee_codes=fee_codes,
        listed_fee_codes=(
            vehicle_fee_code(SERVICE_CODE, "2w"),
            vehicle_fee_code(SERVICE_CODE, "4w"),
        ),
    )


def _start_url(vehicle: Vehicle) -> str:
    return f"{reverse('applications:start', args=[SERVICE_CODE])}?vehicle={vehicle.public_id}"


OFFER = offers.ServiceOffer(
    code=SERVICE_CODE,
    order=40,
    title=_("BPKB replacement (lost or damaged)"),
    action=_("Apply for a replacement BPKB"),
    url=_start_url,
    refusals=vehicle_refusals_for,
    unavailable=_("A replacement BPKB cannot be applied for now:"),
)


def register() -> None:
    """Called once from VehiclesConfig.ready(): the service, its offer and its listener."""
    ebpkb.register()  # the e-BPKB kind (idempotent; the transfer registers it too)
    register_service(definition())
    offers.register_offer(OFFER)
    events.listen("issue", replace_on_issue, phase="in_transaction")
