"""BPKB transfer of ownership (balik nama, "BBN II"): transfer codes and the service
``bpkb_transfer`` (issue 8, point 5; DOMAIN.md §3.2).

==============  ======  ======================  ================================================
service         prefix  route                   bill (DOMAIN.md §4.2, ``payments.fees``)
==============  ======  ======================  ================================================
bpkb_transfer   BBN     Samsat → BPKB unit      ``stnk_new`` + ``tnkb`` + ``bpkb_transfer`` of the
                                                category (2w: 100,000 + 60,000 + 225,000 =
                                                385,000; 4w: 200,000 + 100,000 + 375,000 =
                                                675,000) and a BBNKB line of Rp 0: not
                                                applicable to a second-hand vehicle (§2.5)
==============  ======  ======================  ================================================

**Transfer codes.** The seller — verified, the registered owner (``verified_nik_index``), having
proved possession (``VehicleClaim``), the vehicle active — creates a one-time code for the buyer
(``transfer_code_create``): 12 characters of an unambiguous alphabet shown once as
``XXXX-XXXX-XXXX``; only ``HMAC(SECRET_KEY, normalised code)`` is stored. Valid 30 days,
revocable (``transfer_code_revoke``), used once; a new code revokes the open one. Neither the code
nor anything personal reaches the logs or the audit trail (the code's public id does).

**The buyer's application.** The details form (``TransferForm``) takes the plate and either the
transfer code (basis ``code``) or the last 5 chassis characters (basis ``receipt``: the stamped
sale receipt ``sale_receipt`` and the seller's KTP ``seller_ktp`` are then uploaded and an officer
verifies them). Every wrong plate/code/characters combination gets one generic message, under a
per-user rate limit; the form never shows the seller. Starting the draft *reserves* the code (the
``OneToOne`` link: the database refuses a second application with it); submitting *uses* it
(``used_at``, under a row lock: a revoked or expired code is refused there, before the bill).

**Route.** Submitted to the vehicle's registering Samsat (``submit_offices``), which holds the
physical check (``needs_appointment`` until a check passed; slot kind ``physical_check``), then
forwarded to the BPKB unit of that Samsat's Polda (``forward_offices``), which approves
(``service_requirements_met``: check passed, receipt verified for basis ``receipt``, the seller
still the owner, the vehicle neither blocked, deleted nor reported stolen) and issues.

**Issue** (in the transaction, ``transfer_on_issue``): the vehicle row is locked and the transfer
refused if the owner changed meanwhile (so of two applications for one vehicle, one wins); the
ownership history gets the buyer, the seller's possession proofs go and the buyer's is created,
the history entry is written, a new BPKB number is assigned (a new book), and the new e-STNK
(``vehicles.estnk``) and e-BPKB (``vehicles.ebpkb``) are issued, superseding the old ones.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import TYPE_CHECKING, Any

from allauth.core.internal import ratelimit as allauth_ratelimit
from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import verified_nik_index, verified_nik_index_of
from applications import events
from applications.models import Application, Attachment
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
from applications.services import DuplicateOpenApplication, TransitionRefused
from applications.workflow import TERMINAL
from audit.services import audit_record
from korlantas.lib import clock
from offices.models import AppointmentSlot, Office
from payments.fees import vehicle_fee_code
from vehicles import due_dates, ebpkb, identifiers, offers
from vehicles.forms import SuffixField
from vehicles.models import (
    NOT_DELETED,
    OwnershipRecord,
    TransferApplication,
    TransferCode,
    Vehicle,
    VehicleClaim,
    VehicleHistoryEntry,
)
from vehicles.physical_checks import needs_physical_check, physical_check_refusals
from vehicles.services_registry import profile_and_identity

if TYPE_CHECKING:
    from documents.models import IssuedDocument

logger = logging.getLogger("korlantas.vehicles")

SERVICE_CODE = "bpkb_transfer"
REFERENCE_PREFIX = "BBN"
OFFER_CODE = "bpkb_transfer_sell"
Reason = str | Promise

SALE_RECEIPT = "sale_receipt"
SELLER_KTP = "seller_ktp"
RECEIPT_DOCUMENTS = (SALE_RECEIPT, SELLER_KTP)

CODE_VALIDITY = dt.timedelta(days=30)
# No 0/O, 1/I/L: read aloud or copied from a phone without ambiguity. 31¹² ≈ 7.9 × 10¹⁷ codes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CODE_GROUP = 4
_HMAC_SALT = "korlantas.vehicles.transfer_code"
CODE_OBJECT_TYPE = "vehicles.transfercode"

# The buyer's plate + code (or chassis characters) attempts, per user: a code cannot be guessed,
# but a person trying plates with chassis characters must not learn which vehicles exist.
LOOKUP_RATE_LIMIT = "bpkb_transfer_lookup"
LOOKUP_RATES = {LOOKUP_RATE_LIMIT: "10/h/user,30/d/user"}

# A new BPKB number (a new book): a series letter and 8 digits, as the registry's (P08123456).
BPKB_SERIES_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"

GENERIC_LOOKUP_FAILURE = _(
    "No vehicle that can change owner matches this plate and this transfer code (or these chassis "
    "characters). Check them with the seller: a code is valid 30 days and can be used once."
)
BBNKB_NOT_APPLICABLE = _(
    "BBNKB (transfer duty): not applicable — since 5 January 2025 a second-hand vehicle pays no "
    "BBNKB (UU 1/2022 Pasal 12(1))"
)


class TransferCodeRefused(Exception):
    """A transfer code cannot be created or revoked; ``reasons`` say why and what to do."""

    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__("transfer code refused")
        self.reasons = reasons


class TransferCodeTaken(DuplicateOpenApplication):
    """Between the form's check and the draft's save, the code was taken, revoked or used (the
    start page answers a ``DuplicateOpenApplication`` with its message; nothing is saved)."""


# --- transfer codes -------------------------------------------------------------------------


def normalise_code(text: str) -> str:
    """``"abcd-efgh jkmn"`` → ``"ABCDEFGHJKMN"``: separators and case do not matter."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def display_code(plain: str) -> str:
    return "-".join(plain[i : i + CODE_GROUP] for i in range(0, len(plain), CODE_GROUP))


def code_hash(text: str) -> str:
    return salted_hmac(_HMAC_SALT, normalise_code(text), algorithm="sha256").hexdigest()


class CodeStatus:
    OPEN = "open"
    RESERVED = "reserved"  # a buyer's draft names it; not submitted yet
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


CODE_STATUS_LABELS: dict[str, Promise] = {
    CodeStatus.OPEN: _("Open: not used yet"),
    CodeStatus.RESERVED: _("Entered by a buyer: their application is not submitted yet"),
    CodeStatus.USED: _("Used: the buyer has applied"),
    CodeStatus.EXPIRED: _("Expired"),
    CodeStatus.REVOKED: _("Revoked"),
}


def code_status(code: TransferCode, now: dt.datetime | None = None, *, reserved: bool | None = None) -> str:
    """``reserved``: whether an application names the code, if the caller knows (else a query)."""
    now = now if now is not None else clock.now()
    if code.used_at is not None:
        return CodeStatus.USED
    if code.revoked_at is not None:
        return CodeStatus.REVOKED
    if now >= code.expires_at:
        return CodeStatus.EXPIRED
    if reserved is None:
        reserved = TransferApplication.objects.filter(transfer_code=code).exists()
    if reserved:
        return CodeStatus.RESERVED
    return CodeStatus.OPEN


def _in_progress(vehicle: Vehicle, *, exclude_application_id: int | None = None) -> str | None:
    """The reference of a submitted, unfinished transfer of ``vehicle``, or None."""
    others = TransferApplication.objects.filter(vehicle=vehicle).exclude(
        application__status__in=[*TERMINAL, "draft"]
    )
    if exclude_application_id is not None:
        others = others.exclude(application_id=exclude_application_id)
    reference: str | None = others.values_list("application__reference", flat=True).first()
    return reference


def seller_refusals(vehicle: Vehicle, *, owner_index: str | None, unlocked: bool) -> list[Reason]:
    """Why the person with ``owner_index`` (their verified NIK's blind index) cannot give a
    transfer code for ``vehicle`` now, with what to do instead; empty when they can."""
    if owner_index is None:
        return [_("Verify your identity first: only a verified owner can sell a vehicle online.")]
    if vehicle.owner_nik_index != owner_index:
        return [
            _(
                "This vehicle is not registered to you: only its registered owner can give a transfer "
                "code. If you bought it, apply for the change of ownership with the stamped sale "
                "receipt and the seller's KTP instead."
            )
        ]
    if vehicle.state == Vehicle.State.DELETED:
        return [_("This vehicle's registration was deleted: it can no longer change owner.")]
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
                "This vehicle is blocked. Contact the Samsat where it is registered (%(samsat)s) to have "
                "the block lifted before you sell it."
            )
            % {"samsat": vehicle.registering_samsat.name}
        ]
    if vehicle.reported_stolen:
        return [
            _("This vehicle is reported stolen: it cannot change owner. Contact the police if it was found.")
        ]
    if clock.today() > vehicle.stnk_valid_until:
        # The buyer could not submit (``_standing_refusals``): only the owner can renew.
        return [
            _(
                "The STNK's 5-year validity ended on %(date)s: renew it first (the 5-year renewal, on "
                "this vehicle's page), then give the buyer a transfer code."
            )
            % {"date": date_format(vehicle.stnk_valid_until, "j F Y")}
        ]
    reference = _in_progress(vehicle)
    if reference is not None:
        return [
            _("A change of ownership of this vehicle is already under way (%(reference)s).")
            % {"reference": reference}
        ]
    return []


def seller_refusals_for(user: User, vehicle: Vehicle) -> list[Reason]:
    """For the vehicle page's offer: ``vehicle`` is annotated ``unlocked`` by the selector."""
    return seller_refusals(
        vehicle, owner_index=verified_nik_index(user), unlocked=bool(getattr(vehicle, "unlocked", False))
    )


def _seller_may_sell(seller: User, vehicle: Vehicle) -> list[Reason]:
    unlocked = VehicleClaim.objects.filter(user=seller, vehicle=vehicle).exists()
    return seller_refusals(vehicle, owner_index=verified_nik_index(seller), unlocked=unlocked)


def transfer_code_create(*, seller: User, vehicle: Vehicle) -> tuple[TransferCode, str]:
    """A new one-time code for the buyer of ``vehicle``, and its plain text (shown once, never
    stored). The seller's open code, if any, is revoked. Raises ``TransferCodeRefused``."""
    with transaction.atomic():
        locked = Vehicle.objects.select_for_update().select_related("registering_samsat").get(pk=vehicle.pk)
        refusals = _seller_may_sell(seller, locked)
        if refusals:
            raise TransferCodeRefused(refusals)
        now = clock.now()
        for open_code in TransferCode.objects.select_for_update().filter(
            vehicle=locked, used_at__isnull=True, revoked_at__isnull=True
        ):
            _revoke(open_code, actor_id=seller.pk, now=now, why="replaced")
        plain = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        code = TransferCode.objects.create(
            vehicle=locked,
            seller=seller,
            seller_nik_index=locked.owner_nik_index,
            code_hash=code_hash(plain),
            created_at=now,
            expires_at=now + CODE_VALIDITY,
        )
        audit_record(
            action="vehicle.transfer_code_created",
            actor_id=seller.pk,
            object_type=CODE_OBJECT_TYPE,
            object_id=str(code.public_id),
            details={"vehicle": str(locked.public_id), "expires_at": code.expires_at.isoformat()},
        )
    logger.info("transfer code %s created for vehicle %s", code.pk, locked.pk)
    return code, display_code(plain)


def _revoke(code: TransferCode, *, actor_id: int | None, now: dt.datetime, why: str) -> None:
    code.revoked_at = now
    code.save(update_fields=["revoked_at"])
    audit_record(
        action="vehicle.transfer_code_revoked",
        actor_id=actor_id,
        object_type=CODE_OBJECT_TYPE,
        object_id=str(code.public_id),
        details={"vehicle": str(code.vehicle.public_id), "why": why},
    )


def transfer_code_revoke(*, seller: User, code: TransferCode) -> TransferCode:
    """The seller withdraws a code not used yet (a buyer's unsubmitted draft with it then cannot
    be submitted). Raises ``TransferCodeRefused``."""
    with transaction.atomic():
        locked = (
            TransferCode.objects.select_for_update(of=("self",)).select_related("vehicle").get(pk=code.pk)
        )
        if locked.seller_id != seller.pk:
            raise TransferCodeRefused([_("This is not your transfer code.")])
        if locked.used_at is not None:
            raise TransferCodeRefused(
                [_("The buyer has already applied with this code: it can no longer be revoked.")]
            )
        if locked.revoked_at is not None:
            raise TransferCodeRefused([_("This code is already revoked.")])
        _revoke(locked, actor_id=seller.pk, now=clock.now(), why="seller")
    logger.info("transfer code %s revoked", locked.pk)
    return locked


def transfer_code_find(
    *, plate: identifiers.Plate, code: str, application: Application | None = None
) -> TransferCode | None:
    """The open, unexpired code ``code`` for the live vehicle with ``plate``, or None whichever is
    wrong. A code already in another application is not open; one in ``application`` is."""
    if len(normalise_code(code)) != CODE_LENGTH:
        return None
    found = (
        TransferCode.objects.select_related("vehicle", "vehicle__registering_samsat")
        .filter(
            code_hash=code_hash(code),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=clock.now(),
            vehicle__state__in=NOT_DELETED,
        )
        .first()
    )
    if found is None or not constant_time_compare(found.vehicle.plate_normalised, plate.normalised):
        return None
    holder = (
        TransferApplication.objects.filter(transfer_code=found)
        .values_list("application_id", flat=True)
        .first()
    )
    if holder is not None and (application is None or holder != application.pk):
        return None
    return found


def codes_of(vehicle: Vehicle, limit: int = 5) -> list[TransferCode]:
    """The vehicle's latest codes (the seller's page), newest first."""
    return list(TransferCode.objects.filter(vehicle=vehicle).order_by("-created_at", "-pk")[:limit])


def reserved_code_ids(codes: list[TransferCode]) -> set[int]:
    """Which of ``codes`` a buyer's application names (one query)."""
    return set(
        TransferApplication.objects.filter(transfer_code__in=[c.pk for c in codes]).values_list(
            "transfer_code_id", flat=True
        )
    )


# --- the buyer's details form ---------------------------------------------------------------


def _lookup_allowed(applicant: Any) -> bool:
    """One attempt of the per-user budget (allauth's limiter, without a request at hand)."""
    request = HttpRequest()
    request.method = "POST"
    usage = allauth_ratelimit.consume(
        request, app="allauth.account", action=LOOKUP_RATE_LIMIT, config=LOOKUP_RATES, user=applicant
    )
    return usage is not None


class OptionalSuffixField(SuffixField):
    """Only the receipt basis asks for the characters; empty is checked by the form's ``clean``."""

    def clean(self, value: Any) -> str:
        if value in (None, "") or not str(value).strip():
            return ""
        return super().clean(value)


class TransferForm(DetailsForm):
    plate = forms.CharField(
        label=_("Plate number"),
        max_length=20,
        help_text=_("As on the STNK, e.g. B 1234 ABC."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    basis = forms.ChoiceField(
        label=_("How do you show that you bought it?"),
        choices=TransferApplication.Basis.choices,
        widget=forms.RadioSelect,
        initial=TransferApplication.Basis.CODE,
        help_text=_(
            "The seller can create a transfer code on the portal (under My vehicles). If the seller has "
            "no account, upload the sale receipt with a Rp 10,000 duty stamp (meterai) and the seller's "
            "KTP after saving the draft: an officer verifies them."
        ),
        error_messages={"required": _("Say how you show that you bought the vehicle.")},
    )
    transfer_code = forms.CharField(
        label=_("Transfer code from the seller"),
        required=False,
        max_length=20,
        help_text=_("12 letters and digits, e.g. ABCD-EFGH-JKMN. Valid 30 days, usable once."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    chassis_suffix = OptionalSuffixField(
        required=False,
        help_text=_("Only with the sale receipt: on the STNK as “No. Rangka” (or NIK/VIN)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vehicle: Vehicle | None = None
        self.code: TransferCode | None = None
        stored = transfer_of(self.application) if self.application is not None else None
        self.stored = stored
        if stored is not None:
            self.initial = {"plate": stored.vehicle.plate_display, "basis": stored.basis, **self.initial}

    def clean_plate(self) -> identifiers.Plate:
        try:
            return identifiers.parse_plate(self.cleaned_data["plate"])
        except identifiers.IdentifierError as exc:
            raise forms.ValidationError(str(exc), code="plate") from exc

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        plate = cleaned.get("plate")
        basis = cleaned.get("basis")
        if plate is None or not basis:
            return cleaned
        code_text = str(cleaned.get("transfer_code") or "").strip()
        suffix = str(cleaned.get("chassis_suffix") or "")
        stored = self.stored
        keep_code = (
            basis == TransferApplication.Basis.CODE
            and not code_text
            and stored is not None
            and stored.transfer_code is not None
            and stored.vehicle.plate_normalised == plate.normalised
        )
        if basis == TransferApplication.Basis.CODE and not code_text and not keep_code:
            self.add_error("transfer_code", _("Enter the transfer code the seller gave you."))
            return cleaned
        if basis == TransferApplication.Basis.RECEIPT and not suffix:
            self.add_error("chassis_suffix", _("Enter the last 5 characters of the chassis number."))
            return cleaned
        if keep_code and stored is not None:
            self.code, self.vehicle = stored.transfer_code, stored.vehicle
        else:
            if not _lookup_allowed(self.applicant):
                raise forms.ValidationError(
                    _("Too many attempts. Wait an hour, then check the plate and the code with the seller."),
                    code="rate_limited",
                )
            if basis == TransferApplication.Basis.CODE:
                self.code = transfer_code_find(plate=plate, code=code_text, application=self.application)
                self.vehicle = self.code.vehicle if self.code is not None else None
            else:
                from vehicles.selectors import vehicle_by_plate_and_suffix

                self.vehicle = vehicle_by_plate_and_suffix(plate, suffix)
            if self.vehicle is None:
                raise forms.ValidationError(GENERIC_LOOKUP_FAILURE, code="no_match")
        index = verified_nik_index(self.applicant) if self.applicant is not None else None
        if index is not None and self.vehicle is not None and self.vehicle.owner_nik_index == index:
            raise forms.ValidationError(
                _("This vehicle is already registered to you: there is no change of ownership to apply for."),
                code="own_vehicle",
            )
        return cleaned

    def subject(self) -> str:
        assert self.vehicle is not None  # noqa: S101 - set by clean()  # nosec B101
        return self.vehicle.plate_display

    def save(self, application: Application) -> None:
        """In the draft's transaction: the code row is locked, so of two buyers entering one code
        at the same moment the second finds it taken (``TransferCodeTaken``)."""
        assert self.vehicle is not None  # noqa: S101 - set by clean()  # nosec B101
        code: TransferCode | None = None
        basis = self.cleaned_data["basis"]
        if basis == TransferApplication.Basis.CODE and self.code is not None:
            code = TransferCode.objects.select_for_update().get(pk=self.code.pk)
            taken = (
                TransferApplication.objects.filter(transfer_code=code)
                .exclude(application=application)
                .exists()
            )
            if taken or code.used_at is not None or code.revoked_at is not None:
                raise TransferCodeTaken()
        TransferApplication.objects.update_or_create(
            application=application,
            defaults={
                "vehicle": self.vehicle,
                "basis": basis,
                "transfer_code": code,
                "seller_nik_index": self.vehicle.owner_nik_index,
                "receipt_verified_at": None,
                "receipt_verified_by_id": None,
            },
        )


# --- reading the application ----------------------------------------------------------------


def transfer_of(application: Application) -> TransferApplication | None:
    return (
        TransferApplication.objects.select_related("vehicle", "vehicle__registering_samsat", "transfer_code")
        .filter(application=application)
        .first()
    )


def _applicant_index(application: Application) -> str | None:
    return verified_nik_index_of(application.applicant_id)


def _receipt_documents_missing(application: Application) -> list[Reason]:
    present = set(
        Attachment.objects.filter(application=application, kind__in=RECEIPT_DOCUMENTS).values_list(
            "kind", flat=True
        )
    )
    missing: list[Reason] = []
    if SALE_RECEIPT not in present:
        missing.append(
            _("Upload the sale receipt bearing a Rp 10,000 duty stamp (meterai), signed by the seller.")
        )
    if SELLER_KTP not in present:
        missing.append(_("Upload a scan of the seller's KTP."))
    return missing


def _code_refusal(code: TransferCode | None, now: dt.datetime) -> list[Reason]:
    if code is None:
        return [_("Enter the transfer code the seller gave you.")]
    if code.revoked_at is not None:
        return [_("The seller revoked this transfer code. Ask the seller for a new one and enter it.")]
    if code.used_at is not None:
        return [_("This transfer code was already used. Ask the seller for a new one.")]
    if now >= code.expires_at:
        return [_("This transfer code expired. Ask the seller for a new one and enter it.")]
    return []


def _vehicle_refusals(row: TransferApplication) -> list[Reason]:
    vehicle = row.vehicle
    if vehicle.state == Vehicle.State.DELETED:
        return [_("The vehicle's registration was deleted: it can no longer change owner.")]
    if vehicle.owner_nik_index != row.seller_nik_index:
        return [_("The vehicle changed owner since this application was made: it cannot go ahead.")]
    reasons: list[Reason] = []
    if vehicle.state == Vehicle.State.BLOCKED:
        reasons.append(
            _(
                "The vehicle is blocked: the seller must have the block lifted at the Samsat where it "
                "is registered."
            )
        )
    if vehicle.reported_stolen:
        reasons.append(_("The vehicle is reported stolen: it cannot change owner."))
    return reasons


def _standing_refusals(vehicle: Vehicle, today: dt.date) -> list[Reason]:
    """A transfer still owes the vehicle's PKB and SWDKLLJ (DOMAIN §2.5), which the annual
    endorsement collects: an overdue endorsement, or an STNK whose 5 years are over, comes first."""
    if today > vehicle.stnk_valid_until:
        return [
            _(
                "The STNK's 5-year validity ended on %(date)s: the 5-year renewal (physical check, new "
                "plates) must be done by the owner at the Samsat where the vehicle is registered before "
                "it can change owner."
            )
            % {"date": date_format(vehicle.stnk_valid_until, "j F Y")}
        ]
    standing = due_dates.standing(vehicle.stnk_valid_until, vehicle.last_endorsed_on, today)
    if standing.status == due_dates.OVERDUE and not standing.is_renewal:
        return [
            _(
                "The vehicle's annual endorsement (PKB and SWDKLLJ) has been overdue since %(date)s. Pay "
                "it first — whoever holds the STNK can pay it with the STNK check (plate and the last 5 "
                "chassis characters) — then submit this application."
            )
            % {"date": date_format(standing.due_on, "j F Y")}
        ]
    return []


# --- guards ---------------------------------------------------------------------------------


def service_eligibility(application: Application) -> list[Reason]:
    """``submit`` (before the bill): the vehicle can change owner to the applicant, the code is
    still good, or the receipt basis's documents are uploaded."""
    row = transfer_of(application)
    if row is None:
        return [_("Enter the plate and the transfer code (or the chassis characters) first.")]
    index = _applicant_index(application)
    if index is None:
        return []  # ``profile_and_identity`` says what to do
    if row.vehicle.owner_nik_index == index:
        return [_("This vehicle is already registered to you: there is no change of ownership to apply for.")]
    reasons = _vehicle_refusals(row)
    if reasons:
        return reasons
    reference = _in_progress(row.vehicle, exclude_application_id=application.pk)
    if reference is not None:
        return [
            _("A change of ownership of this vehicle is already under way (%(reference)s).")
            % {"reference": reference}
        ]
    if row.basis == TransferApplication.Basis.CODE:
        reasons = _code_refusal(row.transfer_code, clock.now())
        if reasons:
            return reasons
    reasons = _standing_refusals(row.vehicle, clock.today())
    if reasons or row.basis == TransferApplication.Basis.CODE:
        return reasons
    return _receipt_documents_missing(application)


def requirements_met(application: Application) -> list[Reason]:
    """``approve`` (at the BPKB unit): a passed physical check, the receipt verified (basis
    ``receipt``), the seller still the owner, the vehicle neither blocked, deleted nor stolen."""
    row = transfer_of(application)
    if row is None:
        return [_("The application names no vehicle.")]
    reasons: list[Reason] = list(physical_check_refusals(application))
    office = application.handling_office
    if office is None or office.kind != Office.Kind.BPKB_UNIT:
        reasons.append(
            _("Forward the application to the BPKB unit of the Polda: it approves and issues the new BPKB.")
        )
    if row.basis == TransferApplication.Basis.RECEIPT and row.receipt_verified_at is None:
        reasons.append(
            _("Verify the stamped sale receipt and the seller's KTP first (the “Change of ownership” panel).")
        )
    reasons.extend(_vehicle_refusals(row))
    if row.vehicle.owner_nik_index == _applicant_index(application):
        reasons.append(_("The vehicle is already registered to the applicant."))
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
        raise RuntimeError(f"the BPKB transfer decides no rule for guards {sorted(missing)}")
    return {name: GUARDS[name] for name in SERVICE_GUARDS}


# --- offices, appointments, money -----------------------------------------------------------


def submit_offices(application: Application) -> QuerySet[Office] | None:
    """The vehicle's registering Samsat only (none before a vehicle is named)."""
    row = transfer_of(application)
    if row is None:
        return Office.objects.none()
    return Office.objects.filter(pk=row.vehicle.registering_samsat_id, kind=Office.Kind.SAMSAT)


def forward_offices(application: Application) -> QuerySet[Office] | None:
    """The BPKB unit of the registering Samsat's Polda."""
    row = transfer_of(application)
    if row is None:
        return Office.objects.none()
    polda_id = row.vehicle.registering_samsat.polda_id
    if polda_id is None:
        return Office.objects.none()
    return Office.objects.filter(kind=Office.Kind.BPKB_UNIT, polda_id=polda_id)


def appointment_kinds(application: Application) -> tuple[str, ...]:
    return (AppointmentSlot.Kind.PHYSICAL_CHECK,)


FEE_ITEMS = ("stnk_new", "tnkb", "bpkb_transfer")


def fee_codes(application: Application) -> tuple[str, ...]:
    """The new STNK, the plates and the BPKB change of ownership, for the vehicle's category."""
    row = transfer_of(application)
    if row is None:
        return ()
    return tuple(vehicle_fee_code(item, row.vehicle.category) for item in FEE_ITEMS)


def other_charges(application: Application) -> tuple[Charge, ...]:
    """The BBNKB line, Rp 0, saying why: shown so the buyer sees it was not forgotten."""
    if transfer_of(application) is None:
        return ()
    return (Charge(kind="tax", label=BBNKB_NOT_APPLICABLE, amount=0),)


def subject(application: Application) -> str:
    row = transfer_of(application)
    return row.vehicle.plate_display if row is not None else application.subject


# --- submit: the code is used ---------------------------------------------------------------


def use_code_on_submit(event: events.TransitionEvent) -> None:
    """``submit`` listener (in the transaction): lock the code and mark it used; a code revoked or
    expired since the guard looked refuses the submission (everything rolls back)."""
    application = event.application
    if application.service_code != SERVICE_CODE:
        return
    row = (
        TransferApplication.objects.filter(application=application).only("transfer_code_id", "basis").first()
    )
    if row is None or row.basis != TransferApplication.Basis.CODE or row.transfer_code_id is None:
        return
    code = (
        TransferCode.objects.select_for_update(of=("self",))
        .select_related("vehicle")
        .get(pk=row.transfer_code_id)
    )
    now = clock.now()
    refusal = _code_refusal(code, now)
    if refusal:
        raise TransitionRefused("guards_failed", refusal)
    code.used_at = now
    code.save(update_fields=["used_at"])
    audit_record(
        action="vehicle.transfer_code_used",
        actor_id=event.actor_id,
        object_type=CODE_OBJECT_TYPE,
        object_id=str(code.public_id),
        details={"vehicle": str(code.vehicle.public_id), "application": str(application.public_id)},
    )


def revoke_code_on_cancel(event: events.TransitionEvent) -> None:
    """``cancel`` listener (in the transaction): a draft withdrawn with a code it reserved frees
    nothing (the link is one-to-one), so the code is revoked; the seller creates a new one."""
    application = event.application
    if application.service_code != SERVICE_CODE or event.from_status != "draft":
        return
    row = TransferApplication.objects.filter(application=application).only("transfer_code_id").first()
    if row is None or row.transfer_code_id is None:
        return
    code = (
        TransferCode.objects.select_for_update(of=("self",))
        .select_related("vehicle")
        .filter(pk=row.transfer_code_id, used_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if code is not None:
        _revoke(code, actor_id=event.actor_id, now=clock.now(), why="buyer_cancelled")


# --- the officer: the receipt basis ---------------------------------------------------------


class ReceiptVerifyRefused(Exception):
    def __init__(self, message: Reason) -> None:
        super().__init__("receipt verification refused")
        self.message = message


RECEIPT_VERIFY_STATES = frozenset({"queued", "in_review", "awaiting_appointment"})


def transfer_receipt_verify(*, application: Application, officer: User) -> TransferApplication:
    """An officer of the handling office (the caller checked the scope) records that the stamped
    sale receipt and the seller's KTP are genuine and name the vehicle and its owner."""
    with transaction.atomic():
        row = TransferApplication.objects.select_for_update().get(application=application)
        locked = Application.objects.get(pk=application.pk)
        if row.basis != TransferApplication.Basis.RECEIPT:
            raise ReceiptVerifyRefused(
                _("This application is based on a transfer code: there is no receipt to verify.")
            )
        if row.receipt_verified_at is not None:
            raise ReceiptVerifyRefused(_("The sale receipt is already verified."))
        if locked.status not in RECEIPT_VERIFY_STATES:
            raise ReceiptVerifyRefused(
                _("The receipt can only be verified while the application is being reviewed.")
            )
        if _receipt_documents_missing(locked):
            raise ReceiptVerifyRefused(
                _("The sale receipt or the seller's KTP is missing: ask for them first.")
            )
        row.receipt_verified_at = clock.now()
        row.receipt_verified_by_id = officer.pk
        row.save(update_fields=["receipt_verified_at", "receipt_verified_by_id"])
        audit_record(
            action="vehicle.transfer_receipt_verified",
            actor_id=officer.pk,
            object_type="applications.application",
            object_id=str(locked.public_id),
            office_id=locked.handling_office_id,
        )
    return row


# --- issue ----------------------------------------------------------------------------------


def new_bpkb_number() -> str:
    """A BPKB number no vehicle has: a series letter and 8 digits."""
    for _attempt in range(20):
        number = secrets.choice(BPKB_SERIES_LETTERS) + f"{secrets.randbelow(10**8):08d}"
        if not Vehicle.objects.filter(bpkb_number=number).exists():
            return number
    raise RuntimeError("no free BPKB number found")  # pragma: no cover — 2.3 × 10⁹ numbers


def transfer_on_issue(event: events.TransitionEvent) -> None:
    """``issue`` listener (in the transaction): the buyer becomes the owner. Refused (the issue
    rolls back) if the vehicle changed owner meanwhile or can no longer change owner."""
    application = event.application
    if application.service_code != SERVICE_CODE:
        return
    row = TransferApplication.objects.select_for_update().get(application=application)
    vehicle = Vehicle.objects.select_for_update().select_related("registering_samsat").get(pk=row.vehicle_id)
    row.vehicle = vehicle
    refusals = _vehicle_refusals(row)
    buyer_index = _applicant_index(application)
    if buyer_index is None:
        refusals.append(_("The applicant's identity is no longer verified."))
    if refusals:
        raise TransitionRefused("guards_failed", refusals)
    assert buyer_index is not None  # noqa: S101 - checked above  # nosec B101
    today = clock.today()
    OwnershipRecord.objects.filter(vehicle=vehicle, to_date__isnull=True).update(to_date=today)
    OwnershipRecord.objects.create(
        vehicle=vehicle,
        owner_nik_index=buyer_index,
        from_date=today,
        how=OwnershipRecord.How.TRANSFER,
        application=application,
    )
    vehicle.owner_nik_index = buyer_index
    vehicle.bpkb_number = new_bpkb_number()
    vehicle.save(update_fields=["owner_nik_index", "bpkb_number"])
    # The seller's proofs of possession go (the vehicle leaves their list); the buyer proved
    # possession at the physical check.
    VehicleClaim.objects.filter(vehicle=vehicle).exclude(user_id=application.applicant_id).delete()
    VehicleClaim.objects.get_or_create(user_id=application.applicant_id, vehicle=vehicle)
    # Any other code of the vehicle (none should be open) can no longer be used.
    TransferCode.objects.filter(vehicle=vehicle, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    row.transferred_on = today
    row.save(update_fields=["transferred_on"])
    VehicleHistoryEntry.objects.create(
        vehicle=vehicle,
        kind=VehicleHistoryEntry.Kind.TRANSFERRED,
        occurred_on=today,
        office_id=application.handling_office_id,
        plate_display=vehicle.plate_display,
        application=application,
    )
    audit_record(
        action="vehicle.transferred",
        actor_id=event.actor_id,
        object_type="vehicle",
        object_id=str(vehicle.public_id),
        details={"application": str(application.public_id), "basis": row.basis},
        office_id=application.handling_office_id,
    )
    from vehicles.estnk import issue_estnk

    actor = User.objects.filter(pk=event.actor_id).first() if event.actor_id is not None else None
    issue_estnk(application=application, vehicle=vehicle, actor=actor)
    ebpkb.issue_ebpkb(application=application, vehicle=vehicle, actor=actor)
    logger.info("vehicle %s transferred by application %s", vehicle.pk, application.pk)


def documents_of(application: Application) -> list[IssuedDocument]:
    from documents.models import IssuedDocument

    return list(IssuedDocument.objects.filter(application=application).order_by("kind"))


# --- the definition -------------------------------------------------------------------------


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        code=SERVICE_CODE,
        name=_("Change of ownership (BPKB transfer)"),
        description=_(
            "For the buyer of a second-hand vehicle: the vehicle, its STNK and its BPKB are put in your "
            "name. You need the plate and the transfer code the seller gives you on the portal, or the "
            "stamped sale receipt and the seller's KTP. You bring the vehicle for a physical check at "
            "the Samsat where it is registered; the Polda's BPKB unit issues the new BPKB."
        ),
        reference_prefix=REFERENCE_PREFIX,
        route=(Office.Kind.SAMSAT, Office.Kind.BPKB_UNIT),
        subject=subject,
        guards=_guards(),
        required_documents=(),
        optional_documents=RECEIPT_DOCUMENTS,
        approves_on_payment=False,
        payment_window_days=7,
        standard_working_days=14,
        delivery_choices=(DeliveryChoice.COURIER, DeliveryChoice.COLLECTION),
        document_kind=ebpkb.KIND,
        needs_appointment=needs_physical_check,
        appointment_kinds=appointment_kinds,
        details_form=TransferForm,
        submit_offices=submit_offices,
        forward_offices=forward_offices,
        fee_codes=fee_codes,
        other_charges=other_charges,
        listed_fee_codes=tuple(
            vehicle_fee_code(item, wheels) for item in FEE_ITEMS for wheels in ("2w", "4w")
        ),
    )


def _sell_url(vehicle: Vehicle) -> str:
    return reverse("vehicles:transfer_sell", kwargs={"public_id": vehicle.public_id})


OFFER = offers.ServiceOffer(
    code=OFFER_CODE,
    order=30,
    title=_("Sell this vehicle (transfer of ownership)"),
    action=_("Give the buyer a transfer code"),
    url=_sell_url,
    refusals=seller_refusals_for,
    unavailable=_("You cannot give a transfer code for this vehicle now:"),
)


def register() -> None:
    """Called once from VehiclesConfig.ready(): the documents, the service, the offer, listeners
    and the officer's panel."""
    from vehicles import views_transfer

    ebpkb.register()
    register_service(definition())
    offers.register_offer(OFFER)
    events.listen("submit", use_code_on_submit, phase="in_transaction")
    events.listen("issue", transfer_on_issue, phase="in_transaction")
    events.listen("cancel", revoke_code_on_cancel, phase="in_transaction")
    events.register_review_panel(views_transfer.receipt_panel)
