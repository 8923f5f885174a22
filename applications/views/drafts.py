"""The citizen's way from a service to a submitted application (``/warga/permohonan/…``):
choosing a service, the draft's details and delivery, its documents, submitting it to an
office, and answering an officer's request for corrections.

Starting needs a verified identity. Someone else's application is a 404 on every page, for
GET and POST alike — staff included: as on the application's own page, the pages of one
application rely on ``own_application`` rather than ``citizen_required``, so to anyone but the
applicant the application does not exist. The writes are the services' (``application_start``,
``application_details_save``, ``attachment_add``, ``application_transition``); these views
only build forms, call them and explain their refusals next to what caused them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors as account_selectors
from accounts.views import citizen_required
from applications import selectors
from applications.citizen_forms import (
    DeliveryForm,
    ResubmitForm,
    SubmitForm,
    UploadForm,
    details_form_for,
    document_in_sentence,
    upload_kinds_for,
)
from applications.guards import open_revision_request
from applications.models import Application, Attachment, RevisionRequest
from applications.registry import (
    DOCUMENT_KINDS,
    DeliveryChoice,
    DetailsForm,
    ServiceDefinition,
    UnknownService,
    all_services,
    get_service,
    revisable_fields,
)
from applications.services import (
    ATTACHMENT_STATES,
    EDITABLE_STATES,
    AttachmentRefused,
    DuplicateOpenApplication,
    EditRefused,
    Reason,
    StaleApplication,
    TransitionRefused,
    application_details_save,
    application_start,
    application_transition,
    attachment_add,
)
from applications.uploads import UploadRejected
from applications.views.common import own_application, shown_value
from korlantas.lib.http import AuthenticatedHttpRequest

# allauth's limiter, configured in settings.ACCOUNT_RATE_LIMITS (per user): every POST counts,
# valid or not, and a refused one does nothing (the 429 page).
SUBMIT_RATE_LIMIT = "application_submit"
UPLOAD_RATE_LIMIT = "attachment_upload"

DUPLICATE_MESSAGE = _(
    "You already have an open application for this service and subject. Continue that one "
    "from “My applications” instead of starting another."
)

# --- what the application's own page shows about a draft or a revision -------------------


@dataclass(frozen=True)
class DocumentStatus:
    kind: str
    label: str | Promise
    present: bool


@dataclass(frozen=True)
class DraftProgress:
    """The draft's checklist: details, required documents, then submitting."""

    details_done: bool
    documents: list[DocumentStatus]

    @property
    def documents_present(self) -> int:
        return sum(1 for document in self.documents if document.present)

    @property
    def documents_required(self) -> int:
        return len(self.documents)

    @property
    def documents_done(self) -> bool:
        return self.documents_present == self.documents_required

    @property
    def ready(self) -> bool:
        return self.details_done and self.documents_done


def required_document_status(
    service: ServiceDefinition, attachments: list[Attachment]
) -> list[DocumentStatus]:
    present = {attachment.kind for attachment in attachments}
    return [
        DocumentStatus(kind=kind, label=DOCUMENT_KINDS[kind], present=kind in present)
        for kind in service.required_documents
    ]


def draft_progress(
    application: Application, service: ServiceDefinition, attachments: list[Attachment]
) -> DraftProgress:
    # The details form was valid when the draft was made; the delivery choice may be missing
    # only for drafts made elsewhere than these pages.
    return DraftProgress(
        details_done=bool(application.subject and application.delivery_choice),
        documents=required_document_status(service, attachments),
    )


@dataclass(frozen=True)
class FlaggedItem:
    name: str
    label: str | Promise
    changed: bool


@dataclass(frozen=True)
class RevisionSummary:
    """What the officer asked to correct, and what the applicant has changed so far."""

    note: str
    deadline: dt.datetime
    fields: list[FlaggedItem]
    documents: list[FlaggedItem]


def revision_summary(revision: RevisionRequest, service: ServiceDefinition) -> RevisionSummary:
    field_labels = dict(revisable_fields(service))
    return RevisionSummary(
        note=revision.note,
        deadline=revision.deadline,
        fields=[
            FlaggedItem(
                name=name, label=field_labels.get(name, name), changed=name in revision.changed_fields
            )
            for name in revision.fields
        ],
        documents=[
            FlaggedItem(
                name=kind, label=DOCUMENT_KINDS.get(kind, kind), changed=kind in revision.changed_documents
            )
            for kind in revision.documents
        ],
    )


def open_revision_summary(application: Application, service: ServiceDefinition) -> RevisionSummary | None:
    if application.status != "revision_requested":
        return None
    revision = open_revision_request(application)
    return revision_summary(revision, service) if revision is not None else None


# --- helpers ------------------------------------------------------------------------------


def _service_or_404(code: str) -> ServiceDefinition:
    try:
        return get_service(code)
    except UnknownService:
        raise Http404 from None


def _identity_verified(request: AuthenticatedHttpRequest) -> bool:
    profile = account_selectors.profile_of(request.user)
    return profile is not None and profile.identity_verified


def _identity_needed(request: AuthenticatedHttpRequest, status: int = 200) -> HttpResponse:
    return render(request, "applications/draft_identity_needed.html", status=status)


def _leave_for_detail(
    application: Application, message: Reason, request: AuthenticatedHttpRequest
) -> HttpResponse:
    messages.info(request, str(message))
    return redirect("applications:detail", public_id=application.public_id)


# --- choosing a service and starting a draft ----------------------------------------------


@dataclass(frozen=True)
class ServiceCard:
    code: str
    name: str | Promise
    description: str | Promise
    documents: list[str | Promise]
    delivery: list[str | Promise]


@citizen_required
@require_GET
def service_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not _identity_verified(request):
        return _identity_needed(request)
    cards = [
        ServiceCard(
            code=service.code,
            name=service.name,
            description=service.description,
            documents=[DOCUMENT_KINDS[kind] for kind in service.required_documents],
            delivery=[DeliveryChoice(choice).label for choice in service.delivery_choices],
        )
        for service in all_services()
    ]
    return render(request, "applications/service_list.html", {"cards": cards})


@citizen_required
@require_http_methods(["GET", "POST"])
def draft_start(request: AuthenticatedHttpRequest, service_code: str) -> HttpResponse:
    service = _service_or_404(service_code)
    if not _identity_verified(request):
        # Refused, with the way forward: nothing of the service's form is shown.
        return _identity_needed(request, status=403)
    posted = request.method == "POST"
    details = details_form_for(
        service,
        applicant=request.user,
        data=request.POST if posted else None,
        files=request.FILES if posted else None,
        preselect=None if posted else {key: request.GET[key] for key in request.GET},
    )
    delivery = DeliveryForm(request.POST if posted else None, service=service)
    duplicate = False
    if posted and delivery.is_valid() and (details is None or details.is_valid()):
        try:
            application = application_start(
                applicant=request.user,
                service_code=service.code,
                details=details,
                delivery_choice=delivery.cleaned_data["delivery_choice"],
            )
        except DuplicateOpenApplication:
            # Shown above the form with a link to the open one; the form keeps what was typed.
            duplicate = True
        else:
            messages.success(request, _("Your draft is saved. Add the documents, then submit it."))
            return redirect("applications:detail", public_id=application.public_id)
    return render(
        request,
        "applications/draft_start.html",
        {
            "service": service,
            "details": details,
            "delivery": delivery,
            "duplicate_message": DUPLICATE_MESSAGE if duplicate else None,
        },
    )


# --- editing the draft, or the flagged fields of a returned application --------------------


@require_http_methods(["GET", "POST"])
def draft_edit(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = own_application(request, public_id)
    if application.status not in EDITABLE_STATES:
        return _leave_for_detail(application, EditRefused.MESSAGES["wrong_state"], request)
    service = _service_or_404(application.service_code)
    revision = open_revision_summary(application, service)
    in_revision = application.status == "revision_requested"
    # A draft: every field. A returned application: only the flagged ones (none without a request).
    editable: list[str] | None = None
    if in_revision:
        editable = [item.name for item in revision.fields] if revision is not None else []
    posted = request.method == "POST"
    details = details_form_for(
        service,
        applicant=request.user,
        application=application,
        data=request.POST if posted else None,
        files=request.FILES if posted else None,
        editable=editable,
    )
    # The delivery choice is part of the draft; a revision changes only what was flagged.
    delivery = (
        None
        if in_revision
        else DeliveryForm(
            request.POST if posted else None,
            service=service,
            initial={"delivery_choice": application.delivery_choice},
        )
    )
    problem: Reason | None = None
    duplicate = False
    # After a refusal the page keeps the version it was built from: a stale page must be
    # reloaded, not saved over what changed meanwhile.
    version = application.version
    if posted:
        posted_version = _posted_version(request)
        if posted_version is None:
            return HttpResponseBadRequest()
        version = posted_version
        if (delivery is None or delivery.is_valid()) and (details is None or details.is_valid()):
            try:
                application_details_save(
                    application_id=application.pk,
                    actor=request.user,
                    details=details,
                    delivery_choice=delivery.cleaned_data["delivery_choice"]
                    if delivery is not None
                    else None,
                    expected_version=version,
                )
            except StaleApplication:
                problem = StaleApplication.message
            except EditRefused as refused:
                problem = refused.message
            except DuplicateOpenApplication:
                duplicate = True
                problem = DUPLICATE_MESSAGE
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("applications:detail", public_id=application.public_id)
    return render(
        request,
        "applications/draft_edit.html",
        {
            "application": application,
            "service": service,
            "details": details,
            "delivery": delivery,
            "revision": revision,
            "version": version,
            "problem": problem,
            "duplicate": duplicate,
        },
    )


def _posted_version(request: AuthenticatedHttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


# --- documents ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def draft_documents(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = own_application(request, public_id)
    if application.status not in ATTACHMENT_STATES:
        return _leave_for_detail(application, AttachmentRefused.MESSAGES["wrong_state"], request)
    service = _service_or_404(application.service_code)
    revision = open_revision_summary(application, service)
    if application.status == "revision_requested":
        offered = [item.name for item in revision.documents] if revision is not None else []
    else:
        offered = upload_kinds_for(service)
    upload_forms = {kind: UploadForm(kind=kind) for kind in offered}
    if request.method == "POST":
        if not ratelimit.consume(request, action=UPLOAD_RATE_LIMIT, user=request.user):
            return ratelimit.respond_429(request)
        kind = request.POST.get("kind", "")
        if kind not in upload_forms:
            messages.error(request, str(AttachmentRefused.MESSAGES["not_flagged"]))
            return redirect("applications:documents", public_id=application.public_id)
        form = upload_forms[kind] = UploadForm(request.POST, request.FILES, kind=kind)
        if form.is_valid():
            try:
                attachment_add(
                    application_id=application.pk,
                    kind=kind,
                    uploaded_file=form.cleaned_data["file"],
                    actor=request.user,
                )
            except UploadRejected as rejected:
                # Every problem at once (a photo can be too small, landscape and blank).
                for _code, message in rejected.problems:
                    form.add_error("file", str(message))
            except AttachmentRefused as refused:
                form.add_error("file", str(refused.message))
            else:
                messages.success(
                    request,
                    _("The %(document)s is uploaded.") % {"document": document_in_sentence(kind)},
                )
                return redirect("applications:documents", public_id=application.public_id)
    attachments = list(selectors.attachments_of(application=application))
    return render(
        request,
        "applications/draft_documents.html",
        {
            "application": application,
            "service": service,
            "revision": revision,
            "required": required_document_status(service, attachments),
            "attachments": attachments,
            "upload_forms": list(upload_forms.values()),
        },
    )


# --- submitting ---------------------------------------------------------------------------


def _details_summary(details: DetailsForm | None) -> list[tuple[Any, Any]]:
    """The service's fields and their stored values, for the summary before submitting."""
    if details is None:
        return []
    rows: list[tuple[Any, Any]] = []
    for name, field in details.fields.items():
        value = details.initial.get(name, "")
        # A plain choice shows its label, as on the officer's review page ("Transfer code from the
        # seller", not "code"); a model choice is left alone (a query per field).
        if (
            isinstance(field, forms.ChoiceField)
            and not isinstance(field, forms.ModelChoiceField)
            and value not in (None, "")
        ):
            value = dict(_choice_pairs(field.choices)).get(str(value), value)
        rows.append((field.label, shown_value(value)))
    return rows


def _choice_pairs(choices: Any) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            pairs.extend((str(inner), inner_label) for inner, inner_label in label)
        else:
            pairs.append((str(key), label))
    return pairs


@require_http_methods(["GET", "POST"])
def draft_submit(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = own_application(request, public_id)
    if application.status != "draft":
        return _leave_for_detail(application, _("This application is already submitted."), request)
    service = _service_or_404(application.service_code)
    offices = selectors.offices_for_submission(service, application)
    form = SubmitForm(
        request.POST if request.method == "POST" else None,
        offices=offices,
        initial={"version": application.version},
    )
    reasons: list[Reason] = []
    if request.method == "POST":
        if not ratelimit.consume(request, action=SUBMIT_RATE_LIMIT, user=request.user):
            return ratelimit.respond_429(request)
        if not form.is_valid() and "version" in form.errors:
            return HttpResponseBadRequest()
        if form.is_valid():
            reasons = _refusals_of(
                request,
                application,
                "submit",
                version=form.cleaned_data["version"],
                office=form.cleaned_data["office"],
            )
            if not reasons:
                messages.success(
                    request, _("Your application is submitted. Pay the bill to send it to the office.")
                )
                return redirect("applications:detail", public_id=application.public_id)
    attachments = list(selectors.attachments_of(application=application))
    return render(
        request,
        "applications/draft_submit.html",
        {
            "application": application,
            "service": service,
            "details_summary": _details_summary(
                details_form_for(service, applicant=request.user, application=application)
            ),
            "progress": draft_progress(application, service, attachments),
            "attachments": attachments,
            "form": form,
            "has_offices": offices.exists(),
            "reasons": reasons,
        },
    )


def _refusals_of(
    request: AuthenticatedHttpRequest, application: Application, action: str, *, version: int, **extra: Any
) -> list[Reason]:
    """Take the citizen's ``action`` in its own transaction; the reasons it was refused (none: done),
    listed on the page rather than flashed."""
    try:
        with transaction.atomic(durable=True):
            application_transition(
                application_id=application.pk,
                action=action,
                actor=request.user,
                expected_version=version,
                **extra,
            )
    except StaleApplication:
        return [StaleApplication.message]
    except TransitionRefused as refused:
        return list(refused.reasons)
    return []


# --- answering a revision request ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
def revision_resubmit(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = own_application(request, public_id)
    if application.status != "revision_requested":
        return _leave_for_detail(application, _("No correction is asked for this application."), request)
    service = _service_or_404(application.service_code)
    revision = open_revision_summary(application, service)
    form = ResubmitForm(
        request.POST if request.method == "POST" else None, initial={"version": application.version}
    )
    reasons: list[Reason] = []
    if request.method == "POST":
        if not ratelimit.consume(request, action=SUBMIT_RATE_LIMIT, user=request.user):
            return ratelimit.respond_429(request)
        if not form.is_valid() and "version" in form.errors:
            return HttpResponseBadRequest()
        if form.is_valid():
            reasons = _refusals_of(
                request,
                application,
                "resubmit",
                version=form.cleaned_data["version"],
                note=form.cleaned_data["reply"].strip(),
            )
            if not reasons:
                messages.success(request, _("Your corrections are sent. The office will review them."))
                return redirect("applications:detail", public_id=application.public_id)
    return render(
        request,
        "applications/draft_resubmit.html",
        {
            "application": application,
            "service": service,
            "revision": revision,
            "form": form,
            "reasons": reasons,
        },
    )
