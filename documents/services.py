"""Every write to an issued document: issuing, rendering, superseding.

* ``document_issue`` creates the record in the caller's transaction and sends the rendering
  to the ``pdf`` queue once that transaction commits (nothing is sent if it rolls back).
* ``document_render`` renders the PDF and stores it with its SHA-256. It is idempotent: a
  document already rendered with its kind's current ``template_version`` is left alone
  (Celery may deliver a task twice, SECURITY.md §4), unless ``force`` asks for a new file.
  A kind whose template was fixed bumps its version and ``manage.py rerender_documents``
  sends its documents again. Rendering runs outside any transaction or row lock; the
  result is stored under a short lock that checks again, so two workers racing on one
  document store one file.
* ``document_supersede`` records that a new document replaces an old one (a replacement
  SIM, a re-issued proof); the old one stays, marked, for its verification page.

(Revocation by a supervisor is written by the verification work.)
Logs carry ids only; the audit trail gets the document's public id, kind and checksum prefix.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import F

from audit.services import audit_record
from documents import rendering
from documents.models import IssuedDocument
from documents.registry import get_kind
from korlantas.lib import clock

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application

logger = logging.getLogger("korlantas.documents")

OBJECT_TYPE = "documents.issueddocument"
ERROR_MAX_LENGTH = 300


class DocumentStateError(ValueError):
    """The document is not in a state that allows this (e.g. superseding a revoked one)."""


class RenderOutcome(enum.StrEnum):
    RENDERED = "rendered"
    UP_TO_DATE = "up_to_date"  # already rendered with the kind's current template version
    NOT_VALID = "not_valid"  # superseded or revoked: its last PDF stays as it was
    MISSING = "missing"  # no such document (deleted since the task was sent)


# --- issuing ------------------------------------------------------------------------------


def document_issue(
    *,
    kind: str,
    application: Application | None,
    holder: User,
    reference: str,
    replaces: IssuedDocument | None = None,
    reason: str = "",
    actor: User | None = None,
) -> IssuedDocument:
    """Issue a document of ``kind`` to ``holder``; its PDF is rendered after commit.

    Runs in the caller's transaction (opening one if there is none). If the application
    already holds a valid document of this kind, that one is returned and nothing is
    created or sent (a document is issued once per application and kind). To issue a new
    version of a valid document, pass it as ``replaces`` with a ``reason``: it is
    superseded by the new one in the same transaction.
    """
    get_kind(kind)  # an unknown kind fails here, not later in the worker
    if replaces is not None and not reason.strip():
        raise ValueError("replacing a document needs a reason")
    with transaction.atomic():
        if replaces is None and application is not None:
            existing = IssuedDocument.objects.filter(
                application=application, kind=kind, status=IssuedDocument.Status.VALID
            ).first()
            if existing is not None:
                return existing
        replaced = _lock_valid(replaces) if replaces is not None else None
        if replaced is not None:
            # First, so the new document does not meet the one-valid-per-application constraint.
            _mark_superseded(replaced, new=None, reason=reason, actor=actor)
        document = IssuedDocument.objects.create(
            kind=kind, application=application, holder=holder, reference=reference
        )
        if replaced is not None:
            replaced.superseded_by = document
            replaced.save(update_fields=["superseded_by"])
        audit_record(
            action="document.issued",
            actor_id=actor.pk if actor is not None else None,
            object_type=OBJECT_TYPE,
            object_id=str(document.public_id),
            details={"kind": kind, "replaces": str(replaced.public_id) if replaced is not None else ""},
            office_id=application.handling_office_id if application is not None else None,
        )
        transaction.on_commit(_send_render(document.pk), robust=True)
    logger.info("document %s (%s) issued", document.pk, kind)
    return document


def _send_render(document_id: int) -> Callable[[], None]:
    def send_render_document() -> None:
        from documents.tasks import render_document

        render_document.delay(document_id)

    return send_render_document


# --- superseding --------------------------------------------------------------------------


def document_supersede(
    *, old: IssuedDocument, new: IssuedDocument, reason: str, actor: User | None = None
) -> IssuedDocument:
    """Record that ``new`` replaces ``old`` (both issued already; for the same application
    and kind use ``document_issue(replaces=old, …)``, which orders the two writes).

    ``old`` must be valid; it becomes ``superseded`` with the reason, time and actor.
    Returns the updated ``old``. Raises ``DocumentStateError``.
    """
    if not reason.strip():
        raise ValueError("superseding a document needs a reason")
    if old.pk == new.pk:
        raise ValueError("a document cannot supersede itself")
    with transaction.atomic():
        locked = _lock_valid(old)
        if new.status != IssuedDocument.Status.VALID:
            raise DocumentStateError(f"document {new.pk} is {new.status}, not valid")
        _mark_superseded(locked, new=new, reason=reason, actor=actor)
    return locked


def _lock_valid(document: IssuedDocument) -> IssuedDocument:
    locked = IssuedDocument.objects.select_for_update(of=("self",)).get(pk=document.pk)
    if locked.status != IssuedDocument.Status.VALID:
        raise DocumentStateError(f"document {locked.pk} is {locked.status}, not valid")
    return locked


def _mark_superseded(
    document: IssuedDocument, *, new: IssuedDocument | None, reason: str, actor: User | None
) -> None:
    document.status = IssuedDocument.Status.SUPERSEDED
    document.status_reason = reason.strip()
    document.status_changed_at = clock.now()
    document.status_changed_by_id = actor.pk if actor is not None else None
    document.superseded_by = new
    document.save(
        update_fields=[
            "status",
            "status_reason",
            "status_changed_at",
            "status_changed_by_id",
            "superseded_by",
        ]
    )
    audit_record(
        action="document.superseded",
        actor_id=actor.pk if actor is not None else None,
        object_type=OBJECT_TYPE,
        object_id=str(document.public_id),
        details={"kind": document.kind, "by": str(new.public_id) if new is not None else ""},
    )
    logger.info("document %s superseded by %s", document.pk, new.pk if new is not None else "a new one")


# --- rendering ----------------------------------------------------------------------------


def _is_up_to_date(document: IssuedDocument, template_version: str) -> bool:
    return document.is_rendered and document.template_version == template_version


def document_render(*, document_id: int, force: bool = False) -> RenderOutcome:
    """Render the document's PDF and store it (see the module docstring). Idempotent.

    Raises ``rendering.DocumentRenderError`` (or what WeasyPrint raised) when rendering
    fails; the error's class is kept in ``last_render_error`` and the attempt is counted.
    """
    document = (
        IssuedDocument.objects.select_related("application__handling_office__regency")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        logger.warning("document %s to render does not exist", document_id)
        return RenderOutcome.MISSING
    if document.status != IssuedDocument.Status.VALID:
        logger.info("document %s is %s: not rendered", document_id, document.status)
        return RenderOutcome.NOT_VALID
    kind = get_kind(document.kind)
    if not force and _is_up_to_date(document, kind.template_version):
        logger.info("document %s already rendered with template %s", document_id, kind.template_version)
        return RenderOutcome.UP_TO_DATE

    IssuedDocument.objects.filter(pk=document_id).update(render_attempts=F("render_attempts") + 1)
    try:
        pdf = rendering.document_pdf(document, kind)
    except BaseException as exc:  # a Celery time limit too: the attempt is recorded, then re-raised
        IssuedDocument.objects.filter(pk=document_id).update(
            last_render_error=f"{type(exc).__name__} (template {kind.template_version})"[:ERROR_MAX_LENGTH]
        )
        logger.warning("document %s failed to render: %s", document_id, type(exc).__name__)
        raise
    return _store(document_id, pdf, template_version=kind.template_version, force=force)


def _store(document_id: int, pdf: bytes, *, template_version: str, force: bool) -> RenderOutcome:
    digest = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        document = IssuedDocument.objects.select_for_update(of=("self",)).get(pk=document_id)
        if document.status != IssuedDocument.Status.VALID:
            return RenderOutcome.NOT_VALID
        if not force and _is_up_to_date(document, template_version):
            return RenderOutcome.UP_TO_DATE  # another worker stored it meanwhile
        storage = document.file.storage
        previous = document.file.name or ""
        # The name given is ignored: ``document_upload_to`` draws a UUID.
        document.file.save("document.pdf", ContentFile(pdf), save=False)
        stored = document.file.name or ""
        try:
            document.sha256 = digest
            document.size = len(pdf)
            document.template_version = template_version
            document.rendered_at = clock.now()
            document.last_render_error = ""
            document.save(
                update_fields=[
                    "file",
                    "sha256",
                    "size",
                    "template_version",
                    "rendered_at",
                    "last_render_error",
                ]
            )
            audit_record(
                action="document.rendered",
                object_type=OBJECT_TYPE,
                object_id=str(document.public_id),
                details={"kind": document.kind, "template": template_version, "sha256_prefix": digest[:12]},
            )
        except BaseException:
            storage.delete(stored)
            raise
        if previous and previous != stored:
            transaction.on_commit(_delete_stored(storage, previous), robust=True)
    logger.info("document %s rendered (%s bytes, template %s)", document_id, len(pdf), template_version)
    return RenderOutcome.RENDERED


def _delete_stored(storage: Storage, name: str) -> Callable[[], None]:
    def delete_previous_pdf() -> None:
        storage.delete(name)

    return delete_previous_pdf
