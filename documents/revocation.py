"""Revoking an issued document (issue 5, point 2).

A supervisor of the office that handles the document's application (or a supervisor of that
office's Polda) revokes a valid document with a reason: its status becomes ``revoked`` for
good, the public verification page says so from then on, and the audit trail records who did
it. Superseding is not done here: the services that replace a document do it.

A refused attempt changes nothing and leaves no audit event; it is logged with ids only.

A registration proof also stops being valid on its own when its application ends without being
handled (cancelled, expired, rejected): ``documents_void_for_closed_application`` revokes it in
the transition's transaction with a fixed reason and no actor. That reason, unlike a
supervisor's free text, may be shown publicly (``public_reason``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import SUPERVISOR, roles_of
from applications.selectors import staff_scope
from audit.services import audit_record
from documents.models import IssuedDocument
from documents.registration_proof import KIND as REGISTRATION_PROOF
from korlantas.lib import clock

if TYPE_CHECKING:
    from applications.events import TransitionEvent
    from applications.models import Application

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
    if document.application_id is None:
        return False
    return may_revoke_documents_of(application_id=document.application_id, user=user)


def may_revoke_documents_of(*, application_id: int, user: User) -> bool:
    """``may_revoke`` for every document of one application at once (a page listing them asks
    once, not once per document). Whether a given document is still valid, and not the
    supervisor's own, is for the caller to check (``document_revoke`` checks it again)."""
    if SUPERVISOR not in roles_of(user):
        return False
    return staff_scope(user=user).filter(pk=application_id).exists()


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


# --- an application that ends without being handled ---------------------------------------

# The status an application ends in → the reason its proof is revoked with. Stored as the
# English msgid (a fixed text, no personal data) and translated when shown.
CLOSED_REASONS: dict[str, str] = {
    "cancelled": gettext_noop("The application was cancelled."),
    "expired": gettext_noop("The application expired."),
    "rejected": gettext_noop("The application was rejected."),
}
# The workflow actions that end an application in one of those statuses (applications/workflow.py).
CLOSING_ACTIONS = ("cancel", "expire", "reject", "lapse_revision", "lapse_appointment")
# The kinds that only prove an application is under way, and so die with it.
VOIDED_ON_CLOSE = (REGISTRATION_PROOF,)


def documents_void_for_closed_application(
    *, application: Application, to_status: str
) -> list[IssuedDocument]:
    """Revoke ``application``'s valid registration proof now that it ended in ``to_status``
    (cancelled, expired or rejected) without being handled: no actor, a fixed reason, audited.

    Runs in the caller's transaction (the transition's). Returns the documents revoked (none
    when the application never had a proof, e.g. a draft cancelled)."""
    reason = CLOSED_REASONS[to_status]
    with transaction.atomic():
        documents = list(
            IssuedDocument.objects.select_for_update(of=("self",))
            .filter(application=application, kind__in=VOIDED_ON_CLOSE, status=IssuedDocument.Status.VALID)
            .order_by("pk")
        )
        now = clock.now()
        for document in documents:
            document.status = IssuedDocument.Status.REVOKED
            document.status_reason = reason
            document.status_changed_at = now
            document.status_changed_by_id = None
            document.save(
                update_fields=["status", "status_reason", "status_changed_at", "status_changed_by_id"]
            )
            audit_record(
                action=REVOKED_ACTION,
                actor_id=None,
                object_type=OBJECT_TYPE,
                object_id=str(document.public_id),
                changed={"status": document.status, "status_reason": reason},
                details={"kind": document.kind, "previous_status": "valid", "application_status": to_status},
                office_id=application.handling_office_id,
            )
            logger.info("document %s revoked: application %s is %s", document.pk, application.pk, to_status)
    return documents


def void_on_close(event: TransitionEvent) -> None:
    """In-transaction listener of the ``CLOSING_ACTIONS``."""
    documents_void_for_closed_application(application=event.application, to_status=event.to_status)


def public_reason(document: IssuedDocument) -> str:
    """The reason anyone may read why ``document`` is revoked: only a fixed system reason,
    translated; a supervisor's free-text reason stays in the record ("")."""
    if (
        document.status == IssuedDocument.Status.REVOKED
        and document.status_changed_by_id is None
        and document.status_reason in CLOSED_REASONS.values()
    ):
        return gettext(document.status_reason)
    return ""


def staff_reason(document: IssuedDocument) -> str:
    """The reason as the office's staff read it: a system reason translated, anything else as written."""
    return public_reason(document) or document.status_reason
