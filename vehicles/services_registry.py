"""The STNK annual endorsement, declared to the application core (DESIGN §4; issue 8, point 3).

==================  ======  =======  ================================================
service             prefix  route    bill
==================  ======  =======  ================================================
stnk_endorsement    PGS     Samsat   endorsement PNBP of the category (DOMAIN.md §4.2)
                                     + PKB, opsen PKB, SWDKLLJ, late fines
                                     (``vehicles.endorsement``)
==================  ======  =======  ================================================

* Details: one of the citizen's *unlocked* vehicles (``VehicleClaim``); the subject is its
  plate. No uploads, no appointment, delivery digital only (the e-Pengesahan PDF is the proof).
* The STNK holder's path (``by_stnk_holder``): anyone signed in as a citizen who types the plate
  and the last 5 chassis characters on ``/stnk/cek/`` may pay, as at a Samsat counter
  (``endorsement_holder_start``); the vehicle is then fixed, and neither the pages nor the
  e-Pengesahan name the owner.
* Submit office: only the vehicle's registering Samsat (``submit_offices``).
* Guards: ``profile_and_identity`` (owner: a verified identity; holder: a profile with a
  verified mobile number), ``service_eligibility`` (at submit, ``endorsement_refusals`` /
  ``holder_refusals``: each refusal says what to do instead), ``no_flags`` (only asked by
  ``pay_auto_approve``: a vehicle blocked, deleted or reported stolen meanwhile, or — owner's
  path only — no longer the applicant's, sends the paid application to an officer instead),
  ``service_requirements_met`` (the officer's approval of such an application): ``no_rule`` —
  the officer decides.
* Payment approves (``approves_on_payment``); after that commits, ``issue_after_auto_approval``
  takes ``issue`` as the system in a new transaction, and — delivery being digital only —
  ``complete``. The ``issue`` listener (in the transaction) records the endorsement on the
  vehicle and issues the ``stnk_endorsement`` document (``vehicles.pengesahan``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import CitizenProfile, User
from accounts.selectors import verified_nik_index, verified_nik_index_of
from applications import events
from applications.models import Application
from applications.registry import (
    SERVICE_GUARDS,
    Charge,
    DeliveryChoice,
    DetailsForm,
    Guard,
    ServiceDefinition,
    no_rule,
    register_service,
)
from applications.services import TransitionRefused, application_create, application_transition
from applications.workflow import TERMINAL
from korlantas.lib import clock
from offices.models import Office
from payments.fees import vehicle_fee_code
from vehicles import due_dates, endorsement, offers, pengesahan
from vehicles.models import EndorsementApplication, Vehicle, VehicleClaim, VehicleHistoryEntry

logger = logging.getLogger("korlantas.vehicles")

SERVICE_CODE = "stnk_endorsement"
Reason = str | Promise


# --- who may endorse what -------------------------------------------------------------------


def endorsement_refusals(
    vehicle: Vehicle,
    *,
    owner_index: str | None,
    unlocked: bool,
    today: dt.date,
    application_id: int | None = None,
    applicant_id: int | None = None,
) -> list[Reason]:
    """Why ``vehicle`` cannot be endorsed online today by the person with ``owner_index`` (their
    verified NIK's blind index), with what to do instead; empty when it can."""
    if owner_index is None or vehicle.owner_nik_index != owner_index:
        return [_("This vehicle is not registered to you. Only its owner can endorse it online.")]
    if vehicle.state == Vehicle.State.DELETED:
        return [_("This vehicle's registration was deleted. It can never be endorsed or renewed again.")]
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
                "have the block lifted; it can be endorsed afterwards."
            )
            % {"samsat": vehicle.registering_samsat.name}
        ]
    if today > vehicle.stnk_valid_until:
        return [
            _(
                "The STNK's 5-year validity ended on %(date)s: the 5-year renewal (physical check, new "
                "plates) is needed instead of an endorsement. Apply for the 5-year renewal on this "
                "vehicle's page."
            )
            % {"date": date_format(vehicle.stnk_valid_until, "j F Y")}
        ]
    standing = due_dates.standing(vehicle.stnk_valid_until, vehicle.last_endorsed_on, today)
    if standing.is_renewal:
        return [
            _(
                "What falls due next (%(date)s) is the 5-year renewal (physical check, new plates), "
                "not an endorsement. Apply for the 5-year renewal on this vehicle's page."
            )
            % {"date": date_format(standing.due_on, "j F Y")}
        ]
    return _window_and_progress_refusals(
        vehicle, today=today, application_id=application_id, applicant_id=applicant_id
    )


def _window_and_progress_refusals(
    vehicle: Vehicle, *, today: dt.date, application_id: int | None, applicant_id: int | None
) -> list[Reason]:
    """Both paths: not due yet, or an endorsement of the vehicle already under way (its reference
    only when it is the same applicant's: another person's application is not theirs to see)."""
    standing = due_dates.standing(vehicle.stnk_valid_until, vehicle.last_endorsed_on, today)
    opens_on = standing.due_on - dt.timedelta(days=due_dates.EARLY_DAYS)
    if today < opens_on:
        return [
            _("The next endorsement falls due on %(due)s. You can pay it from %(opens)s.")
            % {"due": date_format(standing.due_on, "j F Y"), "opens": date_format(opens_on, "j F Y")}
        ]
    others = EndorsementApplication.objects.filter(vehicle=vehicle).exclude(
        application__status__in=[*TERMINAL, "draft"]
    )
    if application_id is not None:
        others = others.exclude(application_id=application_id)
    in_progress = others.values_list("application__reference", "application__applicant_id").first()
    if in_progress is not None:
        reference, other_applicant = in_progress
        if applicant_id is not None and other_applicant == applicant_id:
            return [
                _("An endorsement of this vehicle is already under way (%(reference)s).")
                % {"reference": reference}
            ]
        return [
            _(
                "An endorsement of this vehicle is already under way: it cannot be paid twice. "
                "Check again in a few days."
            )
        ]
    return []


# The one refusal the STNK holder gets for a vehicle that cannot be endorsed online for a reason
# that is the owner's business (blocked, reported stolen, deleted): never the reason itself.
HOLDER_COUNTER_ONLY = _("This vehicle cannot be endorsed online; go to a Samsat counter.")


def holder_refusals(
    vehicle: Vehicle,
    *,
    today: dt.date,
    application_id: int | None = None,
    applicant_id: int | None = None,
) -> list[Reason]:
    """Why the STNK holder (plate and last 5 chassis characters, not necessarily the owner)
    cannot pay ``vehicle``'s endorsement online today, with what to do instead; empty when they
    can. Never names the owner nor says why a vehicle is blocked."""
    if vehicle.state != Vehicle.State.ACTIVE or vehicle.reported_stolen:
        return [HOLDER_COUNTER_ONLY]
    if today > vehicle.stnk_valid_until:
        return [
            _(
                "The STNK's 5-year validity ended on %(date)s: the 5-year renewal (physical check, new "
                "plates) is needed instead of an endorsement. The owner can apply for it on the "
                "vehicle's page in their account, or at the Samsat where it is registered."
            )
            % {"date": date_format(vehicle.stnk_valid_until, "j F Y")}
        ]
    standing = due_dates.standing(vehicle.stnk_valid_until, vehicle.last_endorsed_on, today)
    if standing.is_renewal:
        return [
            _(
                "What falls due next (%(date)s) is the 5-year renewal (physical check, new plates), "
                "not an endorsement. The owner can apply for it on the vehicle's page in their "
                "account, or at the Samsat where it is registered."
            )
            % {"date": date_format(standing.due_on, "j F Y")}
        ]
    return _window_and_progress_refusals(
        vehicle, today=today, application_id=application_id, applicant_id=applicant_id
    )


def holder_payer_refusals(user: User) -> list[Reason]:
    """What the payer of a holder endorsement needs: a complete profile with a verified mobile
    number (the bill, the receipt and the notifications go to the account). Not a verified
    identity: the holder need not be the owner, as at a Samsat counter."""
    profile = CitizenProfile.objects.filter(user_id=user.pk).first()
    if profile is None:
        return [_("Complete your profile (NIK, name, date of birth, mobile number) before you pay.")]
    if not profile.phone_verified:
        return [_("Verify your mobile number in your profile before you pay.")]
    return []


def vehicle_refusals_for(user: User, vehicle: Vehicle, today: dt.date | None = None) -> list[Reason]:
    """For the vehicle page: the refusals for one of the user's vehicles (annotated ``unlocked``)."""
    return endorsement_refusals(
        vehicle,
        owner_index=verified_nik_index(user),
        unlocked=bool(getattr(vehicle, "unlocked", False)),
        today=today if today is not None else clock.today(),
        applicant_id=user.pk,
    )


# --- the details form -----------------------------------------------------------------------


class VehicleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        vehicle = cast(Vehicle, obj)
        return f"{vehicle.plate_display} — {vehicle.make} {vehicle.model}"


def unlocked_vehicles(applicant: Any) -> QuerySet[Vehicle]:
    """The applicant's live vehicles they proved possession of; none before identity is verified."""
    index = verified_nik_index(applicant) if applicant is not None else None
    if index is None:
        return Vehicle.objects.none()
    return (
        Vehicle.objects.filter(
            owner_nik_index=index,
            state__in=(Vehicle.State.ACTIVE, Vehicle.State.BLOCKED),
            claims__user=applicant,
        )
        .select_related("registering_samsat")
        .order_by("plate_normalised", "pk")
    )


class EndorsementForm(DetailsForm):
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["vehicle"])
        field.queryset = unlocked_vehicles(self.applicant)
        stored = (
            EndorsementApplication.objects.select_related("vehicle")
            .filter(application=self.application)
            .first()
            if self.application is not None
            else None
        )
        if stored is not None:
            self.initial = {"vehicle": stored.vehicle, **self.initial}
            if stored.by_stnk_holder:
                # Paid by the STNK holder: the vehicle was found by plate and chassis characters
                # (``/stnk/cek/``) and cannot be changed here; to pay for another, check its STNK.
                field.queryset = Vehicle.objects.filter(pk=stored.vehicle_id)
                field.disabled = True
                field.help_text = _("Found with the STNK check (plate and chassis characters).")

    def subject(self) -> str:
        return str(self.cleaned_data["vehicle"].plate_display)

    def save(self, application: Application) -> None:
        EndorsementApplication.objects.update_or_create(
            application=application, defaults={"vehicle": self.cleaned_data["vehicle"]}
        )


# --- reading the application ----------------------------------------------------------------


def endorsement_of(application: Application) -> EndorsementApplication | None:
    return (
        EndorsementApplication.objects.select_related("vehicle", "vehicle__registering_samsat")
        .filter(application=application)
        .first()
    )


def _applicant_index(application: Application) -> str | None:
    return verified_nik_index_of(application.applicant_id)


# --- guards ---------------------------------------------------------------------------------


def _by_holder(application: Application) -> bool:
    return EndorsementApplication.objects.filter(application=application, by_stnk_holder=True).exists()


def profile_and_identity(application: Application) -> list[Reason]:
    """The owner's path needs a verified identity (the vehicle is found by its NIK); the STNK
    holder's path a complete profile with a verified mobile number (``holder_payer_refusals``)."""
    if _by_holder(application):
        return holder_payer_refusals(application.applicant)
    profile = CitizenProfile.objects.filter(user_id=application.applicant_id).first()
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


def service_eligibility(application: Application) -> list[Reason]:
    """``submit``: the vehicle may be endorsed online today (before the bill is issued)."""
    row = endorsement_of(application)
    if row is None:
        return [_("Choose the vehicle to endorse first.")]
    if row.by_stnk_holder:
        return holder_refusals(
            row.vehicle,
            today=clock.today(),
            application_id=application.pk,
            applicant_id=application.applicant_id,
        )
    index = _applicant_index(application)
    if index is None:
        return []  # ``profile_and_identity`` says what to do
    unlocked = VehicleClaim.objects.filter(user_id=application.applicant_id, vehicle=row.vehicle).exists()
    return endorsement_refusals(
        row.vehicle,
        owner_index=index,
        unlocked=unlocked,
        today=clock.today(),
        application_id=application.pk,
        applicant_id=application.applicant_id,
    )


def no_flags(application: Application) -> list[Reason]:
    """``pay_auto_approve``: what sends a paid endorsement to an officer instead."""
    row = endorsement_of(application)
    if row is None:
        return [_("The application names no vehicle.")]
    vehicle = row.vehicle
    reasons: list[Reason] = []
    if vehicle.state == Vehicle.State.BLOCKED:
        reasons.append(_("The vehicle is blocked."))
    if vehicle.state == Vehicle.State.DELETED:
        reasons.append(_("The vehicle's registration was deleted."))
    if vehicle.reported_stolen:
        reasons.append(_("The vehicle is reported stolen."))
    # The holder path pays for a vehicle that need not be the applicant's: no ownership flag.
    if not row.by_stnk_holder and vehicle.owner_nik_index != _applicant_index(application):
        reasons.append(_("The vehicle is not registered to the applicant."))
    return reasons


GUARDS: dict[str, Guard] = {
    "profile_and_identity": profile_and_identity,
    "service_eligibility": service_eligibility,
    "no_flags": no_flags,
    # Only an officer approves (a flagged payment): they decide with the flags in front of them.
    "service_requirements_met": no_rule,
}


def _guards() -> dict[str, Guard]:
    missing = SERVICE_GUARDS - set(GUARDS)
    if missing:
        raise RuntimeError(f"the STNK endorsement decides no rule for guards {sorted(missing)}")
    return {name: GUARDS[name] for name in SERVICE_GUARDS}


def submit_offices(application: Application) -> QuerySet[Office] | None:
    """Only the vehicle's registering Samsat (it holds the registration and taxes the vehicle)."""
    vehicle_id = (
        EndorsementApplication.objects.filter(application=application)
        .values_list("vehicle__registering_samsat_id", flat=True)
        .first()
    )
    if vehicle_id is None:
        return Office.objects.none()
    return Office.objects.filter(pk=vehicle_id)


# --- the STNK holder's path (``/stnk/cek/``) --------------------------------------------------


class HolderRefused(Exception):
    """The holder cannot pay this vehicle's endorsement online now: ``reasons`` say what to do."""

    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__("holder endorsement refused")
        self.reasons = reasons


def open_endorsement_of(user: User, vehicle: Vehicle) -> Application | None:
    """``user``'s own open endorsement application for ``vehicle`` (either path), if any."""
    return (
        Application.objects.filter(
            applicant=user, service_code=SERVICE_CODE, stnk_endorsement__vehicle=vehicle
        )
        .exclude(status__in=TERMINAL)
        .order_by("-pk")
        .first()
    )


def endorsement_holder_start(*, applicant: User, vehicle: Vehicle) -> Application:
    """A draft endorsement of ``vehicle`` for ``applicant``, who showed its plate and the last 5
    chassis characters (the caller checked them) but need not own it: ``by_stnk_holder``.

    Raises ``HolderRefused`` (nothing saved) when the payer or the vehicle does not qualify, and
    ``applications.services.DuplicateOpenApplication`` when the applicant already has one open
    for the plate (``open_endorsement_of`` finds it)."""
    reasons = holder_payer_refusals(applicant) or holder_refusals(
        vehicle, today=clock.today(), applicant_id=applicant.pk
    )
    if reasons:
        raise HolderRefused(reasons)
    with transaction.atomic():
        application = application_create(
            applicant=applicant,
            service_code=SERVICE_CODE,
            subject=vehicle.plate_display,
            delivery_choice=DeliveryChoice.DIGITAL,
        )
        EndorsementApplication.objects.create(application=application, vehicle=vehicle, by_stnk_holder=True)
    logger.info("holder endorsement draft %s for vehicle %s", application.pk, vehicle.pk)
    return application


# --- money ----------------------------------------------------------------------------------


def fee_codes(application: Application) -> tuple[str, ...]:
    row = endorsement_of(application)
    return (vehicle_fee_code("stnk_endorsement", row.vehicle.category),) if row is not None else ()


def other_charges(application: Application) -> tuple[Charge, ...]:
    row = endorsement_of(application)
    if row is None:
        return ()
    # The text is stored in English, whoever submits; each line also carries its msgid and
    # values (``label_spec``), so ``BillLine.display_label`` shows it in the reader's language.
    with translation.override("en"):
        lines = endorsement.endorsement_charges(row.vehicle, clock.today())
    return tuple(
        Charge(
            kind=line.kind, label=line.label, amount=line.amount, quantity=line.quantity, label_spec=line.spec
        )
        for line in lines
    )


def subject(application: Application) -> str:
    row = endorsement_of(application)
    return row.vehicle.plate_display if row is not None else application.subject


# --- issue ----------------------------------------------------------------------------------


def endorse_on_issue(event: events.TransitionEvent) -> None:
    """``issue`` listener (in the transaction): record the endorsement, issue the e-Pengesahan."""
    application = event.application
    if application.service_code != SERVICE_CODE:
        return
    row = EndorsementApplication.objects.select_for_update().get(application=application)
    vehicle = Vehicle.objects.select_for_update().get(pk=row.vehicle_id)
    today = clock.today()
    years = endorsement.years_due(vehicle, today)
    row.covered_from = years[0]
    row.covered_until = due_dates.add_years(years[-1], 1)
    row.endorsed_on = today
    row.save(update_fields=["covered_from", "covered_until", "endorsed_on"])
    vehicle.last_endorsed_on = today
    vehicle.save(update_fields=["last_endorsed_on"])
    # The vehicle page's registration history says endorsements appear there: one entry per
    # endorsement (the 5-year renewal records its own kind instead).
    VehicleHistoryEntry.objects.create(
        vehicle=vehicle,
        kind=VehicleHistoryEntry.Kind.ENDORSED,
        occurred_on=today,
        office_id=application.handling_office_id,
        plate_display=vehicle.plate_display,
        application=application,
    )
    from documents.services import document_issue

    actor = User.objects.filter(pk=event.actor_id).first() if event.actor_id is not None else None
    document_issue(
        kind=pengesahan.KIND,
        application=application,
        holder=application.applicant,
        reference=application.reference,
        actor=actor,
    )
    logger.info("vehicle %s endorsed by application %s", vehicle.pk, application.pk)


def issue_after_auto_approval(application_id: int) -> None:
    """``pay_auto_approve`` listener (after commit): the system issues, then completes (digital
    only: nothing to deliver). A refusal is logged; the application stays approved for an officer."""
    application = Application.objects.filter(pk=application_id).only("service_code").first()
    if application is None or application.service_code != SERVICE_CODE:
        return
    try:
        with transaction.atomic():
            issued = application_transition(application_id=application_id, action="issue", actor=None)
            if issued.delivery_choice == DeliveryChoice.DIGITAL:
                application_transition(application_id=application_id, action="complete", actor=None)
    except TransitionRefused as refused:
        logger.warning("application %s: auto-issue refused (%s)", application_id, refused)


# --- the definition -------------------------------------------------------------------------


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        code=SERVICE_CODE,
        name=_("STNK annual endorsement"),
        description=_(
            "Pay the vehicle tax (PKB and opsen), the Jasa Raharja levy (SWDKLLJ) and the endorsement "
            "fee of a vehicle you proved you hold; the e-Pengesahan is issued as soon as it is paid."
        ),
        reference_prefix="PGS",
        route=(Office.Kind.SAMSAT,),
        subject=subject,
        guards=_guards(),
        required_documents=(),
        approves_on_payment=True,
        payment_window_days=7,
        standard_working_days=0,
        delivery_choices=(DeliveryChoice.DIGITAL,),
        document_kind=pengesahan.KIND,
        details_form=EndorsementForm,
        fee_codes=fee_codes,
        other_charges=other_charges,
        submit_offices=submit_offices,
        listed_fee_codes=(
            vehicle_fee_code("stnk_endorsement", "2w"),
            vehicle_fee_code("stnk_endorsement", "4w"),
        ),
    )


def _start_url(vehicle: Vehicle) -> str:
    return f"{reverse('applications:start', args=[SERVICE_CODE])}?vehicle={vehicle.public_id}"


OFFER = offers.ServiceOffer(
    code=SERVICE_CODE,
    order=10,
    title=_("Annual STNK endorsement"),
    action=_("Pay the annual endorsement"),
    url=_start_url,
    refusals=vehicle_refusals_for,
    unavailable=_("The annual endorsement cannot be paid online now:"),
)


def register() -> None:
    """Called once from VehiclesConfig.ready(): the service, its document kind and listeners."""
    pengesahan.register()
    register_service(definition())
    offers.register_offer(OFFER)
    events.listen("issue", endorse_on_issue, phase="in_transaction")
    events.listen("pay_auto_approve", issue_after_auto_approval, phase="after_commit")
