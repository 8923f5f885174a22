"""The officers' queue (``/staf/antrean/``): an office's actionable applications, filtered by
GET parameters; the search box is a POST rendered in place, since it may hold a NIK, which never
travels in a URL. Claim, release and reassign are POSTs that look the application up within the
user's offices first (another office's application is a 404) and then call the services; they
lead back to the page they were taken from (the queue, the review page, the claims page).

Supervisors also see every claim of their scope (``/staf/antrean/klaim/``): who holds which
application since when, and hand a claim to another officer from there.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.models import CitizenProfile, User
from accounts.selectors import log_nik_lookup
from accounts.views import role_required
from applications import selectors
from applications.forms import (
    QueueFilterForm,
    QueueSearchForm,
    ReassignForm,
    VersionForm,
)
from applications.models import STATUS_LABELS, Application
from applications.registry import UnknownService, get_service
from applications.services import (
    StaleApplication,
    TransitionRefused,
    application_reassign,
    application_transition,
)
from applications.views.common import report_refusal
from applications.views.common import service_name as service_display_name
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest
from offices.workdays import add_working_days

QUEUE_PAGE_SIZE = 25
QUEUE_FILTER_FIELDS = ("service", "status", "older_than_days", "overdue")
CLAIMS_PAGE_SIZE = 100


# --- the officers' review queue -----------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    application: Application
    service_name: str | Promise
    applicant_name: str
    overdue: bool
    due_soon: bool  # due today or on the next working day, and not yet past due
    can_claim: bool
    can_release: bool
    officers: list[User]  # those a supervisor may hand the claim to; empty for others
    # Shown as they are: built once per page, not by template tags in every row.
    review_url: str = ""
    action_urls: tuple[str, str, str] = ("", "", "")  # claim, release, reassign
    status_label: str = ""
    due_date_text: str = ""
    officer_email: str = ""


# A stand-in public id: each row's URLs are the page's reversed once, with its own id put in.
_ID_SLOT = uuid.UUID(int=0)
_ROW_URL_NAMES = (
    "applications:review",
    "applications:queue_claim",
    "applications:queue_release",
    "applications:queue_reassign",
)


def _queue_rows(
    request: AuthenticatedHttpRequest, applications: Iterable[Application]
) -> tuple[list[QueueRow], bool]:
    user = request.user
    is_supervisor = roles.SUPERVISOR in roles.roles_of(user)
    officers = selectors.reassignable_officers(user=user) if is_supervisor else {}
    today = clock.today()
    # One holiday query per page, whatever the rows.
    soon_until = add_working_days(today, 1)
    slot = str(_ID_SLOT)
    url_patterns = [reverse(name, args=[_ID_SLOT]) for name in _ROW_URL_NAMES]
    # Labels and dates repeat from row to row: each is translated or formatted once per page.
    service_names: dict[str, str | Promise] = {}
    status_labels: dict[str, str] = {}
    dates: dict[dt.date, str] = {}
    rows = []
    for application in applications:
        code = application.service_code
        if code not in service_names:
            try:
                service_names[code] = str(get_service(code).name)
            except UnknownService:
                service_names[code] = code
        status = application.status
        if status not in status_labels:
            status_labels[status] = str(STATUS_LABELS.get(status, status))
        due = application.due_date
        if due is not None and due not in dates:
            dates[due] = date_format(due, "SHORT_DATE_FORMAT")
        try:
            applicant_name = application.applicant.citizen_profile.full_name
        except CitizenProfile.DoesNotExist:
            applicant_name = ""
        in_review = application.status == "in_review"
        public_id = str(application.public_id)
        review_url, claim_url, release_url, reassign_url = (
            pattern.replace(slot, public_id) for pattern in url_patterns
        )
        officer = application.assigned_officer
        rows.append(
            QueueRow(
                application=application,
                service_name=service_names[code],
                applicant_name=applicant_name,
                overdue=due is not None and due < today,
                due_soon=due is not None and today <= due <= soon_until,
                can_claim=application.status == "queued",
                can_release=in_review and (is_supervisor or application.assigned_officer_id == user.pk),
                officers=(
                    [o for o in officers.get(application.handling_office_id or 0, []) if o.pk != user.pk]
                    if in_review and is_supervisor
                    else []
                ),
                review_url=review_url,
                action_urls=(claim_url, release_url, reassign_url),
                status_label=status_labels[application.status],
                due_date_text=dates[due] if due is not None else "",
                officer_email=officer.email if officer is not None else "",
            )
        )
    return rows, is_supervisor


@functools.lru_cache(maxsize=64)
def _filter_field_groups(
    language: str | None, bound: bool, values: tuple[str | None, ...]
) -> tuple[str, ...]:
    """The filter fields' HTML for valid (or no) filters: the same for everyone who asks for
    them in a language, so it is rendered once per process (the choices are the registry's
    services and the queue's states, fixed once the apps are loaded). ``language`` is only
    the key: the active one renders."""
    data = {name: value for name, value in zip(QUEUE_FILTER_FIELDS, values, strict=True) if value is not None}
    form = QueueFilterForm(data if bound else None)
    return tuple(str(form[name].as_field_group()) for name in QUEUE_FILTER_FIELDS)


@functools.lru_cache(maxsize=8)
def _empty_search_field(language: str | None) -> str:
    return str(QueueSearchForm()["text"].as_field_group())


def _filter_fields(filter_form: QueueFilterForm) -> tuple[str, ...]:
    if filter_form.is_bound and not filter_form.is_valid():
        # With the errors, as typed: rendered for this request only.
        return tuple(str(filter_form[name].as_field_group()) for name in QUEUE_FILTER_FIELDS)
    values = tuple(filter_form.data.get(name) for name in QUEUE_FILTER_FIELDS)
    return _filter_field_groups(get_language(), filter_form.is_bound, values)


def _search_field(search_form: QueueSearchForm) -> str:
    if search_form.is_bound:
        return str(search_form["text"].as_field_group())
    return _empty_search_field(get_language())


def _render_queue(request: AuthenticatedHttpRequest, context: dict[str, Any]) -> HttpResponse:
    context["filter_fields"] = _filter_fields(context["filter_form"])
    context["search_field"] = _search_field(context["search_form"])
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


def _back_to_queue(request: HttpRequest, application: Application | None = None) -> HttpResponse:
    """To the page the action was taken from: the review page, the claims page, or the queue
    with its filters (re-validated; never a NIK)."""
    return_to = request.POST.get("return_to", "")
    if return_to == "review" and application is not None:
        return redirect("applications:review", public_id=application.public_id)
    if return_to == "claims":
        return redirect("applications:claims")
    query = QueueFilterForm(QueryDict(request.POST.get("filters", ""))).query_string()
    url = reverse("applications:queue")
    return redirect(f"{url}?{query}" if query else url)


def _scoped_application(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> Application:
    """Another office's application is a 404, as if it did not exist."""
    return get_object_or_404(selectors.staff_scope(user=request.user), public_id=public_id)


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
        report_refusal(request, error)
    else:
        messages.success(request, str(done))
    return _back_to_queue(request, application)


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
        return _back_to_queue(request, application)
    try:
        application_reassign(
            application_id=application.pk,
            supervisor=request.user,
            officer=form.cleaned_data["officer"],
            expected_version=form.cleaned_data["version"],
        )
    except (StaleApplication, TransitionRefused) as error:
        report_refusal(request, error)
    else:
        messages.success(request, _("The application is reassigned."))
    return _back_to_queue(request, application)


# --- the supervisors' view of every claim -------------------------------------------------


@dataclass(frozen=True)
class ClaimRow:
    application: Application
    service_name: str | Promise
    in_review_since: dt.datetime | None
    overdue: bool
    officers: list[User]  # those the claim can be handed to (its holder left out)


@role_required(roles.SUPERVISOR)
@require_GET
def claims(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every application in review in the supervisor's scope, by the officer holding it."""
    page = Paginator(selectors.claims_in_scope(user=request.user), CLAIMS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    officers = selectors.reassignable_officers(user=request.user)
    today = clock.today()
    rows = [
        ClaimRow(
            application=application,
            service_name=service_display_name(application),
            in_review_since=getattr(application, "in_review_since", None),
            overdue=application.due_date is not None and application.due_date < today,
            officers=[
                officer
                for officer in officers.get(application.handling_office_id or 0, [])
                if officer.pk != application.assigned_officer_id
            ],
        )
        for application in page.object_list
    ]
    return render(request, "applications/claims.html", {"rows": rows, "page": page})
