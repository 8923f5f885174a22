"""The registration proof (bukti pendaftaran): the A4 document a citizen receives on submission.

It is issued by the ``submit`` listener inside the submission's transaction (so a submission
never commits without its proof, and a failed submission leaves none) and rendered after
commit on the ``pdf`` queue. It shows the application's reference, service, subject,
handling office, submission and due dates, what to bring, and the QR code of its public
verification page — never the citizen's NIK, birth date or address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications.events import TransitionEvent
from applications.registry import DOCUMENT_KINDS, UnknownService, get_service
from documents.registry import DocumentKind, Label
from korlantas.lib.clock import JAKARTA

if TYPE_CHECKING:
    from applications.models import Application
    from documents.models import IssuedDocument

KIND = "registration_proof"
# The citizen's own photo and signature are not originals anyone brings to a counter.
NOT_BROUGHT = frozenset({"photo", "signature"})


def _service_name(application: Application) -> str | Promise:
    try:
        return get_service(application.service_code).name
    except UnknownService:
        return application.service_code


def _application(document: IssuedDocument) -> Application:
    application = document.application
    if application is None:
        raise ValueError(f"registration proof {document.pk} has no application")
    return application


def _submitted_at(document: IssuedDocument, application: Application) -> dt.datetime:
    return timezone.localtime(application.submitted_at or document.issued_at, JAKARTA)


def _office_address(application: Application) -> str:
    office = application.handling_office
    if office is None:
        return ""
    parts = [office.street_address.strip(), office.regency.name if office.regency_id else ""]
    return ", ".join(part for part in parts if part)


def registration_proof_context(document: IssuedDocument) -> Mapping[str, Any]:
    application = _application(document)
    office = application.handling_office
    kinds = {attachment.kind for attachment in application.attachments.all()} - NOT_BROUGHT
    return {
        "service_name": _service_name(application),
        "subject": application.subject,
        "office_name": office.name if office is not None else "",
        "office_address": _office_address(application),
        "submitted_at": _submitted_at(document, application),
        "due_date": application.due_date,
        "uploaded_documents": [DOCUMENT_KINDS[kind] for kind in sorted(kinds) if kind in DOCUMENT_KINDS],
    }


def registration_proof_verification_fields(document: IssuedDocument) -> list[tuple[Label, Any]]:
    """What the public page confirms: no NIK, no name, no address, no photo."""
    application = _application(document)
    office = application.handling_office
    # The page already shows the kind, the reference and the issue date above these.
    return [
        (_("Service"), _service_name(application)),
        (_("Handling office"), office.name if office is not None else "—"),
        (_("Submitted"), _submitted_at(document, application).date()),
    ]


REGISTRATION_PROOF = DocumentKind(
    code=KIND,
    name=_("Registration proof"),
    template_name="documents/pdf/registration_proof.html",
    page_size="A4",
    context=registration_proof_context,
    template_version="1",
    verification_fields=registration_proof_verification_fields,
    stylesheets=("documents/print.css", "documents/registration_proof.css"),
)


def issue_registration_proof(event: TransitionEvent) -> None:
    """``submit`` listener (in the transaction): the proof is issued with the submission."""
    from documents.services import document_issue

    application = event.application
    document_issue(
        kind=KIND,
        application=application,
        holder=application.applicant,
        reference=application.reference,
    )
