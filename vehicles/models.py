"""The vehicle registry (issue 8, point 1): what Samsat records about each registered vehicle.

* ``RegionCode`` — the plate region codes (DOMAIN.md §5.3), seeded from
  ``vehicles/reference/region_codes.py``. A plate's region code must be one of them: a
  consistency check only — the province that taxes a vehicle is that of its registering Samsat.
* ``Vehicle`` — one registered vehicle. It belongs to a person by the blind index of their
  NIK (``owner_nik_index``, computed as ``accounts.services.nik_index``), so it is theirs once
  their identity is verified (``accounts.selectors.verified_nik_index``, the one door); the NIK
  itself is never stored here. Plate and chassis number are unique among vehicles that are not
  deleted. A deleted registration (UU 22/2009 Pasal 74) stays as a row, never to be endorsed or
  renewed again.
* ``OwnershipRecord`` — the ownership history, one row per owner and period; exactly one open
  row (``to_date`` empty) per vehicle.
* ``VehicleClaim`` — a citizen proved possession of a vehicle registered to their NIK by the
  last 5 characters of its chassis number (as SIGNAL does); until then the vehicle is locked.
* ``EndorsementReminder`` — which due-date reminders went out (``vehicles/reminders.py``), so
  each goes once per vehicle and due date.
* ``VehicleImport`` — one CSV import by Samsat staff and its per-row report. The rejected rows
  (which hold owners' NIKs) are kept encrypted for a few days so the officer can download and
  correct them, then erased.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from korlantas.lib import clock
from offices.models import plate_region_code_validator

REJECTED_ROWS_PURPOSE = "vehicles.vehicleimport.rejected_rows"
NOT_DELETED = ("active", "blocked")


class RegionCode(models.Model):
    code = models.CharField(_("code"), max_length=2, unique=True, validators=[plate_region_code_validator])
    group = models.CharField(_("area"), max_length=60, help_text=_("E.g. Sumatra, East Java."))
    covers = models.CharField(_("covers"), max_length=300)
    province_codes = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("province codes"),
        default=list,
        blank=True,
        help_text=_("Kemendagri codes (the first two NIK digits) of the provinces it covers."),
    )
    confirmed = models.BooleanField(
        _("confirmed by the sources"),
        default=True,
        help_text=_("Unticked for codes commonly listed but not confirmed by the retrieved sources."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("plate region code")
        verbose_name_plural = _("plate region codes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{1,2}$"), name="vehicles_region_code_format"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.covers}"


class Vehicle(models.Model):
    class Category(models.TextChoices):
        """Values match payments.fees.WHEELS (the fee of each vehicle item depends on it)."""

        TWO_WHEEL = "2w", _("2- or 3-wheel")
        FOUR_WHEEL = "4w", _("4 or more wheels")

    class Fuel(models.TextChoices):
        PETROL = "petrol", _("Petrol")
        DIESEL = "diesel", _("Diesel")
        ELECTRIC = "electric", _("Electric")
        HYBRID = "hybrid", _("Hybrid")
        GAS = "gas", _("Gas (CNG/LPG)")

    class PlateColour(models.TextChoices):
        """Perpol 7/2021 Pasal 45 (DOMAIN.md §5.3)."""

        WHITE = "white", _("White, black text (private)")
        BLACK = "black", _("Black, white text (private, before 2022)")
        YELLOW = "yellow", _("Yellow (public transport)")
        RED = "red", _("Red (government)")
        GREEN = "green", _("Green (free-trade zone)")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")
        DELETED = "deleted", _("Registration deleted")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plate_display = models.CharField(_("plate"), max_length=12)
    plate_normalised = models.CharField(_("plate (normalised)"), max_length=10, db_index=True)
    region_code = models.CharField(_("region code"), max_length=2)
    chassis_number = models.CharField(_("chassis number"), max_length=25)
    chassis_legacy_reason = models.CharField(
        _("reason for a non-17-character chassis number"), max_length=300, blank=True
    )
    engine_number = models.CharField(_("engine number"), max_length=25)
    make = models.CharField(_("make"), max_length=60)
    model = models.CharField(_("model"), max_length=80)
    vehicle_type = models.CharField(_("type"), max_length=60, blank=True)
    category = models.CharField(_("category"), max_length=2, choices=Category.choices)
    engine_cc = models.PositiveIntegerField(_("engine capacity (cc)"))
    colour = models.CharField(_("colour"), max_length=40)
    year_made = models.PositiveSmallIntegerField(_("year made"))
    fuel = models.CharField(_("fuel"), max_length=10, choices=Fuel.choices)
    plate_colour = models.CharField(_("plate colour"), max_length=10, choices=PlateColour.choices)
    njkb = models.PositiveBigIntegerField(_("taxable value (NJKB, rupiah)"))
    registering_samsat = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "samsat"},
        verbose_name=_("registering Samsat"),
    )
    stnk_valid_until = models.DateField(_("STNK valid until"))
    last_endorsed_on = models.DateField(_("last annual endorsement"), null=True, blank=True)
    bpkb_number = models.CharField(_("BPKB number"), max_length=20, blank=True)
    owner_nik_index = models.CharField(max_length=64, db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    state_reason = models.CharField(_("reason"), max_length=200, blank=True)
    reported_stolen = models.BooleanField(
        _("reported stolen"),
        default=False,
        help_text=_("A payment for this vehicle then goes to an officer instead of approving itself."),
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["plate_normalised", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plate_normalised"],
                condition=Q(state__in=NOT_DELETED),
                name="vehicles_one_live_vehicle_per_plate",
            ),
            models.UniqueConstraint(
                fields=["chassis_number"],
                condition=Q(state__in=NOT_DELETED),
                name="vehicles_one_live_vehicle_per_chassis",
            ),
            models.CheckConstraint(
                condition=Q(plate_normalised__regex=r"^[A-Z]{1,2}[1-9][0-9]{0,3}[A-Z]{0,3}$"),
                name="vehicles_plate_normalised_format",
            ),
            models.CheckConstraint(
                condition=Q(chassis_number__regex=r"^[A-HJ-NPR-Z0-9]{17}$")
                | (Q(chassis_number__regex=r"^[A-Z0-9]{6,25}$") & ~Q(chassis_legacy_reason="")),
                name="vehicles_chassis_iso_or_legacy_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(state="active") | ~Q(state_reason=""), name="vehicles_state_reason_given"
            ),
            models.CheckConstraint(
                condition=Q(state__in=("active", "blocked", "deleted")), name="vehicles_state"
            ),
            models.CheckConstraint(condition=Q(category__in=("2w", "4w")), name="vehicles_category"),
            models.CheckConstraint(condition=Q(year_made__gte=1900), name="vehicles_year_made"),
        ]

    def __str__(self) -> str:
        return f"{self.plate_display} ({self.make} {self.model})"

    @property
    def masked_chassis(self) -> str:
        """Never more than the last 5 characters (what the owner proved), wherever it is shown."""
        hidden = max(len(self.chassis_number) - 5, 0)
        return "•" * hidden + self.chassis_number[-5:]

    @property
    def is_deleted(self) -> bool:
        return self.state == self.State.DELETED


class OwnershipRecord(models.Model):
    class How(models.TextChoices):
        REGISTRATION = "registration", _("First registration")
        TRANSFER = "transfer", _("Transfer of ownership")
        IMPORT = "import", _("Recorded from an earlier register")

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="ownership_records")
    owner_nik_index = models.CharField(max_length=64, db_index=True)
    from_date = models.DateField(_("owner from"))
    to_date = models.DateField(_("owner until"), null=True, blank=True)
    how = models.CharField(_("how"), max_length=12, choices=How.choices)
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("ownership record")
        verbose_name_plural = _("ownership history")
        ordering = ["vehicle", "from_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"], condition=Q(to_date__isnull=True), name="vehicles_one_current_owner"
            ),
            models.CheckConstraint(
                condition=Q(to_date__isnull=True) | Q(to_date__gte=models.F("from_date")),
                name="vehicles_ownership_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.from_date}–{self.to_date or ''}"


class VehicleClaim(models.Model):
    """Possession proven: the user typed the last 5 characters of the chassis number."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vehicle_claims"
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="claims")
    proven_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("possession proof")
        verbose_name_plural = _("possession proofs")
        constraints = [
            models.UniqueConstraint(fields=["user", "vehicle"], name="vehicles_one_claim_per_user")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} → vehicle {self.vehicle_id}"


class VehicleImport(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("Samsat")
    )
    actor_id = models.PositiveBigIntegerField(_("imported by (user id)"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("imported at"), default=clock.now, editable=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # [{"row": 2, "plate": "B 1234 ABC", "accepted": false, "reasons": [...], "warnings": [...]}]
    # — plates and reasons only: no NIK, no name, no value a reason would repeat.
    report = models.JSONField(default=list, blank=True)
    # The rejected rows as CSV (header included), encrypted (REJECTED_ROWS_PURPOSE); emptied
    # once ``rejected_rows_until`` has passed.
    rejected_rows_ciphertext = models.TextField(blank=True)
    rejected_rows_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("vehicle import")
        verbose_name_plural = _("vehicle imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"import {self.public_id} ({self.accepted}/{self.rows})"

    @property
    def rejected_rows_available(self) -> bool:
        return bool(self.rejected_rows_ciphertext) and (
            self.rejected_rows_until is None or clock.now() < self.rejected_rows_until
        )


# --- the annual endorsement (issue 8, point 3): reference data and the detail row ----------


class ProvinceTaxRule(models.Model):
    """The PKB rates and late-fine rule of one province (a provincial regulation; editable by
    administrators). Rates are in basis points (1 % = 100). ``progressive_rates_bp`` are the
    rates of the owner's 2nd, 3rd, … vehicle in the province; the last one applies to every
    further vehicle. A province without a row uses ``vehicles.endorsement.NATIONAL_DEFAULT``."""

    province = models.OneToOneField(
        "offices.Province", on_delete=models.CASCADE, related_name="+", verbose_name=_("province")
    )
    first_rate_bp = models.PositiveIntegerField(
        _("PKB rate, first vehicle (basis points)"), help_text=_("1 % = 100.")
    )
    progressive_rates_bp = ArrayField(
        models.PositiveIntegerField(),
        verbose_name=_("progressive PKB rates (basis points)"),
        default=list,
        blank=True,
        help_text=_("2nd, 3rd, … vehicle; the last applies to every further vehicle."),
    )
    fine_bp_per_month = models.PositiveIntegerField(_("PKB late fine per month (basis points)"), default=200)
    fine_max_months = models.PositiveSmallIntegerField(_("late fine: at most this many months"), default=24)
    source = models.CharField(_("source or assumption"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("provincial vehicle tax rule")
        verbose_name_plural = _("provincial vehicle tax rules")
        ordering = ["province__code"]

    def __str__(self) -> str:
        return f"PKB {self.province_id}: {self.first_rate_bp} bp"


class SwdklljTariff(models.Model):
    """The Jasa Raharja levy (SWDKLLJ) by category and engine capacity, and its flat late fine
    per year late. The row with the smallest ``cc_max`` not below the vehicle's capacity
    applies (an empty ``cc_max``: no upper bound)."""

    category = models.CharField(_("category"), max_length=2, choices=Vehicle.Category.choices)
    cc_max = models.PositiveIntegerField(_("up to (cc)"), null=True, blank=True)
    amount = models.PositiveIntegerField(_("levy (rupiah)"))
    late_fine = models.PositiveIntegerField(_("late fine (rupiah)"), default=0)
    source = models.CharField(_("source or assumption"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("SWDKLLJ tariff")
        verbose_name_plural = _("SWDKLLJ tariffs")
        ordering = ["category", models.F("cc_max").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["category", "cc_max"], name="vehicles_one_swdkllj_per_band")
        ]

    def __str__(self) -> str:
        return f"SWDKLLJ {self.category} ≤{self.cc_max or '∞'} cc: {self.amount}"


class EndorsementApplication(models.Model):
    """The detail row of an ``stnk_endorsement`` application: the vehicle, and once issued the
    period the endorsement covers."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="stnk_endorsement"
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="endorsements")
    covered_from = models.DateField(_("endorsement period from"), null=True, blank=True)
    covered_until = models.DateField(_("endorsement period until"), null=True, blank=True)
    endorsed_on = models.DateField(_("endorsed on"), null=True, blank=True)
    # Paid by whoever holds the STNK (plate and the last 5 chassis characters, as at a Samsat
    # counter), not by the owner: the applicant then sees only what the bill needs.
    by_stnk_holder = models.BooleanField(_("paid by the STNK holder"), default=False)

    class Meta:
        verbose_name = _("STNK endorsement application")
        verbose_name_plural = _("STNK endorsement applications")

    def __str__(self) -> str:
        return f"endorsement of vehicle {self.vehicle_id} (application {self.application_id})"


class EndorsementReminder(models.Model):
    """One due-date reminder sent for a vehicle: ``threshold`` is "30", "7" or "overdue"."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="reminders")
    due_on = models.DateField()
    threshold = models.CharField(max_length=10)
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle", "due_on", "threshold"], name="vehicles_endorsement_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.due_on} {self.threshold}"


# --- issue 8, points 4–8: the services that change a registration ------------------------------
# Each service keeps its own detail row (one per application, as ``EndorsementApplication``);
# ``VehicleHistoryEntry`` is the registration's own history, which every service appends to.


def physical_check_upload_to(instance: PhysicalCheck, filename: str) -> str:
    """``physical-checks/<yyyy>/<mm>/<uuid4>.jpg``: the client's file name is never used (the
    rubbings are re-encoded as JPEG or PNG by ``applications.uploads``; the extension is kept)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    if extension not in ("jpg", "png"):
        extension = "jpg"
    now = clock.now()
    return f"physical-checks/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{extension}"


class PhysicalCheck(models.Model):
    """The officer's physical check (cek fisik) of a vehicle at an appointment: the chassis and
    engine numbers stamped on it compared with the registry, with photos of the rubbings
    (gesekan). One per booking; the booking's outcome is a pass only when both numbers match."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    booking = models.OneToOneField(
        "applications.Booking", on_delete=models.PROTECT, related_name="physical_check"
    )
    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="physical_checks")
    chassis_matches = models.BooleanField(_("chassis number matches the registry"))
    engine_matches = models.BooleanField(_("engine number matches the registry"))
    chassis_rubbing = models.FileField(
        _("photo of the chassis number rubbing"), upload_to=physical_check_upload_to, max_length=120
    )
    engine_rubbing = models.FileField(
        _("photo of the engine number rubbing"), upload_to=physical_check_upload_to, max_length=120
    )
    notes = models.TextField(_("notes"), blank=True)
    officer_id = models.PositiveBigIntegerField(_("checked by (user id)"))
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now)

    class Meta:
        verbose_name = _("physical check")
        verbose_name_plural = _("physical checks")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"physical check {self.public_id}"

    @property
    def passed(self) -> bool:
        return self.chassis_matches and self.engine_matches


class RenewalApplication(models.Model):
    """Service ``stnk_renewal``: the 5-year renewal (new STNK, new plates)."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="stnk_renewal"
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="renewals")
    previous_valid_until = models.DateField(_("STNK valid until, before"), null=True, blank=True)
    new_valid_until = models.DateField(_("STNK valid until, after"), null=True, blank=True)
    renewed_on = models.DateField(_("renewed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("STNK renewal")
        verbose_name_plural = _("STNK renewals")

    def __str__(self) -> str:
        return f"renewal of vehicle {self.vehicle_id}"


class TransferCode(models.Model):
    """A one-time code the owner (seller) gives the buyer: valid 30 days, revocable, used once.

    Only a keyed hash of the code is stored (``code_hash``); the seller sees the code once, when
    it is created. At most one open (unused, unrevoked) code per vehicle."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="transfer_codes")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seller_nik_index = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    expires_at = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer code")
        verbose_name_plural = _("transfer codes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="vehicles_one_open_transfer_code",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="vehicles_transfer_code_used_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"transfer code {self.public_id}"


class TransferApplication(models.Model):
    """Service ``bpkb_transfer``: the buyer's application for a change of ownership."""

    class Basis(models.TextChoices):
        CODE = "code", _("Transfer code from the seller")
        RECEIPT = "receipt", _("Stamped sale receipt and the seller's KTP")

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="bpkb_transfer"
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="transfers")
    basis = models.CharField(_("basis"), max_length=8, choices=Basis.choices)
    # One application per code: a second application with the same code is refused by the database.
    transfer_code = models.OneToOneField(
        TransferCode, on_delete=models.PROTECT, null=True, blank=True, related_name="application"
    )
    # The owner when the application was made (blind index): the transfer is refused if it changed.
    seller_nik_index = models.CharField(max_length=64)
    receipt_verified_at = models.DateTimeField(_("sale receipt verified at"), null=True, blank=True)
    receipt_verified_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    transferred_on = models.DateField(_("transferred on"), null=True, blank=True)

    class Meta:
        verbose_name = _("BPKB transfer")
        verbose_name_plural = _("BPKB transfers")
        constraints = [
            models.CheckConstraint(
                condition=Q(basis="receipt") | Q(transfer_code__isnull=False),
                name="vehicles_transfer_code_basis_has_code",
            ),
        ]

    def __str__(self) -> str:
        return f"transfer of vehicle {self.vehicle_id}"


class BpkbReplacementApplication(models.Model):
    """Service ``bpkb_replacement``: a lost or damaged BPKB."""

    class Reason(models.TextChoices):
        LOST = "lost", _("Lost")
        DAMAGED = "damaged", _("Damaged")

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="bpkb_replacement"
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="bpkb_replacements")
    reason = models.CharField(_("reason"), max_length=8, choices=Reason.choices)
    # Lost only: the book was pledged as collateral (the lender's letter replaces the statement).
    pledged = models.BooleanField(_("pledged as collateral"), default=False)
    previous_bpkb_number = models.CharField(_("previous BPKB number"), max_length=20, blank=True)
    replaced_on = models.DateField(_("replaced on"), null=True, blank=True)

    class Meta:
        verbose_name = _("BPKB replacement")
        verbose_name_plural = _("BPKB replacements")

    def __str__(self) -> str:
        return f"BPKB replacement for vehicle {self.vehicle_id}"


class MutationApplication(models.Model):
    """Service ``vehicle_mutation``: moving the registration to a Samsat of another region."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="vehicle_mutation"
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="mutations")
    origin_samsat = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("origin Samsat")
    )
    destination_samsat = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("destination Samsat")
    )
    # The new address, encrypted with ``korlantas.lib.pii`` (purpose ``vehicles.mutation_address``).
    new_address_ciphertext = models.TextField(blank=True)
    previous_plate = models.CharField(_("previous plate"), max_length=12, blank=True)
    new_plate = models.CharField(_("new plate"), max_length=12, blank=True)
    released_at = models.DateTimeField(_("file released at"), null=True, blank=True)
    moved_on = models.DateField(_("moved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("move to another region")
        verbose_name_plural = _("moves to another region")

    def __str__(self) -> str:
        return f"mutation of vehicle {self.vehicle_id}"


class VehicleHistoryEntry(models.Model):
    """What happened to a registration, where: shown on the vehicle's page (owners never named)."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ENDORSED = "endorsed", _("Annual endorsement")
        RENEWED = "renewed", _("5-year renewal, new plates")
        TRANSFERRED = "transferred", _("Change of ownership")
        BPKB_REPLACED = "bpkb_replaced", _("BPKB replaced")
        MOVED_OUT = "moved_out", _("Registration released to another region")
        MOVED_IN = "moved_in", _("Registration received from another region")
        DELETION_WARNING = "deletion_warning", _("Registration deletion warning")
        DELETED = "deleted", _("Registration deleted")
        DELETION_WITHDRAWN = "deletion_kept", _("Registration kept after review")

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plate_display = models.CharField(_("plate"), max_length=12, blank=True)
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("registration history entry")
        verbose_name_plural = _("registration history")
        ordering = ["vehicle", "occurred_on", "pk"]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.kind} {self.occurred_on}"


class DeletionWarning(models.Model):
    """One of the three warnings before a registration is deleted (Perpol 7/2021 Pasal 85),
    for the STNK validity that ended on ``stnk_expired_on``. Unique per vehicle, expiry and number,
    so a job run twice sends each once."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="deletion_warnings")
    stnk_expired_on = models.DateField()
    number = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("deletion warning")
        verbose_name_plural = _("deletion warnings")
        ordering = ["vehicle", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle", "stnk_expired_on", "number"], name="vehicles_one_deletion_warning_each"
            ),
            models.CheckConstraint(
                condition=Q(number__in=(1, 2, 3)), name="vehicles_deletion_warning_number"
            ),
        ]

    def __str__(self) -> str:
        return f"deletion warning {self.number} for vehicle {self.vehicle_id}"


class DeletionCase(models.Model):
    """A vehicle listed for an officer's deletion decision after the third warning."""

    class Decision(models.TextChoices):
        DELETE = "delete", _("Delete the registration")
        KEEP = "keep", _("Keep the registration")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="deletion_cases")
    stnk_expired_on = models.DateField()
    listed_at = models.DateTimeField(default=clock.now)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("deletion case")
        verbose_name_plural = _("deletion cases")
        ordering = ["listed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle", "stnk_expired_on"], name="vehicles_one_deletion_case_per_expiry"
            ),
            models.CheckConstraint(
                condition=Q(decision="") | (~Q(reason="") & Q(decided_at__isnull=False)),
                name="vehicles_deletion_decision_reasoned",
            ),
        ]

    def __str__(self) -> str:
        return f"deletion case {self.public_id}"
