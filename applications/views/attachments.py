"""Serving attachments: only to those who may see them, never rendered inline.

SECURITY.md §1.4 (3.2.1) and §3.2 step 5. Files under MEDIA_ROOT have no URL of their own; this
view is the only way out. Anyone who may not see the file gets a 404, as if it did not exist.
"""

from __future__ import annotations

import uuid

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from applications.models import Attachment
from applications.services import (
    ATTACHMENT_OBJECT_TYPE,
    attachment_for_download,
)
from audit.services import audit_record, client_ip


@require_GET
def attachment_download(request: HttpRequest, public_id: uuid.UUID) -> FileResponse:
    found = attachment_for_download(public_id=public_id, user=request.user)  # type: ignore[arg-type]
    if found is None:
        raise Http404
    attachment, as_staff = found
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    if as_staff and attachment.kind == Attachment.Kind.KTP_SCAN:
        audit_record(
            action="pii.revealed",
            actor_id=request.user.pk,
            object_type=ATTACHMENT_OBJECT_TYPE,
            object_id=str(attachment.public_id),
            details={"kind": attachment.kind},
            ip=client_ip(request),
            office_id=attachment.application.handling_office_id,
        )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.download_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response
