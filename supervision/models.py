"""What supervision keeps of its own.

* ``OfficeServiceStat`` — the public performance figures per office and service, refreshed by
  a periodic job (``supervision.snapshot``) so ``/kinerja/`` reads one small table.
* ``QueueEstimate`` — the decision date promised when an application joined its office's queue,
  kept to measure how honest the estimates were (``supervision.eta``).
* ``EscalationDigest`` — one row per office and day: the daily past-due message was sent.
* ``SignalRecord`` — keyed hashes of what an application shares with others (phone, delivery
  address, uploaded file, client IP), never the values (``supervision.signals``).
* ``SecondCheck`` — an approved application drawn for a second officer's look; a record with
  its own queue, never a change of the application's status (``supervision.second_checks``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from korlantas.lib import clock


class OfficeServiceStat(models.Model):
    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+")
    service_code = models.CharField(_("service"), max_length=40)
    computed_at = models.DateTimeField(_("computed at"), default=clock.now)
    # Open work now: applications in the office's queue states, and those past their due date.
    backlog = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    # Decisions (approve or reject) of the last 90 days.
    decided_90d = models.PositiveIntegerField(default=0)
    within_standard_90d = models.PositiveIntegerField(default=0)
    # Median time from payment to decision, in hours (rounded); null with no decision.
    median_decision_hours_90d = models.PositiveIntegerField(null=True, blank=True)
    # Courier shipments that ended (delivered or returned) in the last 90 days.
    shipments_ended_90d = models.PositiveIntegerField(default=0)
    delivered_90d = models.PositiveIntegerField(default=0)
    delivered_first_attempt_90d = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("office performance figure")
        verbose_name_plural = _("office performance figures")
        constraints = [
            models.UniqueConstraint(fields=["office", "service_code"], name="supervision_stat_office_service")
        ]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.service_code}"


class QueueEstimate(models.Model):
    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="queue_estimate"
    )
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    service_code = models.CharField(max_length=40)
    estimated_at = models.DateTimeField(default=clock.now)
    position = models.PositiveIntegerField()
    estimated_date = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["office", "estimated_at"], name="supervision_estimate_office")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.estimated_date}"


class EscalationDigest(models.Model):
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    application_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "day"], name="supervision_digest_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day}"


class SignalRecord(models.Model):
    class Kind(models.TextChoices):
        PHONE = "phone", _("mobile number")
        ADDRESS = "address", _("delivery address")
        FILE = "file", _("uploaded file")
        IP = "ip", _("network address")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="signal_records"
    )
    applicant_id = models.PositiveBigIntegerField()
    office_id = models.PositiveBigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # A keyed hash (HMAC) of the normalised value: equal values match, the value never shows.
    digest = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "kind", "digest"], name="supervision_signal_once")
        ]
        indexes = [
            models.Index(fields=["kind", "digest", "recorded_at"], name="supervision_signal_match"),
            models.Index(fields=["office_id", "recorded_at"], name="supervision_signal_office"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind}"


class SecondCheck(models.Model):
    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Decision confirmed")
        CONCERN = "concern", _("Concern raised")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="second_check"
    )
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    # Who approved (a plain number, as in the status history); the second officer must differ.
    decided_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    selected_at = models.DateTimeField(default=clock.now)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["office", "checked_at", "selected_at"], name="supervision_check_queue")
        ]

    def __str__(self) -> str:
        return f"second check of {self.application_id}"
