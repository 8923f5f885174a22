"""The applications app's pages: serving attachments, and the officers' review queue.

Attachments: only to those who may see them, never rendered inline.

SECURITY.md §1.4 (3.2.1) and §3.2 step 5. Files under MEDIA_ROOT have no URL of their own; this
view is the only way out. Anyone who may not see the file gets a 404, as if it did not exist.

The citizen's pages (``/warga/permohonan/``): their applications, one application's status,
timeline, files and booking, and withdrawing it. Someone else's application is a 404.

The queue (``/staf/antrean/``): an office's actionable applications, filtered by GET
parameters; the search box is a POST rendered in place, since it may hold a NIK, which never
travels in a URL. Claim, release and reassign are POSTs that look the application up within
the user's offices first (another office's application is a 404) and then call the services.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.models import CitizenProfile, User
from accounts.selectors import log_nik_lookup
from accounts.views import citizen_required, role_required
from applications import selectors
from applications.forms import (
    DECISION_ACTIONS,
    DECISIONS_NEEDING_A_REASON,
    DecisionForm,
    QueueFilterForm,
    QueueSearchForm,
    ReassignForm,
    VersionForm,
)
from applications.models import Application, Attachment
from applications.registry import UnknownService, get_service
from applications.services import (
    ATTACHMENT_OBJECT_TYPE,
    ApplicationError,
    StaleApplication,
    TransitionRefused,
    application_reassign,
    application_transition,
    attachment_for_download,
)
from applications.workflow import APPLICATION_WORKFLOW, CITIZEN
from audit.services import audit_record, client_ip
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest

QUEUE_PAGE_SIZE = 25


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


# --- the officers' review queue -----------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    application: Application
    service_name: str | Promise
    applicant_name: str
    overdue: bool
    can_claim: bool
    can_release: bool
    officers: list[User]  # those a supervisor may hand the claim to; empty for others


def _queue_rows(
    request: AuthenticatedHttpRequest, applications: Iterable[Application]
) -> tuple[list[QueueRow], bool]:
    user = request.user
    is_supervisor = roles.SUPERVISOR in roles.roles_of(user)
    officers = selectors.reassignable_officers(user=user) if is_supervisor else {}
    today = clock.today()
    rows = []
    for application in applications:
        try:
            service_name: str | Promise = get_service(application.service_code).name
        except UnknownService:
            service_name = application.service_code
        try:
            applicant_name = application.applicant.citizen_profile.full_name
        except CitizenProfile.DoesNotExist:
            applicant_name = ""
        in_review = application.status == "in_review"
        rows.append(
            QueueRow(
                application=application,
                service_name=service_name,
                applicant_name=applicant_name,
                overdue=application.due_date is not None and application.due_date < today,
                can_claim=application.status == "queued",
                can_release=in_review and (is_supervisor or application.assigned_officer_id == user.pk),
                officers=(
                    [o for o in officers.get(application.handling_office_id or 0, []) if o.pk != user.pk]
                    if in_review and is_supervisor
                    else []
                ),
            )
        )
    return rows, is_supervisor


def _render_queue(request: AuthenticatedHttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "applications/queue.html", context)


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    filter_form = QueueFilterForm(request.GET or None)
    applications = selectors.office_work_queue(user=request.user, filters=filter_form.filters())
    page = Paginator(applications, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows, is_supervisor = _queue_rows(request, page.object_list)
    return _render_queue(
        request,
        {
            "filter_form": filter_form,
            "search_form": QueueSearchForm(),
            "rows": rows,
            "page": page,
            "filters_query": filter_form.query_string(),
            "is_supervisor": is_supervisor,
            "searching": False,
        },
    )


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def queue_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    search_form = QueueSearchForm(request.POST)
    searched_by_nik = False
    applications: list[Application] = []
    if search_form.is_valid():
        text = search_form.cleaned_data["text"]
        applications = selectors.office_work_search(user=request.user, text=text)
        if selectors.is_nik(text):
            searched_by_nik = True
            # Looking a person up by NIK is an access to personal data; the NIK is not echoed.
            log_nik_lookup(request, found=len(applications))
            search_form = QueueSearchForm()
    rows, is_supervisor = _queue_rows(request, applications)
    return _render_queue(
        request,
        {
            "filter_form": QueueFilterForm(),
            "search_form": search_form,
            "rows": rows,
            "page": None,
            "filters_query": "",
            "is_supervisor": is_supervisor,
            "searching": True,
            "searched_by_nik": searched_by_nik,
            "search_limit": selectors.SEARCH_LIMIT,
        },
    )


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    """To the queue, with the filters the action was taken from (re-validated; never a NIK)."""
    query = QueueFilterForm(QueryDict(request.POST.get("filters", ""))).query_string()
    url = reverse("applications:queue")
    return redirect(f"{url}?{query}" if query else url)


def _scoped_application(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> Application:
    """Another office's application is a 404, as if it did not exist."""
    return get_object_or_404(selectors.staff_scope(user=request.user), public_id=public_id)


def _report_refusal(request: HttpRequest, error: ApplicationError) -> None:
    if isinstance(error, StaleApplication):
        messages.error(request, StaleApplication.message)
    elif isinstance(error, TransitionRefused):
        for reason in error.reasons:
            messages.error(request, str(reason))


def _take_action(
    request: AuthenticatedHttpRequest, public_id: uuid.UUID, action: str, done: str | Promise
) -> HttpResponse:
    application = _scoped_application(request, public_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    try:
        with transaction.atomic(durable=True):
            application_transition(
                application_id=application.pk,
                action=action,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
    except (StaleApplication, TransitionRefused) as error:
        _report_refusal(request, error)
    else:
        messages.success(request, str(done))
    return _back_to_queue(request)


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def queue_claim(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _take_action(request, public_id, "claim", _("You claimed the application."))


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def queue_release(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _take_action(request, public_id, "release", _("The application is back in the queue."))


@role_required(roles.SUPERVISOR)
@require_POST
def queue_reassign(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = _scoped_application(request, public_id)
    officers = selectors.reassignable_officers(user=request.user).get(application.handling_office_id or 0, [])
    form = ReassignForm(
        request.POST, officers=User.objects.filter(pk__in=[officer.pk for officer in officers])
    )
    if not form.is_valid():
        messages.error(request, _("Choose an officer of the handling office."))
        return _back_to_queue(request)
    try:
        application_reassign(
            application_id=application.pk,
            supervisor=request.user,
            officer=form.cleaned_data["officer"],
            expected_version=form.cleaned_data["version"],
        )
    except (StaleApplication, TransitionRefused) as error:
        _report_refusal(request, error)
    else:
        messages.success(request, _("The application is reassigned."))
    return _back_to_queue(request)


# --- the officer's review page ------------------------------------------------------------


DECISION_LABELS = {
    "approve": _("Approve"),
    "reject": _("Reject"),
    "request_revision": _("Request corrections"),
    "schedule": _("Schedule an appointment"),
    "resume_review": _("Resume the review"),
    "issue": _("Issue the document"),
}


@dataclass(frozen=True)
class Decision:
    action: str
    label: str | Promise
    needs_reason: bool


def _reviewed_application(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> Application:
    """Another office's application is a 404, as if it did not exist."""
    application = selectors.review_application(user=request.user, public_id=public_id)
    if application is None:
        raise Http404
    return application


def _decisions(request: AuthenticatedHttpRequest, application: Application) -> list[Decision]:
    """The decisions this user may take now (guards are the service's to check on POST)."""
    role = roles.SUPERVISOR if roles.SUPERVISOR in roles.roles_of(request.user) else roles.OFFICER
    available = {t.name for t in APPLICATION_WORKFLOW.available(application.status, role)}
    return [
        Decision(
            action=action,
            label=DECISION_LABELS[action],
            needs_reason=action in DECISIONS_NEEDING_A_REASON,
        )
        for action in DECISION_ACTIONS
        if action in available
    ]


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_GET
def review(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = _reviewed_application(request, public_id)
    try:
        profile: CitizenProfile | None = application.applicant.citizen_profile
    except CitizenProfile.DoesNotExist:
        profile = None
    return render(
        request,
        "applications/review.html",
        {
            "application": application,
            "service_name": _service_name(application),
            "profile": profile,
            "timeline": selectors.application_timeline(application=application),
            "attachments": list(selectors.attachments_of(application=application)),
            "booking": selectors.active_booking(application=application),
            "panels": selectors.review_panels(application=application, viewer=request.user),
            "decisions": _decisions(request, application),
            "note_max_length": DecisionForm.base_fields["note"].max_length,  # type: ignore[attr-defined]
        },
    )


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def decide(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = _reviewed_application(request, public_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        try:
            with transaction.atomic(durable=True):
                application_transition(
                    application_id=application.pk,
                    action=form.cleaned_data["action"],
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    note=form.cleaned_data["note"],
                )
        except (StaleApplication, TransitionRefused) as error:
            _report_refusal(request, error)
        else:
            messages.success(request, _("The decision is recorded."))
    return redirect("applications:review", public_id=application.public_id)


# --- the citizen's applications -----------------------------------------------------------

# One sentence per status: what the citizen can expect next.
NEXT_STEPS: dict[str, Promise] = {
    "draft": _("Complete the application and submit it."),
    "pending_payment": _("Pay the bill; the application goes to the office once it is paid."),
    "queued": _("The application waits for an officer of the handling office to review it."),
    "in_review": _("An officer is reviewing the application."),
    "revision_requested": _("Correct what the officer flagged and submit the application again."),
    "awaiting_appointment": _("Book an appointment at the office and attend it."),
    "approved": _("The application is approved; the document is being prepared."),
    "rejected": _("The application was rejected. You may submit a new one."),
    "issued": _("The document is issued and on its way to you."),
    "completed": _("The application is completed. Nothing more is needed."),
    "expired": _("The application expired because it was not paid in time. You may submit a new one."),
    "cancelled": _("You cancelled the application."),
}


@dataclass(frozen=True)
class MyApplicationRow:
    application: Application
    service_name: str | Promise
    waiting: bool


def _service_name(application: Application) -> str | Promise:
    try:
        return get_service(application.service_code).name
    except UnknownService:
        return application.service_code


def _own_application(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> Application:
    """The signed-in user's application; anyone else's is a 404, as if it did not exist."""
    application = selectors.application_of(applicant=request.user, public_id=public_id)
    if application is None:
        raise Http404
    return application


def _citizen_may(application: Application, action: str) -> bool:
    return any(t.name == action for t in APPLICATION_WORKFLOW.available(application.status, CITIZEN))


@citizen_required
@require_GET
def my_applications(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = [
        MyApplicationRow(
            application=application,
            service_name=_service_name(application),
            waiting=application.is_open and application.due_date is not None,
        )
        for application in selectors.applications_of(applicant=request.user)
    ]
    return render(request, "applications/my_applications.html", {"rows": rows})


@require_GET
def application_detail(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = _own_application(request, public_id)
    return render(
        request,
        "applications/application_detail.html",
        {
            "application": application,
            "service_name": _service_name(application),
            "next_step": NEXT_STEPS.get(application.status, ""),
            "timeline": selectors.application_timeline(application=application),
            "attachments": list(selectors.attachments_of(application=application)),
            "booking": selectors.active_booking(application=application),
            "can_cancel": _citizen_may(application, "cancel"),
        },
    )


@require_POST
def application_cancel(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = _own_application(request, public_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    try:
        with transaction.atomic(durable=True):
            application_transition(
                application_id=application.pk,
                action="cancel",
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
    except (StaleApplication, TransitionRefused) as error:
        _report_refusal(request, error)
    else:
        messages.success(request, _("Your application is cancelled."))
    return redirect("applications:detail", public_id=application.public_id)
