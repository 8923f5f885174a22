"""Driving licences (SIM) held, what a SIM application asks for, and renewal dispensations.

* ``Licence`` — one row per class a person holds (DOMAIN.md §1.8: "a separate row per class").
  It belongs to a person by the blind index of their NIK (``holder_nik_index``), so licences
  issued before the person had an account are theirs once their identity is verified
  (``accounts.selectors.verified_nik_index``, the one door). The number is personal data:
  encrypted, searchable by its own blind index, shown masked. Cards since 25 July 2024 carry the
  holder's NIK as the number; older cards have 12–14 digits and are kept as they are.
* ``SimApplication`` — the detail row of an application of one of the SIM services.
* ``RenewalDispensation`` — a window an administrator declares (a holiday extension, a force
  majeure decision of the Kakorlantas) during which licences that expired in a given period may
  still be renewed.
* ``LicenceReminder`` — which expiry reminders went out, so each goes once.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from korlantas.lib import clock

NUMBER_PURPOSE = "licensing.licence.number"
PASSPORT_PURPOSE = "licensing.simapplication.passport_number"


class SimClass(models.TextChoices):
    """Perpol 5/2021 Pasal 3 (DOMAIN.md §1.1). Values match payments.fees.SIM_CLASSES."""

    A = "a", "A"
    A_UMUM = "a_umum", "A Umum"
    B1 = "b1", "B I"
    B1_UMUM = "b1_umum", "B I Umum"
    B2 = "b2", "B II"
    B2_UMUM = "b2_umum", "B II Umum"
    C = "c", "C"
    C1 = "c1", "C I"
    C2 = "c2", "C II"
    D = "d", "D"
    D1 = "d1", "D I"
    INTERNATIONAL = "international", _("International")


class Licence(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        REPLACED = "replaced", _("Replaced")
        REVOKED = "revoked", _("Revoked")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder_nik_index = models.CharField(max_length=64, db_index=True)
    sim_class = models.CharField(_("class"), max_length=16, choices=SimClass.choices)
    number_ciphertext = models.TextField()
    number_index = models.CharField(max_length=64, db_index=True)
    number_last4 = models.CharField(max_length=4)
    # True for the card format of 25 July 2024 on: the number is the holder's NIK.
    number_is_nik = models.BooleanField(default=False)
    issued_on = models.DateField(_("issued"))
    expires_on = models.DateField(_("valid until"))
    issuing_office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issuing office"),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    state_reason = models.CharField(_("reason"), max_length=200, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )
    # The application that issued it (none for licences imported or seeded from older systems).
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, null=True, blank=True, related_name="licences"
    )
    # The e-SIM card document (documents.IssuedDocument, kind "sim_card").
    document = models.ForeignKey(
        "documents.IssuedDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["holder_nik_index", "sim_class", "-issued_on"]
        indexes = [models.Index(fields=["state", "expires_on"], name="licensing_by_expiry")]
        constraints = [
            models.UniqueConstraint(
                fields=["holder_nik_index", "sim_class"],
                condition=Q(state="active"),
                name="licensing_one_active_licence_per_class",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")), name="licensing_valid_dates"
            ),
            models.CheckConstraint(
                condition=Q(number_last4__regex=r"^[0-9]{4}$"), name="licensing_number_last4_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"SIM {self.get_sim_class_display()} ••••{self.number_last4}"

    @property
    def masked_number(self) -> str:
        """Never more than the last four digits, wherever a licence is shown."""
        return f"•••• •••• •••• {self.number_last4}" if self.number_is_nik else f"••••{self.number_last4}"


class SimApplication(models.Model):
    """What one SIM application asks for; one-to-one with ``applications.Application``."""

    class Kind(models.TextChoices):
        NEW = "new", _("New licence")
        RENEWAL = "renewal", _("Renewal")
        UPGRADE = "upgrade", _("Class upgrade")
        REPLACEMENT = "replacement", _("Replacement")
        INTERNATIONAL = "international", _("International licence")

    class ReplacementReason(models.TextChoices):
        LOST = "lost", _("Lost")
        DAMAGED = "damaged", _("Damaged")

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="sim", primary_key=True
    )
    kind = models.CharField(_("service"), max_length=16, choices=Kind.choices)
    sim_class = models.CharField(_("class"), max_length=16, choices=SimClass.choices)
    # Renewal, replacement: the licence concerned; international: the national licence it
    # matches; upgrade: the prerequisite licence held.
    licence = models.ForeignKey(
        Licence, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    replacement_reason = models.CharField(
        _("reason for replacement"), max_length=8, choices=ReplacementReason.choices, blank=True
    )
    police_report_number = models.CharField(_("police loss report number"), max_length=60, blank=True)
    health_cert_number = models.CharField(_("health certificate number"), max_length=60, blank=True)
    health_cert_issuer = models.CharField(_("health certificate issuer"), max_length=120, blank=True)
    health_cert_date = models.DateField(_("health certificate date"), null=True, blank=True)
    psych_number = models.CharField(_("psychological test number"), max_length=60, blank=True)
    psych_issuer = models.CharField(_("psychological test issuer"), max_length=120, blank=True)
    psych_date = models.DateField(_("psychological test date"), null=True, blank=True)
    jkn_active = models.BooleanField(_("active JKN/BPJS Kesehatan membership declared"), default=False)
    # International licence: the passport (its number is personal data).
    passport_number_ciphertext = models.TextField(blank=True)
    passport_number_last4 = models.CharField(max_length=4, blank=True)
    passport_expires_on = models.DateField(_("passport valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("SIM application")
        verbose_name_plural = _("SIM applications")

    def __str__(self) -> str:
        return f"{self.kind} {self.sim_class}"


class RenewalDispensation(models.Model):
    """Licences that expired between ``expired_from`` and ``expired_to`` may be renewed until
    ``renew_until`` (inclusive), e.g. SIMs expiring 31 Mar–7 Apr 2025 renewable 8–19 Apr 2025."""

    expired_from = models.DateField(_("expired from"))
    expired_to = models.DateField(_("expired until"))
    renew_until = models.DateField(_("renewable until"))
    reason = models.CharField(_("reason"), max_length=200, help_text=_("E.g. the Polri telegram number."))
    created_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("renewal dispensation")
        verbose_name_plural = _("renewal dispensations")
        ordering = ["-expired_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expired_to__gte=models.F("expired_from"))
                & Q(renew_until__gte=models.F("expired_to")),
                name="licensing_dispensation_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expired_from}–{self.expired_to} → {self.renew_until}"


class LicenceReminder(models.Model):
    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["licence", "days_before"], name="licensing_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.licence_id} -{self.days_before}d"
