"""The STNK 5-year renewal, declared to the application core (DESIGN §4; issue 8, point 4).

==================  ======  =======  ================================================
service             prefix  route    bill
==================  ======  =======  ================================================
stnk_renewal        PRP     Samsat   STNK issuance + TNKB plates PNBP of the category
                                     (DOMAIN.md §4.2) + the renewal year's PKB, opsen
                                     PKB, SWDKLLJ and late fines (``renewal_charges``)
==================  ======  =======  ================================================

* Details: one of the citizen's *unlocked* live vehicles (``?vehicle=`` preselects it); the
  subject is its plate. Submitted only to the vehicle's registering Samsat (``submit_offices``).
* Guards: ``profile_and_identity``; ``service_eligibility`` (at submit, before the bill:
  ``renewal_refusals``, each saying what to do instead); ``no_flags`` always answers (an
  officer reviews every renewal, so it is never approved on payment); ``service_requirements_met``
  (the officer's approval): a *passed* physical check (``physical_checks``) and the vehicle
  still the applicant's, neither blocked nor deleted.
* Path: submit → pay → claim → ``schedule`` (a physical check is needed) → the citizen books a
  ``physical_check`` slot at the Samsat → the officer records the check → ``resume_review`` →
  ``approve`` → ``issue``. The ``issue`` listener (in the transaction) extends the STNK by five
  years, counts the renewal as that year's endorsement, records it on the vehicle's history and
  issues the e-STNK (``vehicles.estnk``), superseding the previous one.
* Delivery: the printed STNK and the new plates travel (courier or collection) as shipments
  (``vehicles/shipping.py``); delivery completes the application once both are handed over.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
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
    register_service,
)
from applications.workflow import TERMINAL
from korlantas.lib import clock
from offices.models import AppointmentSlot, Office
from payments.fees import vehicle_fee_code
from vehicles import due_dates, endorsement, estnk, offers, physical_checks
from vehicles.models import RenewalApplication, Vehicle, VehicleClaim, VehicleHistoryEntry
from vehicles.services_registry import VehicleChoiceField, profile_and_identity, unlocked_vehicles

logger = logging.getLogger("korlantas.vehicles")

SERVICE_CODE = "stnk_renewal"
Reason = str | Promise

# The renewal may be applied for from this many days before the STNK's last valid day (as the
# annual endorsement may be paid 60 days early, ``due_dates.EARLY_DAYS``).
EARLY_DAYS = due_dates.EARLY_DAYS
# UU 22/2009 Pasal 74(2)(b): not re-registered within 2 years of the STNK's expiry → deletion.
LAPSE_YEARS = 2


def _date(day: dt.date) -> str:
    return date_format(day, "j F Y")


# --- who may renew what ------------------------------------------------------------------------


def renewal_opens_on(vehicle: Vehicle) -> dt.date:
    return vehicle.stnk_valid_until - dt.timedelta(days=EARLY_DAYS)


def deletion_date(vehicle: Vehicle) -> dt.date:
    """The last day a lapsed STNK can still be renewed (2 years after it ended)."""
    return due_dates.add_years(vehicle.stnk_valid_until, LAPSE_YEARS)


def renewal_refusals(
    vehicle: Vehicle,
    *,
    owner_index: str | None,
    unlocked: bool,
    today: dt.date,
    application_id: int | None = None,
) -> list[Reason]:
    """Why ``vehicle`` cannot be renewed now by the person with ``owner_index`` (their verified
    NIK's blind index), each with what to do instead; empty when it can."""
    if owner_index is None or vehicle.owner_nik_index != owner_index:
        return [_("This vehicle is not registered to you. Only its owner can apply for its renewal.")]
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
                "have the block lifted; it can be renewed afterwards."
            )
            % {"samsat": vehicle.registering_samsat.name}
        ]
    if today > deletion_date(vehicle):
        return [
            _(
                "The STNK ended on %(date)s, more than 2 years ago: the registration is due for "
                "deletion (UU 22/2009 Pasal 74) and cannot be renewed online. Go to the Samsat where "
                "the vehicle is registered (%(samsat)s) at once."
            )
            % {"date": _date(vehicle.stnk_valid_until), "samsat": vehicle.registering_samsat.name}
        ]
    opens_on = renewal_opens_on(vehicle)
    if today < opens_on:
        return [
            _(
                "The STNK is valid until %(until)s. The 5-year renewal can be applied for from "
                "%(opens)s; until then, pay the annual endorsement when it falls due."
            )
            % {"until": _date(vehicle.stnk_valid_until), "opens": _date(opens_on)}
        ]
    others = RenewalApplication.objects.filter(vehicle=vehicle).exclude(
        application__status__in=[*TERMINAL, "draft"]
    )
    if application_id is not None:
        others = others.exclude(application_id=application_id)
    in_progress = others.values_list("application__reference", flat=True).first()
    if in_progress is not None:
        return [
            _("A renewal of this vehicle is already under way (%(reference)s).") % {"reference": in_progress}
        ]
    return []


def vehicle_refusals_for(user: User, vehicle: Vehicle, today: dt.date | None = None) -> list[Reason]:
    """For the vehicle page: the refusals for one of the user's vehicles (annotated ``unlocked``)."""
    return renewal_refusals(
        vehicle,
        owner_index=verified_nik_index(user),
        unlocked=bool(getattr(vehicle, "unlocked", False)),
        today=today if today is not None else clock.today(),
    )


# --- the details form ------------------------------------------------------------------------


class RenewalForm(DetailsForm):
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
            RenewalApplication.objects.select_related("vehicle").filter(application=self.application).first()
            if self.application is not None
            else None
        )
        if stored is not None:
            self.initial = {"vehicle": stored.vehicle, **self.initial}

    def subject(self) -> str:
        return str(self.cleaned_data["vehicle"].plate_display)

    def save(self, application: Application) -> None:
        RenewalApplication.objects.update_or_create(
            application=application, defaults={"vehicle": self.cleaned_data["vehicle"]}
        )


# --- reading the application -------------------------------------------------------------------


def renewal_of(application: Application) -> RenewalApplication | None:
    return (
        RenewalApplication.objects.select_related("vehicle", "vehicle__registering_samsat")
        .filter(application=application)
        .first()
    )


def _applicant_index(application: Application) -> str | None:
    return verified_nik_index_of(application.applicant_id)


# --- guards ------------------------------------------------------------------------------------


def service_eligibility(application: Application) -> list[Reason]:
    """``submit``: the vehicle may be renewed now (before the bill is issued)."""
    row = renewal_of(application)
    if row is None:
        return [_("Choose the vehicle to renew first.")]
    index = _applicant_index(application)
    if index is None:
        return []  # ``profile_and_identity`` says what to do
    unlocked = VehicleClaim.objects.filter(user_id=application.applicant_id, vehicle=row.vehicle).exists()
    return renewal_refusals(
        row.vehicle, owner_index=index, unlocked=unlocked, today=clock.today(), application_id=application.pk
    )


def no_flags(application: Application) -> list[Reason]:
    """``pay_auto_approve`` never applies: an officer reviews every renewal (physical check)."""
    return [_("An officer reviews every STNK renewal after the physical check.")]


def vehicle_flags(application: Application) -> list[Reason]:
    """What stops an approval on the vehicle's side."""
    row = renewal_of(application)
    if row is None:
        return [_("The application names no vehicle.")]
    vehicle = row.vehicle
    reasons: list[Reason] = []
    if vehicle.state == Vehicle.State.BLOCKED:
        reasons.append(_("The vehicle is blocked: it cannot be renewed until the block is lifted."))
    if vehicle.state == Vehicle.State.DELETED:
        reasons.append(_("The vehicle's registration was deleted: reject the application."))
    if vehicle.owner_nik_index != _applicant_index(application):
        reasons.append(_("The vehicle is no longer registered to the applicant: reject the application."))
    return reasons


def service_requirements_met(application: Application) -> list[Reason]:
    """``approve``: a passed physical check, and the vehicle still the applicant's and live."""
    return [*vehicle_flags(application), *physical_checks.physical_check_refusals(application)]


GUARDS: dict[str, Guard] = {
    "profile_and_identity": profile_and_identity,
    "service_eligibility": service_eligibility,
    "no_flags": no_flags,
    "service_requirements_met": service_requirements_met,
}


def _guards() -> dict[str, Guard]:
    missing = SERVICE_GUARDS - set(GUARDS)
    if missing:
        raise RuntimeError(f"the STNK renewal decides no rule for guards {sorted(missing)}")
    return {name: GUARDS[name] for name in SERVICE_GUARDS}


# --- offices and appointments ------------------------------------------------------------------


def submit_offices(application: Application) -> QuerySet[Office] | None:
    """Only the vehicle's registering Samsat (the renewal is done at the Samsat induk)."""
    row = renewal_of(application)
    if row is None:
        return Office.objects.none()
    return Office.objects.filter(pk=row.vehicle.registering_samsat_id)


def appointment_kinds(application: Application) -> tuple[str, ...]:
    return (AppointmentSlot.Kind.PHYSICAL_CHECK.value,)


# --- money -------------------------------------------------------------------------------------


def years_due(vehicle: Vehicle, today: dt.date) -> list[dt.date]:
    """The tax years the renewal pays, oldest first: any endorsement missed before the renewal,
    the renewal year itself (due on ``stnk_valid_until``) and, for an STNK that lapsed more than
    a year ago, each later anniversary up to today + 60 days (as for the endorsement)."""
    first = due_dates.next_due_on(vehicle.stnk_valid_until, vehicle.last_endorsed_on)
    horizon = max(today + dt.timedelta(days=due_dates.EARLY_DAYS), vehicle.stnk_valid_until)
    years = [first]
    while True:
        following = due_dates.add_years(first, len(years))
        if following > horizon:
            break
        years.append(following)
    return years


def renewal_charges(vehicle: Vehicle, today: dt.date) -> list[endorsement.Line]:
    """The PKB, opsen, SWDKLLJ and fine lines of the renewal paid on ``today``: the endorsement's
    arithmetic (``endorsement.compute``) over the renewal's years."""
    return endorsement.compute(
        njkb=vehicle.njkb,
        category=vehicle.category,
        rule=endorsement.tax_rule_for(endorsement.province_of(vehicle)),
        rank=endorsement.ownership_rank(vehicle),
        swdkllj=endorsement.swdkllj_for(vehicle.category, vehicle.engine_cc),
        years=years_due(vehicle, today),
        today=today,
    )


def fee_codes(application: Application) -> tuple[str, ...]:
    row = renewal_of(application)
    if row is None:
        return ()
    category = row.vehicle.category
    return (vehicle_fee_code("stnk_renewal", category), vehicle_fee_code("tnkb", category))


def other_charges(application: Application) -> tuple[Charge, ...]:
    row = renewal_of(application)
    if row is None:
        return ()
    # English text stored, msgid and values beside it: each reader sees their language.
    with translation.override("en"):
        lines = renewal_charges(row.vehicle, clock.today())
    return tuple(
        Charge(
            kind=line.kind, label=line.label, amount=line.amount, quantity=line.quantity, label_spec=line.spec
        )
        for line in lines
    )


def subject(application: Application) -> str:
    row = renewal_of(application)
    return row.vehicle.plate_display if row is not None else application.subject


# --- issue -------------------------------------------------------------------------------------


def renew_on_issue(event: events.TransitionEvent) -> None:
    """``issue`` listener (in the transaction): extend the STNK by 5 years, record the renewal
    (it counts as that year's endorsement) and issue the e-STNK, superseding the previous one."""
    application = event.application
    if application.service_code != SERVICE_CODE:
        return
    row = RenewalApplication.objects.select_for_update().get(application=application)
    vehicle = Vehicle.objects.select_for_update().select_related("registering_samsat").get(pk=row.vehicle_id)
    today = clock.today()
    row.previous_valid_until = vehicle.stnk_valid_until
    row.new_valid_until = due_dates.add_years(vehicle.stnk_valid_until, due_dates.STNK_YEARS)
    row.renewed_on = today
    row.save(update_fields=["previous_valid_until", "new_valid_until", "renewed_on"])
    vehicle.stnk_valid_until = row.new_valid_until
    vehicle.last_endorsed_on = today
    vehicle.save(update_fields=["stnk_valid_until", "last_endorsed_on"])
    VehicleHistoryEntry.objects.create(
        vehicle=vehicle,
        kind=VehicleHistoryEntry.Kind.RENEWED,
        occurred_on=today,
        office_id=application.handling_office_id,
        plate_display=vehicle.plate_display,
        application=application,
    )
    actor = User.objects.filter(pk=event.actor_id).first() if event.actor_id is not None else None
    estnk.issue_estnk(application=application, vehicle=vehicle, actor=actor)
    logger.info("vehicle %s renewed by application %s", vehicle.pk, application.pk)


# --- the applicant's panel ---------------------------------------------------------------------

CITIZEN_PANEL_ORDER = 15


def citizen_panel(application: Application, viewer: User) -> events.ReviewPanel | None:
    """On the applicant's application page: the vehicle, the validity before and after, where
    the physical check stands and what happens to the new plates. Three queries."""
    if application.service_code != SERVICE_CODE:
        return None
    row = renewal_of(application)
    if row is None:
        return None
    check = physical_checks.latest_physical_check(application)
    return events.ReviewPanel(
        title=_("STNK renewal"),
        template_name="vehicles/renewal_panel.html",
        context={
            "row": row,
            "vehicle": row.vehicle,
            "new_valid_until": row.new_valid_until
            or due_dates.add_years(row.vehicle.stnk_valid_until, due_dates.STNK_YEARS),
            "check": check,
            "status": application.status,
            "delivery": application.get_delivery_choice_display(),
        },
        order=CITIZEN_PANEL_ORDER,
    )


REVIEW_PANEL_ORDER = 20


def review_panel(application: Application, viewer: User) -> events.ReviewPanel | None:
    """On the officer's review page: the vehicle's registration as it stands, the validity the
    renewal will give, and what would stop an approval on the vehicle's side."""
    if application.service_code != SERVICE_CODE:
        return None
    row = renewal_of(application)
    if row is None:
        return None
    vehicle = row.vehicle
    return events.ReviewPanel(
        title=_("Vehicle to renew"),
        template_name="vehicles/renewal_review_panel.html",
        context={
            "row": row,
            "vehicle": vehicle,
            "new_valid_until": row.new_valid_until
            or due_dates.add_years(vehicle.stnk_valid_until, due_dates.STNK_YEARS),
            "flags": vehicle_flags(application),
        },
        order=REVIEW_PANEL_ORDER,
    )


# --- the definition ----------------------------------------------------------------------------


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        code=SERVICE_CODE,
        name=_("STNK 5-year renewal"),
        description=_(
            "Renew the STNK of a vehicle you proved you hold when its 5 years run out: pay the fees and "
            "the year's tax, bring the vehicle to its Samsat for the physical check, and receive the "
            "e-STNK and new plates."
        ),
        reference_prefix="PRP",
        route=(Office.Kind.SAMSAT,),
        subject=subject,
        guards=_guards(),
        required_documents=(),
        approves_on_payment=False,
        payment_window_days=7,
        standard_working_days=5,
        delivery_choices=(DeliveryChoice.COURIER, DeliveryChoice.COLLECTION),
        document_kind=estnk.KIND,
        needs_appointment=physical_checks.needs_physical_check,
        appointment_kinds=appointment_kinds,
        details_form=RenewalForm,
        submit_offices=submit_offices,
        fee_codes=fee_codes,
        other_charges=other_charges,
        listed_fee_codes=(
            vehicle_fee_code("stnk_renewal", "2w"),
            vehicle_fee_code("stnk_renewal", "4w"),
            vehicle_fee_code("tnkb", "2w"),
            vehicle_fee_code("tnkb", "4w"),
        ),
    )


def _start_url(vehicle: Vehicle) -> str:
    return f"{reverse('applications:start', args=[SERVICE_CODE])}?vehicle={vehicle.public_id}"


OFFER = offers.ServiceOffer(
    code=SERVICE_CODE,
    order=20,
    title=_("5-year STNK renewal"),
    action=_("Apply for the 5-year renewal"),
    url=_start_url,
    refusals=vehicle_refusals_for,
    unavailable=_("The 5-year renewal cannot be applied for now:"),
)


def register() -> None:
    """Called once from VehiclesConfig.ready(): the e-STNK kind, the physical check's panel and
    booking check, the service, its offer and its listener."""
    estnk.register()
    physical_checks.register()
    register_service(definition())
    offers.register_offer(OFFER)
    events.listen("issue", renew_on_issue, phase="in_transaction")
    events.register_citizen_panel(citizen_panel)
    events.register_review_panel(review_panel)
