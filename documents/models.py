"""Issued documents and their verifications (DESIGN §6).

One ``IssuedDocument`` per document a service issues (a registration proof, later a SIM, an
STNK endorsement, …). The row exists before its PDF: ``documents.services.document_issue``
creates it in the transaction of the event that causes it, and ``documents.tasks.render_document``
fills ``file``, ``sha256``, ``template_version`` and ``rendered_at`` after commit, on the ``pdf``
queue. Its ``verification_token`` is the only key of the public verification page.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from korlantas.lib import clock


def new_verification_token() -> str:
    """32 random bytes, URL-safe: unguessable, and never derived from anything else."""
    return secrets.token_urlsafe(32)


def document_upload_to(instance: IssuedDocument, filename: str) -> str:
    """``documents/<kind>/<yyyy>/<mm>/<uuid>.pdf``: never a name, NIK or reference."""
    now = clock.now()
    return f"documents/{instance.kind}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.pdf"


class IssuedDocument(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUPERSEDED = "superseded", _("Superseded")
        REVOKED = "revoked", _("Revoked")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=40)
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("application"),
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents", verbose_name=_("holder")
    )
    # The document's own reference printed on it (e.g. the application reference, later a SIM number).
    reference = models.CharField(_("reference"), max_length=40)
    verification_token = models.CharField(
        max_length=64, unique=True, default=new_verification_token, editable=False
    )
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=160, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    template_version = models.CharField(_("template version"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.VALID)
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by_id = models.PositiveBigIntegerField(_("status changed by"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    issued_at = models.DateTimeField(_("issued"), default=clock.now, editable=False)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    last_render_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["holder", "-issued_at"], name="documents_of_holder")]
        constraints = [
            # One document of a kind per application (a re-render replaces the file, not the row).
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=Q(application__isnull=False) & Q(status="valid"),
                name="documents_one_valid_per_application_and_kind",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["valid", "superseded", "revoked"]), name="documents_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="valid") | ~Q(status_reason=""), name="documents_reason_when_not_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"

    @property
    def is_rendered(self) -> bool:
        return bool(self.file) and bool(self.sha256)


class Verification(models.Model):
    """One look at a document's public verification page. Coarse client information only: no
    IP address is kept, only its network (/24 or /48) and the browser family."""

    document = models.ForeignKey(
        IssuedDocument, on_delete=models.CASCADE, related_name="verifications", verbose_name=_("document")
    )
    verified_at = models.DateTimeField(_("verified"), default=clock.now, db_index=True)
    network = models.CharField(_("network"), max_length=50, blank=True)
    client = models.CharField(_("client"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["-verified_at", "-pk"]
        indexes = [models.Index(fields=["document", "-verified_at"], name="documents_verifications")]

    def __str__(self) -> str:
        return f"verification of {self.document_id} at {self.verified_at:%Y-%m-%d %H:%M}"
