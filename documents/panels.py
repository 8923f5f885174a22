"""What the documents app shows on the application pages the core owns (applications.events).

* On the staff review page: the application's issued documents (kind, reference, status and
  its reason, whether the PDF is ready, when issued) and, for a supervisor who may revoke
  them, a link to the revoke page of each valid one.
* On the applicant's own application page: their documents of that application, each with
  its page and, once rendered, its PDF.

Each panel costs one query for the documents whatever their number; whether the viewer may
revoke is asked once per page, not per document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.events import ReviewPanel
from documents.models import IssuedDocument
from documents.registry import Label, kind_name
from documents.revocation import may_revoke_documents_of, public_reason, staff_reason

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application

PANEL_ORDER = 60
REVIEW_TEMPLATE = "documents/includes/review_panel.html"
CITIZEN_TEMPLATE = "documents/includes/citizen_panel.html"


@dataclass(frozen=True)
class DocumentPanelRow:
    public_id: str
    kind_name: Label
    reference: str
    status: str
    status_label: Label
    reason: str
    status_changed_at: dt.datetime | None
    is_rendered: bool
    issued_at: dt.datetime
    # Staff: the revoke page, for a supervisor who may revoke it. Citizen: the PDF, once rendered.
    action_url: str = ""
    detail_url: str = ""


def _documents(application: Application, **filters: object) -> list[IssuedDocument]:
    queryset = IssuedDocument.objects.filter(application=application, **filters)
    return list(queryset.order_by("-issued_at", "-pk"))


def review_panel(application: Application, viewer: User) -> ReviewPanel | None:
    """The application's documents for the office's staff; None when it has none."""
    documents = _documents(application)
    if not documents:
        return None
    revocable = [
        document
        for document in documents
        if document.status == IssuedDocument.Status.VALID and document.holder_id != viewer.pk
    ]
    # Asked once for the page (and only when there is something to revoke).
    may_revoke = bool(revocable) and may_revoke_documents_of(application_id=application.pk, user=viewer)
    revocable_ids = {document.pk for document in revocable} if may_revoke else set()
    rows = [
        DocumentPanelRow(
            public_id=str(document.public_id),
            kind_name=kind_name(document.kind),
            reference=document.reference,
            status=document.status,
            status_label=document.get_status_display(),
            reason=staff_reason(document) if document.status != IssuedDocument.Status.VALID else "",
            status_changed_at=document.status_changed_at,
            is_rendered=document.is_rendered,
            issued_at=document.issued_at,
            action_url=(
                reverse("documents:revoke", args=[document.public_id]) if document.pk in revocable_ids else ""
            ),
        )
        for document in documents
    ]
    return ReviewPanel(
        title=_("Issued documents"),
        template_name=REVIEW_TEMPLATE,
        context={"rows": rows},
        order=PANEL_ORDER,
    )


def citizen_panel(application: Application, viewer: User) -> ReviewPanel | None:
    """The viewer's own documents of their application, with links; None when there are none."""
    documents = _documents(application, holder=viewer)
    if not documents:
        return None
    rows = [
        DocumentPanelRow(
            public_id=str(document.public_id),
            kind_name=kind_name(document.kind),
            reference=document.reference,
            status=document.status,
            status_label=document.get_status_display(),
            reason=public_reason(document),
            status_changed_at=document.status_changed_at,
            is_rendered=document.is_rendered,
            issued_at=document.issued_at,
            action_url=(
                reverse("documents:download", args=[document.public_id]) if document.is_rendered else ""
            ),
            detail_url=reverse("documents:detail", args=[document.public_id]),
        )
        for document in documents
    ]
    return ReviewPanel(
        title=_("Issued documents"),
        template_name=CITIZEN_TEMPLATE,
        context={"rows": rows},
        order=PANEL_ORDER,
    )
