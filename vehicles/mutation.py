"""Move to another region, mutasi (service ``vehicle_mutation``; issue 8, point 7; DOMAIN.md §3.2).

==================  ======  ==================  ==============================================
service             prefix  route               bill (DOMAIN.md §4.2, PP 76/2020)
==================  ======  ==================  ==============================================
vehicle_mutation    MUT     Samsat → Samsat     mutation letter PNBP + new STNK + new TNKB
                                                of the vehicle's category, billed at submission
==================  ======  ==================  ==============================================

* **Another region.** The destination is an open Samsat that issues plates (has plate region
  codes) and either does not serve the vehicle's current region code or sits in another
  province than the Samsat where the vehicle is registered (the province taxes the vehicle:
  B covers Jakarta, Bodetabek and Kota Tangerang in Banten). A Samsat of the same region code
  in the same province is refused with what to do instead: a change of address within the
  region is a counter service of the registering Samsat, not a mutasi.
* **Details**: one of the applicant's unlocked live vehicles (``?vehicle=`` preselects), the
  destination Samsat, the new address (street, city or regency), stored encrypted
  (``korlantas.lib.pii``, purpose ``vehicles.mutation_address``) and never logged. The KTP scan
  (showing the address in the destination region) is required.
* **Route**: submitted to the vehicle's registering Samsat only (``submit_offices``); its
  officer reviews and forwards to the destination Samsat ("releases the file": the ``forward``
  listener records ``released_at`` and a ``MOVED_OUT`` history entry). ``forward_offices``
  offers the destination only, and nothing once the destination handles the application (the
  route's two kinds are both Samsat, so the hook is what stops a second forward).
* **At the destination**: physical check (``schedule`` → slot of kind ``physical_check`` at the
  destination → ``vehicles.physical_checks.physical_check_record`` → ``resume_review``);
  ``needs_appointment`` asks for a passed check *held at the destination*; the origin cannot
  schedule. ``service_requirements_met``: at the destination, a passed check there, and the
  vehicle still the applicant's, not blocked, deleted or reported stolen.
* **Issue** (listener in the transaction): a new plate with the destination's first region code
  (``plate_allocate``; the database's unique constraint on live plates is the last guard, retried
  in a savepoint), the registering Samsat becomes the destination, a ``MOVED_IN`` history entry,
  a new e-STNK (``vehicles.estnk``) and the updated e-BPKB (``vehicles.ebpkb``). The STNK keeps
  its validity date (assumption: the remaining validity carries over). Plates travel by courier
  or are collected (shipments, ``vehicles/shipping.py``).
* **Refusals before payment** (``mutation_refusals``, the offer and ``submit``): not the owner
  or not unlocked, deleted, blocked, reported stolen, STNK expired (renew first), annual
  endorsement overdue (tax clearance, "fiskal": pay the endorsement first), a move already under
  way.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from typing import Any, cast

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import verified_nik_index, verified_nik_index_of
from applications import events
from applications.models import Application
from applications.registry import (
    SERVICE_GUARDS,
    DeliveryChoice,
    DetailsForm,
    Guard,
    ServiceDefinition,
    register_service,
)
from applications.workflow import TERMINAL
from korlantas.lib import clock, pii
from offices.models import AppointmentSlot, Office
from payments.fees import vehicle_fee_code
from vehicles import due_dates, ebpkb, estnk, identifiers, offers
from vehicles.models import (
    NOT_DELETED,
    MutationApplication,
    PhysicalCheck,
    RegionCode,
    Vehicle,
    VehicleClaim,
    VehicleHistoryEntry,
)
from vehicles.services_registry import VehicleChoiceField, profile_and_identity, unlocked_vehicles

logger = logging.getLogger("korlantas.vehicles")

SERVICE_CODE = "vehicle_mutation"
ADDRESS_PURPOSE = "vehicles.mutation_address"
FEE_ITEMS = ("mutation_letter", "stnk_new", "tnkb")
Reason = str | Promise

# DOMAIN.md §5.3, traditional serial ranges by vehicle type: 1–1999 passenger cars,
# 2000–6999 motorcycles (buses and goods vehicles are not told apart by the registry's category).
SERIAL_RANGES = {Vehicle.Category.FOUR_WHEEL: (1, 1999), Vehicle.Category.TWO_WHEEL: (2000, 6999)}
# Series letters: three, without I, O and Q (too easily read as 1 and 0).
SUFFIX_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
SUFFIX_LENGTH = 3
PLATE_ATTEMPTS = 50
SAVE_ATTEMPTS = 5


class PlateUnavailable(RuntimeError):
    """No free plate was found for the office and category."""


# --- who may move what ----------------------------------------------------------------------


def _under_way(vehicle: Vehicle, application_id: int | None) -> str | None:
    others = MutationApplication.objects.filter(vehicle=vehicle).exclude(
        application__status__in=[*TERMINAL, "draft"]
    )
    if application_id is not None:
        others = others.exclude(application_id=application_id)
    return others.values_list("application__reference", flat=True).first()


def mutation_refusals(
    vehicle: Vehicle,
    *,
    owner_index: str | None,
    unlocked: bool,
    today: dt.date,
    application_id: int | None = None,
) -> list[Reason]:
    """Why the registration of ``vehicle`` cannot be moved to another region by the person with
    ``owner_index`` (their verified NIK's blind index), with what to do instead; empty when it can."""
    if owner_index is None or vehicle.owner_nik_index != owner_index:
        return [_("This vehicle is not registered to you. Only its owner can move its registration.")]
    if vehicle.state == Vehicle.State.DELETED:
        return [_("This vehicle's registration was deleted. It can never be moved or registered again.")]
    if not unlocked:
        return [
            _(
                "Prove that you hold this vehicle first: enter the last 5 characters of its chassis "
                "number on the vehicle's page."
            )
        ]
    samsat = vehicle.registering_samsat.name
    if vehicle.state == Vehicle.State.BLOCKED:
        return [
            _(
                "This vehicle is blocked. Contact the Samsat where it is registered (%(samsat)s) to "
                "have the block lifted; its registration can be moved afterwards."
            )
            % {"samsat": samsat}
        ]
    if vehicle.reported_stolen:
        return [
            _(
                "This vehicle is reported stolen: its registration cannot be moved. If it was found, "
                "ask the police to close the report, then contact %(samsat)s."
            )
            % {"samsat": samsat}
        ]
    if today > vehicle.stnk_valid_until:
        return [
            _(
                "The STNK's 5-year validity ended on %(date)s. Renew it first (the 5-year renewal, with "
                "a physical check and new plates), then apply to move the registration."
            )
            % {"date": date_format(vehicle.stnk_valid_until, "j F Y")}
        ]
    standing = due_dates.standing(vehicle.stnk_valid_until, vehicle.last_endorsed_on, today)
    if standing.status == due_dates.OVERDUE:
        return [
            _(
                "The annual endorsement due on %(date)s is unpaid. The vehicle tax must be clear before "
                "the file is released (fiskal): pay the annual endorsement first, then apply to move."
            )
            % {"date": date_format(standing.due_on, "j F Y")}
        ]
    in_progress = _under_way(vehicle, application_id)
    if in_progress is not None:
        return [
            _("A move of this vehicle's registration is already under way (%(reference)s).")
            % {"reference": in_progress}
        ]
    return []


def destination_refusals(vehicle: Vehicle, destination: Office) -> list[Reason]:
    """Why ``destination`` is not a Samsat of another region for ``vehicle`` (see the module)."""
    if destination.kind != Office.Kind.SAMSAT or not destination.is_active:
        return [_("Choose an open Samsat.")]
    codes = list(destination.plate_region_codes)
    if not codes or not RegionCode.objects.filter(code=codes[0]).exists():
        return [
            _("%(samsat)s issues no number plates through this portal. Choose another Samsat.")
            % {"samsat": destination.name}
        ]
    origin = vehicle.registering_samsat
    same_province = destination.regency.province_id == origin.regency.province_id
    if destination.pk == origin.pk or (vehicle.region_code in codes and same_province):
        return [
            _(
                "%(samsat)s registers plates with the region code %(code)s in the same province, like "
                "this vehicle: that is not a move to another region (mutasi). For a change of address "
                "within the region, go to the Samsat where the vehicle is registered (%(origin)s): it "
                "is a separate counter service."
            )
            % {"samsat": destination.name, "code": vehicle.region_code, "origin": origin.name}
        ]
    return []


def vehicle_refusals_for(user: User, vehicle: Vehicle, today: dt.date | None = None) -> list[Reason]:
    """For the vehicle page: the refusals for one of the user's vehicles (annotated ``unlocked``)."""
    return mutation_refusals(
        vehicle,
        owner_index=verified_nik_index(user),
        unlocked=bool(getattr(vehicle, "unlocked", False)),
        today=today if today is not None else clock.today(),
    )


# --- the new address (encrypted) ------------------------------------------------------------


def address_encrypt(street: str, regency: str) -> str:
    return pii.encrypt(json.dumps({"street": street, "regency": regency}), purpose=ADDRESS_PURPOSE)


def address_decrypt(ciphertext: str) -> dict[str, str]:
    """``{"street": …, "regency": …}``; empty values when nothing is stored."""
    if not ciphertext:
        return {"street": "", "regency": ""}
    data = json.loads(pii.decrypt(ciphertext, purpose=ADDRESS_PURPOSE))
    return {"street": str(data.get("street", "")), "regency": str(data.get("regency", ""))}


# --- the details form -----------------------------------------------------------------------


class DestinationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        office = cast(Office, obj)
        return f"{office.name} ({', '.join(office.plate_region_codes)})"


def destination_offices() -> QuerySet[Office]:
    """Open Samsat offices that issue plates (the form's list; ``destination_refusals`` decides)."""
    return (
        Office.objects.filter(kind=Office.Kind.SAMSAT, is_active=True)
        .exclude(plate_region_codes=[])
        .select_related("regency")
        .order_by("name", "pk")
    )


class MutationForm(DetailsForm):
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
    destination_samsat = DestinationChoiceField(
        label=_("Destination Samsat"),
        queryset=Office.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose the Samsat of your new address"),
        help_text=_(
            "The Samsat of the region you move to (its plate region codes in brackets). The vehicle "
            "gets a new plate with that region's code."
        ),
        error_messages={
            "required": _("Choose the Samsat of the region you move to."),
            "invalid_choice": _("Choose an open Samsat from the list."),
        },
    )
    new_street = forms.CharField(
        label=_("New address: street, number, RT/RW, village"),
        max_length=200,
        error_messages={"required": _("Enter the new address as on your KTP.")},
    )
    new_regency = forms.CharField(
        label=_("New address: city or regency"),
        max_length=100,
        error_messages={"required": _("Enter the city or regency of the new address.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["vehicle"]).queryset = unlocked_vehicles(self.applicant)
        cast(forms.ModelChoiceField, self.fields["destination_samsat"]).queryset = destination_offices()
        stored = mutation_of(self.application) if self.application is not None else None
        if stored is not None:
            address = address_decrypt(stored.new_address_ciphertext)
            self.initial = {
                "vehicle": stored.vehicle,
                "destination_samsat": stored.destination_samsat,
                "new_street": address["street"],
                "new_regency": address["regency"],
                **self.initial,
            }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        vehicle, destination = cleaned.get("vehicle"), cleaned.get("destination_samsat")
        if vehicle is not None and destination is not None:
            for reason in destination_refusals(vehicle, destination):
                self.add_error("destination_samsat", str(reason))
        return cleaned

    def subject(self) -> str:
        return str(self.cleaned_data["vehicle"].plate_display)

    def save(self, application: Application) -> None:
        vehicle: Vehicle = self.cleaned_data["vehicle"]
        MutationApplication.objects.update_or_create(
            application=application,
            defaults={
                "vehicle": vehicle,
                "origin_samsat_id": vehicle.registering_samsat_id,
                "destination_samsat": self.cleaned_data["destination_samsat"],
                "new_address_ciphertext": address_encrypt(
                    self.cleaned_data["new_street"].strip(), self.cleaned_data["new_regency"].strip()
                ),
            },
        )


# --- reading the application ----------------------------------------------------------------


def mutation_of(application: Application) -> MutationApplication | None:
    return (
        MutationApplication.objects.select_related(
            "vehicle",
            "vehicle__registering_samsat__regency",
            "origin_samsat",
            "destination_samsat__regency",
        )
        .filter(application=application)
        .first()
    )


def _applicant_index(application: Application) -> str | None:
    return verified_nik_index_of(application.applicant_id)


def destination_check(application: Application) -> PhysicalCheck | None:
    """The latest physical check of the application held at its destination Samsat."""
    row = MutationApplication.objects.filter(application=application).only("destination_samsat_id").first()
    if row is None:
        return None
    return (
        PhysicalCheck.objects.filter(
            application=application, booking__slot__office_id=row.destination_samsat_id
        )
        .order_by("-recorded_at", "-pk")
        .first()
    )


def at_destination(application: Application, row: MutationApplication | None = None) -> bool:
    row = row if row is not None else mutation_of(application)
    return row is not None and application.handling_office_id == row.destination_samsat_id


# --- office hooks ---------------------------------------------------------------------------


def submit_offices(application: Application) -> QuerySet[Office]:
    """Only the Samsat where the vehicle is registered (the origin) takes the application."""
    row = mutation_of(application)
    if row is None:
        return Office.objects.none()
    return Office.objects.filter(pk=row.vehicle.registering_samsat_id)


def forward_offices(application: Application) -> QuerySet[Office]:
    """The destination Samsat, and nothing once it handles the application."""
    row = mutation_of(application)
    if row is None or at_destination(application, row):
        return Office.objects.none()
    return Office.objects.filter(pk=row.destination_samsat_id)


# --- guards ---------------------------------------------------------------------------------


def service_eligibility(application: Application) -> list[Reason]:
    """``submit``: the vehicle may be moved and the destination is another region (before the bill)."""
    row = mutation_of(application)
    if row is None:
        return [_("Choose the vehicle and the destination Samsat first.")]
    index = _applicant_index(application)
    if index is None:
        return []  # ``profile_and_identity`` says what to do
    unlocked = VehicleClaim.objects.filter(user_id=application.applicant_id, vehicle=row.vehicle).exists()
    reasons = mutation_refusals(
        row.vehicle, owner_index=index, unlocked=unlocked, today=clock.today(), application_id=application.pk
    )
    return reasons or destination_refusals(row.vehicle, row.destination_samsat)


def vehicle_flags(application: Application) -> list[Reason]:
    """What stops the move now: the vehicle blocked, deleted, reported stolen, or not the applicant's."""
    row = mutation_of(application)
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
    if vehicle.owner_nik_index != _applicant_index(application):
        reasons.append(_("The vehicle is not registered to the applicant."))
    return reasons


def requirements_met(application: Application) -> list[Reason]:
    """``approve``: at the destination, after a passed physical check there, with no flag."""
    row = mutation_of(application)
    if row is None:
        return [_("The application names no vehicle.")]
    if not at_destination(application, row):
        return [
            _("Release the file to the destination Samsat (%(samsat)s) first: it approves the move.")
            % {"samsat": row.destination_samsat.name}
        ]
    check = destination_check(application)
    reasons: list[Reason] = []
    if check is None:
        reasons.append(_("The vehicle's physical check at this Samsat is not recorded yet: schedule it."))
    elif not check.passed:
        reasons.append(
            _(
                "At the physical check the chassis or engine number did not match the registry: "
                "reject the application, or schedule another check if the mismatch was a reading error."
            )
        )
    return reasons + vehicle_flags(application)


def needs_appointment(application: Application) -> bool:
    """A physical check is needed at the destination until one passed there; the origin forwards."""
    if not at_destination(application):
        return False
    check = destination_check(application)
    return check is None or not check.passed


def appointment_kinds(application: Application) -> tuple[str, ...]:
    return (AppointmentSlot.Kind.PHYSICAL_CHECK,)


GUARDS: dict[str, Guard] = {
    "profile_and_identity": profile_and_identity,
    "service_eligibility": service_eligibility,
    # Never asked (the service does not approve on payment); decided all the same.
    "no_flags": vehicle_flags,
    "service_requirements_met": requirements_met,
}


def _guards() -> dict[str, Guard]:
    missing = SERVICE_GUARDS - set(GUARDS)
    if missing:
        raise RuntimeError(f"the move to another region decides no rule for guards {sorted(missing)}")
    return {name: GUARDS[name] for name in SERVICE_GUARDS}


# --- money ----------------------------------------------------------------------------------


def fee_codes(application: Application) -> tuple[str, ...]:
    """The mutation letter, and what the destination issues: a new STNK and a pair of plates.
    The BPKB is updated, not reissued: no BPKB fee (DOMAIN.md §3.2 and §4.2)."""
    row = mutation_of(application)
    if row is None:
        return ()
    return tuple(vehicle_fee_code(item, row.vehicle.category) for item in FEE_ITEMS)


def subject(application: Application) -> str:
    row = mutation_of(application)
    return row.vehicle.plate_display if row is not None else application.subject


# --- plates ---------------------------------------------------------------------------------


def _candidate(region: str, category: str) -> identifiers.Plate:
    low, high = SERIAL_RANGES[Vehicle.Category(category)]
    number = low + secrets.randbelow(high - low + 1)
    suffix = "".join(secrets.choice(SUFFIX_LETTERS) for _i in range(SUFFIX_LENGTH))
    return identifiers.Plate(region=region, number=str(number), suffix=suffix)


def plate_allocate(*, office: Office, category: str) -> identifiers.Plate:
    """A plate no live vehicle carries, with ``office``'s first region code, a serial in the
    category's range (``SERIAL_RANGES``) and three series letters, drawn at random. The unique
    constraint on live plates stays the final guard (``vehicle_replate`` retries on it)."""
    if not office.plate_region_codes:
        raise PlateUnavailable(f"office {office.pk} issues no plates")
    region = office.plate_region_codes[0]
    live = Vehicle.objects.filter(state__in=NOT_DELETED)
    for _attempt in range(PLATE_ATTEMPTS):
        plate = _candidate(region, category)
        if not live.filter(plate_normalised=plate.normalised).exists():
            return plate
    raise PlateUnavailable(f"no free plate for office {office.pk} after {PLATE_ATTEMPTS} attempts")


def vehicle_replate(*, vehicle: Vehicle, office: Office) -> identifiers.Plate:
    """Give the (locked) ``vehicle`` a new plate of ``office`` and register it there; in the
    caller's transaction. A plate taken meanwhile (the constraint) is drawn again."""
    for _attempt in range(SAVE_ATTEMPTS):
        plate = plate_allocate(office=office, category=vehicle.category)
        vehicle.plate_display = plate.display
        vehicle.plate_normalised = plate.normalised
        vehicle.region_code = plate.region
        vehicle.registering_samsat = office
        try:
            with transaction.atomic():
                vehicle.save(
                    update_fields=["plate_display", "plate_normalised", "region_code", "registering_samsat"]
                )
        except IntegrityError:
            logger.info("vehicle %s: new plate taken meanwhile, drawing again", vehicle.pk)
            continue
        return plate
    raise PlateUnavailable(f"no free plate saved for vehicle {vehicle.pk}")


# --- listeners ------------------------------------------------------------------------------


def release_on_forward(event: events.TransitionEvent) -> None:
    """``forward`` listener (in the transaction): the origin releases the file (cabut berkas)."""
    application = event.application
    if application.service_code != SERVICE_CODE:
        return
    row = (
        MutationApplication.objects.select_for_update().select_related("vehicle").get(application=application)
    )
    if row.released_at is not None or application.handling_office_id != row.destination_samsat_id:
        return
    row.released_at = clock.now()
    row.save(update_fields=["released_at"])
    VehicleHistoryEntry.objects.create(
        vehicle=row.vehicle,
        kind=VehicleHistoryEntry.Kind.MOVED_OUT,
        occurred_on=clock.today(),
        office_id=row.origin_samsat_id,
        plate_display=row.vehicle.plate_display,
        application=application,
    )
    logger.info("application %s: file of vehicle %s released", application.pk, row.vehicle_id)


def move_on_issue(event: events.TransitionEvent) -> None:
    """``issue`` listener (in the transaction): the new plate at the destination, the history,
    the new e-STNK and the updated e-BPKB."""
    application = event.application
    if application.service_code != SERVICE_CODE:
        return
    row = MutationApplication.objects.select_for_update().get(application=application)
    vehicle = Vehicle.objects.select_for_update().get(pk=row.vehicle_id)
    destination = Office.objects.get(pk=row.destination_samsat_id)
    previous = vehicle.plate_display
    plate = vehicle_replate(vehicle=vehicle, office=destination)
    today = clock.today()
    row.previous_plate = previous
    row.new_plate = plate.display
    row.moved_on = today
    row.save(update_fields=["previous_plate", "new_plate", "moved_on"])
    VehicleHistoryEntry.objects.create(
        vehicle=vehicle,
        kind=VehicleHistoryEntry.Kind.MOVED_IN,
        occurred_on=today,
        office=destination,
        plate_display=plate.display,
        application=application,
    )
    actor = User.objects.filter(pk=event.actor_id).first() if event.actor_id is not None else None
    estnk.issue_estnk(application=application, vehicle=vehicle, actor=actor)
    ebpkb.issue_ebpkb(application=application, vehicle=vehicle, actor=actor)
    logger.info("vehicle %s moved to office %s by application %s", vehicle.pk, destination.pk, application.pk)


# --- the panel (the applicant's page and the officer's review) -----------------------------

PANEL_ORDER = 15


def mutation_panel(application: Application, viewer: User) -> events.ReviewPanel | None:
    """Where the move stands: the vehicle, origin and destination, whether the file was released,
    the physical check at the destination, the new plate once issued. No address. None for
    another service (no query); three queries otherwise."""
    if application.service_code != SERVICE_CODE:
        return None
    row = mutation_of(application)
    if row is None:
        return None
    return events.ReviewPanel(
        title=_("Move to another region (mutasi)"),
        template_name="vehicles/mutation_panel.html",
        context={
            "row": row,
            "vehicle": row.vehicle,
            "check": destination_check(application),
            "at_destination": at_destination(application, row),
            "status": application.status,
        },
        order=PANEL_ORDER,
    )


# --- the definition -------------------------------------------------------------------------


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        code=SERVICE_CODE,
        name=_("Move to another region (mutasi)"),
        description=_(
            "Move a vehicle's registration to the Samsat of your new address in another region: the "
            "Samsat where it is registered releases the file, the destination Samsat checks the "
            "vehicle and issues a new plate and STNK."
        ),
        reference_prefix="MUT",
        route=(Office.Kind.SAMSAT, Office.Kind.SAMSAT),
        subject=subject,
        guards=_guards(),
        required_documents=("ktp_scan",),
        approves_on_payment=False,
        payment_window_days=7,
        standard_working_days=10,
        delivery_choices=(DeliveryChoice.COURIER, DeliveryChoice.COLLECTION),
        document_kind=estnk.KIND,
        needs_appointment=needs_appointment,
        appointment_kinds=appointment_kinds,
        details_form=MutationForm,
        submit_offices=submit_offices,
        forward_offices=forward_offices,
        fee_codes=fee_codes,
        listed_fee_codes=tuple(
            vehicle_fee_code(item, wheels) for item in FEE_ITEMS for wheels in ("2w", "4w")
        ),
    )


def _start_url(vehicle: Vehicle) -> str:
    return f"{reverse('applications:start', args=[SERVICE_CODE])}?vehicle={vehicle.public_id}"


OFFER = offers.ServiceOffer(
    code=SERVICE_CODE,
    order=50,
    title=_("Move to another region (mutasi)"),
    action=_("Apply to move the registration"),
    url=_start_url,
    refusals=vehicle_refusals_for,
    unavailable=_("The registration cannot be moved online now:"),
)


def register() -> None:
    """Called once from VehiclesConfig.ready(): the service, its offer and listeners."""
    register_service(definition())
    offers.register_offer(OFFER)
    events.listen("forward", release_on_forward, phase="in_transaction")
    events.listen("issue", move_on_issue, phase="in_transaction")
    events.register_review_panel(mutation_panel)
    events.register_citizen_panel(mutation_panel)
