"""Revoking an issued document (issue 5, point 2).

A supervisor of the office that handles the document's application (or a supervisor of that
office's Polda) revokes a valid document with a reason: its status becomes ``revoked`` for
good, the public verification page says so from then on, and the audit trail records who did
it. Superseding is not done here: the services that replace a document do it.

A refused attempt changes nothing and leaves no audit event; it is logged with ids only.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import SUPERVISOR, roles_of
from applications.selectors import staff_scope
from audit.services import audit_record
from documents.models import IssuedDocument
from korlantas.lib import clock

logger = logging.getLogger(__name__)

OBJECT_TYPE = "documents.issueddocument"
REVOKED_ACTION = "document.revoked"
REASON_MAX_LENGTH = 500


class RevocationRefused(Exception):
    """The document may not be revoked. Codes: ``not_a_supervisor``, ``outside_office_scope``,
    ``own_document``, ``reason_required``, ``reason_too_long``, ``not_valid``."""

    MESSAGES: dict[str, Promise] = {
        "not_a_supervisor": _("Only a supervisor can revoke a document."),
        "outside_office_scope": _("This document belongs to an application of another office."),
        "own_document": _("Another supervisor must decide about your own document."),
        "reason_required": _("Give the reason for revoking the document."),
        "reason_too_long": _("Keep the reason within 500 characters."),
        "not_valid": _("Only a valid document can be revoked; this one no longer is."),
    }

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
        self.message: Promise = self.MESSAGES[code]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def may_revoke(*, document: IssuedDocument, user: User) -> bool:
    """Whether ``user`` supervises the office handling ``document``'s application (or its Polda)."""
    if SUPERVISOR not in roles_of(user) or document.application_id is None:
        return False
    return staff_scope(user=user).filter(pk=document.application_id).exists()


def document_revoke(*, document_id: int, supervisor: User, reason: str) -> IssuedDocument:
    """Revoke a valid document. Raises ``RevocationRefused`` and changes nothing otherwise."""
    reason = (reason or "").strip()
    with transaction.atomic():
        document = (
            IssuedDocument.objects.select_for_update(of=("self",))
            .select_related("application")
            .get(pk=document_id)
        )
        try:
            _check_revocable(document, supervisor, reason)
        except RevocationRefused as refused:
            logger.warning(
                "document %s: revocation by user %s refused (%s)", document.pk, supervisor.pk, refused.code
            )
            raise
        previous = document.status
        document.status = IssuedDocument.Status.REVOKED
        document.status_reason = reason
        document.status_changed_at = clock.now()
        document.status_changed_by_id = supervisor.pk
        document.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by_id"])
        audit_record(
            action=REVOKED_ACTION,
            actor_id=supervisor.pk,
            object_type=OBJECT_TYPE,
            object_id=str(document.public_id),
            # The reason is free text and may name people: only its keyed hash is kept.
            changed={"status": document.status, "status_reason": reason},
            details={"kind": document.kind, "previous_status": previous},
            office_id=document.application.handling_office_id if document.application else None,
        )
    return document


def _check_revocable(document: IssuedDocument, supervisor: User, reason: str) -> None:
    if SUPERVISOR not in roles_of(supervisor):
        raise RevocationRefused("not_a_supervisor")
    if not may_revoke(document=document, user=supervisor):
        raise RevocationRefused("outside_office_scope")
    if document.holder_id == supervisor.pk:
        raise RevocationRefused("own_document")
    if not reason:
        raise RevocationRefused("reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise RevocationRefused("reason_too_long")
    if document.status != IssuedDocument.Status.VALID:
        raise RevocationRefused("not_valid")
