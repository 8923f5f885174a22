"""Money (DESIGN §5): fee schedules, bills, payments received, refunds.

* A ``FeeSchedule`` is a dated set of ``Fee`` rows (PNBP tariffs of PP 76/2020 and the courier
  postage per delivery zone). The schedule in force on a day is the one with the latest
  ``effective_from`` not after it; a bill copies the amounts it uses into its lines, so a later
  schedule never changes a bill already issued.
* A ``Bill`` is what the citizen pays: a 15-digit billing code, lines, total, expiry, state.
  One application may have several bills over time (an expired bill is replaced by a new one
  within the payment window); at most one is open at a time.
* A ``Payment`` is money a gateway says it received for a billing code. It is either applied
  (the bill is paid and the application moves on) or, when it arrives too late or twice,
  kept and refunded — never lost and never applied twice.
* A ``GatewayEvent`` remembers every accepted callback event id, so a replay changes nothing.
* A ``Refund`` returns money: created automatically, it waits for the citizen's account, then
  goes through the gateway exactly once.

Rupiah are integers everywhere.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from korlantas.lib import clock


class FeeSchedule(models.Model):
    name = models.CharField(_("name"), max_length=120, help_text=_("E.g. PP 76/2020."))
    effective_from = models.DateField(
        _("in force from"), unique=True, help_text=_("The first day (Jakarta time) bills use this schedule.")
    )
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%Y-%m-%d})"


class Fee(models.Model):
    """One amount of a schedule. ``code`` names it for the services (``payments.fees.FEES``
    describes every code: its label, its group and its unit)."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="fees")
    code = models.CharField(_("code"), max_length=40)
    amount = models.PositiveBigIntegerField(_("amount (Rp)"))

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["schedule", "code"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "code"], name="payments_fee_once_per_schedule")
        ]

    def __str__(self) -> str:
        return f"{self.code}: Rp {self.amount}"


class Bill(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Awaiting payment")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="bills",
        verbose_name=_("application"),
    )
    # The office handling the application when the bill was issued: the settlement report's key.
    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office"),
    )
    billing_code = models.CharField(_("billing code"), max_length=15, unique=True, editable=False)
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, related_name="bills")
    gateway = models.CharField(_("gateway"), max_length=20)
    total = models.PositiveBigIntegerField(_("total (Rp)"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    issued_at = models.DateTimeField(_("issued"), default=clock.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["-issued_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "expires_at"], name="payments_bills_by_expiry"),
            models.Index(fields=["office", "paid_at"], name="payments_bills_settled"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(state="open"), name="payments_one_open_bill"
            ),
            models.UniqueConstraint(
                fields=["application"], condition=Q(state="paid"), name="payments_one_paid_bill"
            ),
            models.CheckConstraint(
                condition=Q(billing_code__regex=r"^[0-9]{15}$"), name="payments_code_format"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "paid", "expired", "cancelled", "refunded"]),
                name="payments_bill_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(paid_at__isnull=False), name="payments_paid_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.billing_code


class BillLine(models.Model):
    class Kind(models.TextChoices):
        PNBP = "pnbp", _("State fee (PNBP)")
        TAX = "tax", _("Tax")
        INSURANCE = "insurance", _("Mandatory insurance (SWDKLLJ)")
        FINE = "fine", _("Late fine")
        POSTAGE = "postage", _("Postage")

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The schedule's fee code for PNBP and postage lines; empty for a service's own charge.
    fee_code = models.CharField(max_length=40, blank=True)
    label = models.CharField(_("item"), max_length=200)
    # For a service's own charge: the label's msgid and values (``payments.labels``), so pages
    # show it in the reader's language; ``label`` keeps the English text.
    label_params = models.JSONField(default=dict, blank=True)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    unit_amount = models.PositiveBigIntegerField(_("unit amount (Rp)"))
    amount = models.PositiveBigIntegerField(_("amount (Rp)"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["bill", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=models.F("unit_amount") * models.F("quantity")),
                name="payments_line_arithmetic",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}: Rp {self.amount}"

    @property
    def display_label(self) -> str:
        """The label in the reader's language: the fee's own for a schedule code, else the
        stored English label through the catalogue."""
        from payments.fees import FEES

        if self.fee_code in FEES:
            return str(FEES[self.fee_code].label)
        if self.label_params:
            from payments.labels import render_label

            return render_label(self.label_params)
        return gettext(self.label)


class Payment(models.Model):
    class Disposition(models.TextChoices):
        APPLIED = "applied", _("Applied to the application")
        REFUNDED = "refund", _("To be refunded")

    class Via(models.TextChoices):
        CALLBACK = "callback", _("Bank callback")
        RECONCILE = "reconcile", _("Status query")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(_("gateway"), max_length=20)
    # The bank's own reference of the transfer: a second report of it is the same payment.
    gateway_reference = models.CharField(_("bank reference"), max_length=64)
    amount = models.PositiveBigIntegerField(_("amount (Rp)"))
    paid_at = models.DateTimeField(_("paid at the bank"))
    received_at = models.DateTimeField(_("received"), default=clock.now)
    via = models.CharField(_("reported by"), max_length=10, choices=Via.choices)
    disposition = models.CharField(_("disposition"), max_length=10, choices=Disposition.choices)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "gateway_reference"], name="payments_reference_once"),
            models.UniqueConstraint(
                fields=["bill"], condition=Q(disposition="applied"), name="payments_applied_once_per_bill"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.gateway_reference} Rp {self.amount}"


class GatewayEvent(models.Model):
    """A callback event a gateway sent and we accepted: its id is accepted once."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=80)
    received_at = models.DateTimeField(default=clock.now)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )

    class Meta:
        verbose_name = _("gateway event")
        verbose_name_plural = _("gateway events")
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="payments_event_once")]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.event_id}"


class Refund(models.Model):
    class Reason(models.TextChoices):
        REJECTED = "rejected", _("The application was rejected")
        LAPSED = "lapsed", _("The application lapsed")
        CANCELLED = "cancelled", _("The application was cancelled after payment")
        LATE = "late", _("Paid after the application was closed")
        REPLACED = "replaced", _("Paid a bill that had been replaced")
        DUPLICATE = "duplicate", _("The application was already paid")

    class State(models.TextChoices):
        AWAITING_ACCOUNT = "awaiting_account", _("Waiting for your bank account")
        AWAITING_CHECK = "awaiting_check", _("An officer is checking the account holder")
        QUEUED = "queued", _("Being sent to the bank")
        PAID = "paid", _("Paid back")
        FAILED = "failed", _("The bank refused it; an officer will contact you")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("application"),
    )
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund")
    amount = models.PositiveBigIntegerField(_("amount (Rp)"))
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.AWAITING_ACCOUNT)
    bank = models.CharField(_("bank"), max_length=12, blank=True)
    # The account number is personal data: encrypted (korlantas.lib.pii), shown masked.
    account_number_ciphertext = models.TextField(blank=True)
    account_number_last4 = models.CharField(max_length=4, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=100, blank=True)
    holder_matches_profile = models.BooleanField(null=True)
    checked_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    gateway_reference = models.CharField(max_length=64, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    account_given_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(_("paid back"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="payments_refunds_by_state")]

    def __str__(self) -> str:
        return f"refund {self.public_id} Rp {self.amount}"


class SandboxBill(models.Model):
    """A billing code as the sandbox bank knows it (``SandboxGateway.create_bill``)."""

    billing_code = models.CharField(max_length=15, unique=True)
    amount = models.PositiveBigIntegerField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sandbox bill")
        verbose_name_plural = _("sandbox bills")

    def __str__(self) -> str:
        return f"sandbox bill {self.billing_code}"


class SandboxTransfer(models.Model):
    """The sandbox bank's own ledger: what its teller page paid. Only the sandbox gateway
    reads or writes it; our side learns of a transfer only through the webhook or a status
    query, as with a real bank."""

    class Callback(models.TextChoices):
        ONCE = "once", _("Send the callback")
        DROP = "drop", _("Pay, but drop the callback")
        TWICE = "twice", _("Send the callback twice")

    reference = models.CharField(max_length=64, unique=True)
    billing_code = models.CharField(max_length=15, db_index=True)
    amount = models.PositiveBigIntegerField()
    paid_at = models.DateTimeField(default=clock.now)
    callback = models.CharField(max_length=6, choices=Callback.choices, default=Callback.ONCE)
    callbacks_sent = models.PositiveSmallIntegerField(default=0)
    last_callback_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox transfer")
        verbose_name_plural = _("sandbox transfers")
        ordering = ["-paid_at", "-pk"]

    def __str__(self) -> str:
        return f"sandbox {self.reference}"


class SandboxRefund(models.Model):
    """The sandbox bank's record of a refund it paid out (once per refund)."""

    refund_public_id = models.UUIDField(unique=True)
    reference = models.CharField(max_length=64, unique=True)
    amount = models.PositiveBigIntegerField()
    paid_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("sandbox refund")
        verbose_name_plural = _("sandbox refunds")

    def __str__(self) -> str:
        return f"sandbox refund {self.reference}"
