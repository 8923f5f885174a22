"""Shipments of issued items, their tracking events, couriers' runs and areas (DESIGN §6).

A ``Shipment`` is one item that travels (a SIM card, an STNK, a pair of plates, a BPKB, a
printed endorsement proof) from the issuing office to the holder, or waits there for
collection. Its ``status`` follows ``delivery.workflow.SHIPMENT_WORKFLOW`` and is written only
by ``delivery.services.shipment_transition``; every step, and every fact recorded on the way
(printed, packed, address confirmed, code sent), is a ``TrackingEvent``.

The recipient's address and phone are copied from the citizen's profile when the shipment is
created, and the citizen confirms or corrects them: the courier needs them, so they are stored
as the profile stores them, shown only to the holder, the office and the assigned courier, and
never written to logs, audit details or task arguments.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from delivery.workflow import MAX_ATTEMPTS, STATES
from korlantas.lib import clock


class Item(models.TextChoices):
    SIM_CARD = "sim_card", _("SIM card")
    STNK = "stnk", _("STNK")
    PLATES = "plates", _("Number plates (TNKB)")
    BPKB = "bpkb", _("BPKB")
    ENDORSEMENT_PROOF = "endorsement_proof", _("Printed endorsement proof")


class FailureReason(models.TextChoices):
    NOT_HOME = "not_home", _("Nobody at home")
    WRONG_ADDRESS = "wrong_address", _("Wrong or incomplete address")
    REFUSED = "refused", _("Refused by the recipient")
    UNSAFE = "unsafe", _("Unsafe to deliver")
    OTHER = "other", _("Other (see the note)")


class Relation(models.TextChoices):
    HOLDER = "holder", _("The holder")
    FAMILY = "family", _("Family member, with the holder's authorisation")


def proof_upload_to(instance: models.Model, filename: str) -> str:
    """``delivery/<yyyy>/<mm>/<uuid4>.<ext>``: the client's file name is never used."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    if extension not in ("jpg", "png", "pdf"):
        extension = "jpg"
    now = clock.now()
    return f"delivery/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{extension}"


class CourierRun(models.Model):
    """A courier's run: the packed parcels a dispatcher grouped for one courier on one day."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="courier_runs")
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courier_runs"
    )
    run_date = models.DateField(_("date"))
    # The run's manifest (document kind ``courier_manifest``; its holder is the courier).
    manifest = models.ForeignKey(
        "documents.IssuedDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("courier run")
        verbose_name_plural = _("courier runs")
        ordering = ["-run_date", "-pk"]

    def __str__(self) -> str:
        return f"run {self.public_id} ({self.run_date})"


class CourierArea(models.Model):
    """A regency or city a courier serves: the dispatch suggestion prefers them there."""

    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="courier_areas"
    )
    regency = models.ForeignKey("offices.Regency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("courier area")
        verbose_name_plural = _("courier areas")
        constraints = [models.UniqueConstraint(fields=["courier", "regency"], name="delivery_one_area_row")]

    def __str__(self) -> str:
        return f"courier {self.courier_id} → regency {self.regency_id}"


class Shipment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="shipments"
    )
    item = models.CharField(_("item"), max_length=20, choices=Item.choices)
    # The issued document the item is printed from (a card, an STNK, a BPKB); none for plates.
    document = models.ForeignKey(
        "documents.IssuedDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="shipments", verbose_name=_("office")
    )
    status = models.CharField(_("status"), max_length=24, default="created")
    version = models.PositiveIntegerField(default=1)
    # Printed on the label (with its QR code), scanned by couriers and dispatchers; the public
    # tracking page is keyed by it. Random, 10 characters of an unambiguous alphabet.
    label_code = models.CharField(_("label code"), max_length=12, unique=True)
    # The A6 label (document kind ``shipment_label``, with the QR of the label code).
    label_document = models.ForeignKey(
        "documents.IssuedDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    printed_at = models.DateTimeField(_("printed at"), null=True, blank=True)
    packed_at = models.DateTimeField(_("packed at"), null=True, blank=True)
    # Where it goes: copied from the profile, then confirmed or corrected by the citizen.
    recipient_name = models.CharField(_("recipient"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    regency = models.ForeignKey(
        "offices.Regency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("regency or city"),
    )
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    phone = models.CharField(_("mobile number"), max_length=16, blank=True)
    address_confirmed_at = models.DateTimeField(_("address confirmed at"), null=True, blank=True)
    address_reminded_at = models.DateTimeField(null=True, blank=True)
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="shipments"
    )
    run = models.ForeignKey(
        CourierRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="shipments"
    )
    run_position = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    # The day the citizen asked for the next attempt (between attempts), if any.
    preferred_date = models.DateField(_("preferred delivery date"), null=True, blank=True)
    # The one-time delivery code: derived when sent as HMAC(key, shipment, generation); only
    # its hash is kept; consumed when the delivery commits.
    code_generation = models.PositiveIntegerField(default=0)
    code_hash = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_failures = models.PositiveSmallIntegerField(default=0)
    code_locked_at = models.DateTimeField(null=True, blank=True)
    # Proof of the hand-over (delivery or collection).
    received_by_name = models.CharField(_("received by"), max_length=100, blank=True)
    received_relation = models.CharField(_("relation"), max_length=8, choices=Relation.choices, blank=True)
    proof_photo = models.FileField(
        _("photo of the hand-over"), upload_to=proof_upload_to, max_length=120, blank=True
    )
    proxy_letter = models.FileField(
        _("authorisation letter"), upload_to=proof_upload_to, max_length=120, blank=True
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    ready_for_collection_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["office", "status"], name="delivery_office_status"),
            # The supervisor dashboard's windows (supervision.metrics): hand-overs of the last
            # 30 days read as a range, not the office's whole history filtered.
            models.Index(fields=["office", "handed_over_at"], name="delivery_office_handed_over"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["application", "item"], name="delivery_one_shipment_per_item"),
            models.CheckConstraint(condition=Q(status__in=list(STATES)), name="delivery_shipment_status"),
            models.CheckConstraint(
                condition=Q(attempts__lte=MAX_ATTEMPTS), name="delivery_at_most_3_attempts"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "picked_up", "out_for_delivery", "failed_attempt"])
                | Q(courier__isnull=False),
                name="delivery_courier_while_on_the_road",
            ),
        ]

    def __str__(self) -> str:
        return f"shipment {self.label_code} ({self.status})"


class TrackingEvent(models.Model):
    """One step or recorded fact of a shipment: what, when, who (id and role), where."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    action = models.CharField(max_length=24)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    actor_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=16, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    reason_code = models.CharField(max_length=16, blank=True, choices=FailureReason.choices)
    note = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["shipment", "occurred_at"], name="delivery_event_time")]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.action} {self.occurred_at:%Y-%m-%d %H:%M}"
