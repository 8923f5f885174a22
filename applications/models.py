"""One ``Application`` row per request of a citizen, whatever the service (DESIGN §4).

``status`` is written by ``applications.services.application_transition`` and nothing else
(tests/applications/test_single_writer.py checks the code for other writers). Each change
leaves a ``StatusChange`` row and an audit event.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.registry import DeliveryChoice
from applications.workflow import APPLICATION_WORKFLOW, STATES, TERMINAL
from korlantas.lib import clock

STATUS_LABELS = {
    "draft": _("Draft"),
    "pending_payment": _("Awaiting payment"),
    "queued": _("Waiting for review"),
    "in_review": _("In review"),
    "revision_requested": _("Revision requested"),
    "awaiting_appointment": _("Awaiting appointment"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
    "issued": _("Issued"),
    "completed": _("Completed"),
    "expired": _("Expired"),
    "cancelled": _("Cancelled"),
}
if tuple(STATUS_LABELS) != STATES:  # pragma: no cover - a programming error caught at import
    raise RuntimeError("STATUS_LABELS must name every workflow state, in order")

STATUS_CHOICES = [(state, STATUS_LABELS[state]) for state in STATES]
OPEN_APPLICATION_CONSTRAINT = "applications_one_open_per_service_subject"
SUBJECT_MAX_LENGTH = 100


class Application(models.Model):
    # Opaque id for URLs; the integer primary key never leaves the server.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("applicant"),
    )
    service_code = models.CharField(_("service"), max_length=40)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH, db_index=True)
    status = models.CharField(
        _("status"), max_length=24, choices=STATUS_CHOICES, default=APPLICATION_WORKFLOW.initial
    )
    handling_office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("handling office"),
    )
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_applications",
        verbose_name=_("assigned officer"),
    )
    # Who approved or rejected (an officer; empty for a decision the system took on payment).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    delivery_choice = models.CharField(
        _("delivery"), max_length=12, choices=DeliveryChoice.choices, blank=True
    )
    # Optimistic lock: bumped by every change, compared with the version a page was built from.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="applications_mine"),
            models.Index(fields=["handling_office", "status", "due_date"], name="applications_queue"),
            # Supervision: a queue position per office and service; decisions per office in a window.
            models.Index(
                fields=["handling_office", "service_code", "status", "due_date"],
                name="applications_service_queue",
            ),
            models.Index(fields=["handling_office", "decided_at"], name="applications_decided"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "service_code", "subject"],
                condition=~Q(status__in=sorted(TERMINAL)),
                name=OPEN_APPLICATION_CONSTRAINT,
            ),
            models.CheckConstraint(
                condition=Q(status__in=list(STATES)), name="applications_status_is_a_workflow_state"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL


class StatusChange(models.Model):
    """One step of an application's lifecycle, append-only."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="status_changes", verbose_name=_("application")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=24, choices=STATUS_CHOICES)
    to_status = models.CharField(_("to"), max_length=24, choices=STATUS_CHOICES)
    # Plain values, as in the audit trail: who acted, in which role, at the time.
    actor_id = models.PositiveBigIntegerField(_("actor"), null=True, blank=True)
    actor_role = models.CharField(_("role"), max_length=16)
    note = models.TextField(_("note"), blank=True)
    # A ``reasons.RejectionReason`` for ``reject``; empty otherwise.
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=clock.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["application", "occurred_at"], name="applications_history")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    """``attachments/<yyyy>/<mm>/<uuid4>.<ext>``: the client's file name is never used."""
    extension = ATTACHMENT_EXTENSIONS[instance.content_type]
    now = clock.now()
    return f"attachments/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{extension}"


ATTACHMENT_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
ONE_ATTACHMENT_PER_KIND_CONSTRAINT = "applications_one_attachment_per_single_kind"
SINGLE_ATTACHMENT_KINDS = (
    "photo",
    "signature",
    "ktp_scan",
    "health_cert",
    "psych_result",
    "police_report",
    "damaged_card",
    "passport_scan",
    "sale_receipt",
    "seller_ktp",
    "police_bap",
    "not_pledged",
    "damaged_bpkb",
)


class Attachment(models.Model):
    """A file an applicant gave for an application, checked and normalised by
    ``applications.uploads`` and stored under a generated name; served only by
    ``applications.views.attachment_download``."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        SIGNATURE = "signature", _("Signature")
        KTP_SCAN = "ktp_scan", _("KTP scan")
        SUPPORTING = "supporting", _("Supporting document")
        # The SIM services' certificates and proofs (licensing).
        HEALTH_CERT = "health_cert", _("Health certificate")
        PSYCH_RESULT = "psych_result", _("Psychological test result")
        POLICE_REPORT = "police_report", _("Police loss report")
        DAMAGED_CARD = "damaged_card", _("Photo of the damaged card")
        PASSPORT_SCAN = "passport_scan", _("Passport scan")
        # The vehicle services' proofs (vehicles).
        SALE_RECEIPT = "sale_receipt", _("Stamped sale receipt")
        SELLER_KTP = "seller_ktp", _("Seller's KTP scan")
        POLICE_BAP = "police_bap", _("Police investigation report (BAP)")
        NOT_PLEDGED = "not_pledged", _("Statement that the BPKB is not pledged, or the lender's letter")
        NEWSPAPER_NOTICE = "newspaper_notice", _("Newspaper announcement of the loss")
        DAMAGED_BPKB = "damaged_bpkb", _("Photo of the damaged BPKB")

    # Kinds of which an application holds one current file (a new upload replaces it).
    SINGLE_KINDS = SINGLE_ATTACHMENT_KINDS

    class ContentType(models.TextChoices):
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"
        PDF = "application/pdf", "PDF"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("application")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=120)
    content_type = models.CharField(_("content type"), max_length=32, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("size"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by_id = models.PositiveBigIntegerField(_("uploaded by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=Q(kind__in=list(SINGLE_ATTACHMENT_KINDS)),
                name=ONE_ATTACHMENT_PER_KIND_CONSTRAINT,
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png", "application/pdf"]),
                name="applications_attachment_content_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"

    @property
    def download_name(self) -> str:
        return f"{self.kind}.{ATTACHMENT_EXTENSIONS[self.content_type]}"


ONE_ACTIVE_BOOKING_CONSTRAINT = "applications_one_active_booking"


class Booking(models.Model):
    """A citizen's seat in an ``offices.AppointmentSlot`` for an application awaiting an
    appointment. Written only by ``applications.appointments``; each change is audited."""

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not attend")

    class Outcome(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("application")
    )
    slot = models.ForeignKey(
        "offices.AppointmentSlot",
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("appointment slot"),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.BOOKED)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, blank=True)
    outcome_notes = models.TextField(_("outcome notes"), blank=True)
    # Service-defined results (exam scores, physical-check findings); no personal data.
    outcome_data = models.JSONField(_("outcome data"), default=dict, blank=True)
    recorded_by_id = models.PositiveBigIntegerField(_("recorded by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "state"], name="applications_booking_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(state="booked"), name=ONE_ACTIVE_BOOKING_CONSTRAINT
            ),
            models.CheckConstraint(
                condition=Q(state__in=["booked", "cancelled", "attended", "no_show"]),
                name="applications_booking_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["", "pass", "fail"]), name="applications_booking_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="attended") | Q(outcome=""),
                name="applications_booking_outcome_only_when_attended",
            ),
        ]

    def __str__(self) -> str:
        return f"booking {self.public_id} ({self.state})"


class RevisionRequest(models.Model):
    """What an officer asked the applicant to correct (``request_revision``), with a deadline.

    Written by ``application_transition`` (the request and its resolution) and by
    ``application_details_save`` / ``attachment_add`` (which flagged items the applicant
    changed). ``fields`` name fields of the service's details form; ``documents`` name
    ``Attachment.Kind`` values. Only these may change while the application is
    ``revision_requested``.
    """

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="revision_requests", verbose_name=_("application")
    )
    fields = models.JSONField(_("flagged fields"), default=list, blank=True)
    documents = models.JSONField(_("flagged documents"), default=list, blank=True)
    note = models.TextField(_("officer's note"))
    requested_by_id = models.PositiveBigIntegerField(_("requested by"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested"), default=clock.now)
    deadline = models.DateTimeField(_("deadline"))
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)
    changed_documents = models.JSONField(_("changed documents"), default=list, blank=True)
    reply = models.TextField(_("applicant's reply"), blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("revision request")
        verbose_name_plural = _("revision requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(resolved_at__isnull=True),
                name="applications_one_open_revision_request",
            ),
        ]

    def __str__(self) -> str:
        return f"revision request for {self.application_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
