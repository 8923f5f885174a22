"""Pages of the documents app.

* ``/verify/<token>/`` — public: is this document valid, superseded or revoked? It shows the
  kind, the reference, the issue date, the holder's name masked and the fields the kind
  registers, never a NIK, address or photo. The rate limit is consumed before the token is
  looked up and a wrong or malformed token is the site's ordinary 404 after the same single
  query, so neither the answer nor its cost tells a guesser anything. Each look at an existing
  document is logged (time, network, browser family).
* ``/warga/dokumen/…`` — the holder's documents, one document with its verifications, and its
  PDF (as an attachment). Anyone else's document is a 404.
* ``/staf/dokumen/<uuid>/cabut/`` — a supervisor of the handling office revokes a document with
  a reason (``documents.revocation``), then returns to the application's review page, whose
  documents panel (``documents.panels``) links here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from allauth.core.internal import ratelimit as allauth_ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import roles
from accounts.views import citizen_required, role_required
from audit.services import client_ip
from documents import selectors
from documents.forms import RevokeForm
from documents.models import IssuedDocument
from documents.qr import verification_url
from documents.registry import Label, UnknownKind, get_kind
from documents.revocation import RevocationRefused, document_revoke, public_reason, staff_reason
from documents.verification import OTHER_CLIENT, verification_record
from korlantas.lib.http import AuthenticatedHttpRequest

# allauth's limiter, configured in settings.ACCOUNT_RATE_LIMITS (per client address).
VERIFY_RATE_LIMIT = "verify_document"


def consume_verify_limit(request: HttpRequest) -> bool:
    """One verification against the client's budget; False when it is spent.

    allauth's public ``ratelimit.consume`` lets every GET through unlimited (its limits guard
    forms); the verification page is a GET, so the limiter is called with ``limit_get``."""
    usage = allauth_ratelimit.consume(
        request, app="allauth.account", action=VERIFY_RATE_LIMIT, limit_get=True
    )
    return usage is not None


# --- the document's kind ------------------------------------------------------------------


@dataclass(frozen=True)
class KindDisplay:
    name: Label
    fields: list[tuple[Label, Any]]
    shows_holder: bool = True


def kind_display(document: IssuedDocument, *, with_fields: bool = False) -> KindDisplay:
    """The kind's name and (for the verification page) the fields it registers. A kind no
    longer registered shows its code and no fields rather than failing the page."""
    try:
        kind = get_kind(document.kind)
    except UnknownKind:
        return KindDisplay(name=document.kind, fields=[])
    fields = list(kind.verification_fields(document)) if with_fields else []
    return KindDisplay(name=kind.name, fields=fields, shows_holder=kind.shows_holder(document))


# --- public verification ------------------------------------------------------------------


@login_not_required
@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    # Before the lookup: a client over the limit learns nothing about the token it sent.
    if not consume_verify_limit(request):
        response = render(request, "429.html", status=429)
        add_never_cache_headers(response)
        return response
    document = selectors.document_by_token(token)
    if document is None:
        raise Http404
    verification_record(
        document=document, ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT")
    )
    kind = kind_display(document, with_fields=True)
    response = render(
        request,
        "documents/verify.html",
        {
            "document": document,
            "kind": kind,
            "holder": selectors.masked_name(selectors.verified_holder_name(document))
            if kind.shows_holder
            else "",
            # Only a fixed system reason ("the application was cancelled"), never a supervisor's text.
            "public_reason": public_reason(document),
        },
    )
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token is in this page's address: no other site learns it from a link followed here.
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- the holder's documents ---------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    document: IssuedDocument
    kind_name: Label


@dataclass(frozen=True)
class VerificationRow:
    verified_at: Any
    client: str | Promise


HolderView = Callable[[AuthenticatedHttpRequest, IssuedDocument], HttpResponseBase]


def holder_document_view(view: HolderView) -> Callable[..., HttpResponseBase]:
    """A page about one of the signed-in citizen's documents, named by ``public_id``, GET only.

    The document is looked up before the method is checked: anyone else's document is a 404
    whatever the method, so not even a POST tells which documents exist."""

    # citizen_required is typed for HttpResponse; a FileResponse streams, and is no HttpResponse.
    @citizen_required  # type: ignore[arg-type]
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
        document = selectors.document_of(holder=request.user, public_id=public_id)
        if document is None:
            raise Http404
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return view(request, document)

    return wrapper


@citizen_required
@require_GET
def my_documents(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = [
        DocumentRow(document=document, kind_name=kind_display(document).name)
        for document in selectors.documents_of(holder=request.user)
    ]
    return render(request, "documents/my_documents.html", {"rows": rows})


@holder_document_view
def document_detail(request: AuthenticatedHttpRequest, document: IssuedDocument) -> HttpResponse:
    verifications = [
        VerificationRow(
            verified_at=verification.verified_at,
            client=_("Other browser") if verification.client in ("", OTHER_CLIENT) else verification.client,
        )
        for verification in selectors.verifications_of(document=document)
    ]
    verification_count: int = getattr(document, "verification_count", len(verifications))
    return render(
        request,
        "documents/document_detail.html",
        {
            "document": document,
            "kind": kind_display(document),
            "public_reason": public_reason(document),
            "verification_url": verification_url(document.verification_token),
            "verifications": verifications,
            "verification_count": verification_count,
            "more_verifications": verification_count > len(verifications),
        },
    )


@holder_document_view
def document_download(request: AuthenticatedHttpRequest, document: IssuedDocument) -> FileResponse:
    """The PDF, as an attachment only (SECURITY.md §1.4, 3.2.1); not rendered yet: a 404."""
    if not document.is_rendered:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=download_name(document), content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response


def download_name(document: IssuedDocument) -> str:
    """``<kind>-<reference>.pdf`` in plain ASCII letters, digits, underscores and dashes (ASVS 5.4.2)."""
    stem = re.sub(r"[^A-Za-z0-9_]+", "-", f"{document.kind}-{document.reference}").strip("-")
    return f"{stem or 'dokumen'}.pdf"


# --- staff: revoking a document -----------------------------------------------------------


@role_required(roles.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def revoke(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Another office's document is a 404; the MFA middleware and ``role_required`` come first."""
    document = selectors.document_for_staff(user=request.user, public_id=public_id)
    if document is None:
        raise Http404
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            with transaction.atomic(durable=True):
                document_revoke(
                    document_id=document.pk, supervisor=request.user, reason=form.cleaned_data["reason"]
                )
        except RevocationRefused as refused:
            field = "reason" if refused.code.startswith("reason") else None
            form.add_error(field, str(refused.message))
            # Someone may have changed it meanwhile: show the document as it is now.
            document = selectors.document_for_staff(user=request.user, public_id=public_id) or document
        else:
            messages.success(request, _("The document is revoked. Its verification page now says so."))
            # Back to the application it belongs to (in the supervisor's scope: document_for_staff).
            if document.application is not None:
                return redirect("applications:review", public_id=document.application.public_id)
            return redirect("documents:revoke", public_id=document.public_id)
    return render(
        request,
        "documents/revoke.html",
        {
            "document": document,
            "kind": kind_display(document),
            "holder": selectors.holder_name(document),
            "reason": staff_reason(document),
            "form": form,
        },
    )
