"""The officer's review page (``/staf/antrean/<uuid>/``) and what is done from it.

The page puts the application's data and its documents side by side, with the panels other
apps contribute and the timeline. From it an officer takes the decisions the workflow table
offers in the application's status (one small form each: approve, reject with a reason from
the list, request corrections of chosen fields and documents, forward to the next office of
the route, schedule, resume the review, issue), records the outcome of a booked appointment,
and may reveal the applicant's full NIK: a POST, written to the audit trail, answered with
the page itself (never cached, never in a URL).

Invalid input re-renders the page with the bound form and its errors next to the fields
(status 200); a stale page gets the "changed meanwhile" message and a fresh page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.models import CitizenProfile
from accounts.views import role_required
from applications import selectors
from applications.appointments import BookingRefused, booking_record_attendance
from applications.forms import (
    DECISION_ACTIONS,
    AttendanceForm,
    DecisionForm,
    ForwardForm,
    RejectForm,
    RevisionRequestForm,
)
from applications.models import Application, Attachment, Booking
from applications.registry import ServiceDefinition, UnknownService, get_service
from applications.services import (
    OBJECT_TYPE,
    StaleApplication,
    TransitionRefused,
    application_transition,
)
from applications.views.common import report_refusal, service_name, shown_value
from applications.workflow import APPLICATION_WORKFLOW
from audit import actions as audit_actions
from audit.services import audit_record, client_ip
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest

# --- the officer's review page ------------------------------------------------------------


DECISION_LABELS: dict[str, str | Promise] = {
    "approve": _("Approve"),
    "reject": _("Reject"),
    "request_revision": _("Request corrections"),
    "forward": _("Forward to the next office"),
    "schedule": _("Schedule an appointment"),
    "resume_review": _("Resume the review"),
    "issue": _("Issue the document"),
}
DECISION_DONE: dict[str, str | Promise] = {
    "approve": _("The application is approved."),
    "reject": _("The application is rejected."),
    "request_revision": _("The corrections are requested from the applicant."),
    "forward": _("The application is forwarded to the next office."),
    "schedule": _("The applicant can now book an appointment."),
    "resume_review": _("The review is resumed."),
    "issue": _("The document is issued."),
}
# Decisions whose form needs more than a note: shown folded until the officer opens them.
FOLDED_DECISIONS = frozenset({"reject", "request_revision", "forward"})


@dataclass(frozen=True)
class Decision:
    action: str
    label: str | Promise
    form: DecisionForm
    folded: bool


@dataclass(frozen=True)
class Attendance:
    """The booking awaiting an outcome, and the form to record it (None until it has started)."""

    booking: Booking
    form: AttendanceForm | None


def _reviewed_application(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> Application:
    """Another office's application is a 404, as if it did not exist."""
    application = selectors.review_application(user=request.user, public_id=public_id)
    if application is None:
        raise Http404
    return application


def _role(request: AuthenticatedHttpRequest) -> str:
    return roles.SUPERVISOR if roles.SUPERVISOR in roles.roles_of(request.user) else roles.OFFICER


def _service(application: Application) -> ServiceDefinition | None:
    try:
        return get_service(application.service_code)
    except UnknownService:
        return None


def _profile(application: Application) -> CitizenProfile | None:
    try:
        return application.applicant.citizen_profile
    except CitizenProfile.DoesNotExist:
        return None


def _held_by_another(request: AuthenticatedHttpRequest, application: Application) -> bool:
    """Claimed by another officer: only they (or a supervisor) decide (services._check_staff_scope)."""
    return (
        application.status == "in_review"
        and _role(request) == roles.OFFICER
        and application.assigned_officer_id != request.user.pk
    )


def _offered_actions(request: AuthenticatedHttpRequest, application: Application) -> list[str]:
    """The decisions this user may take now (the guards are the transition's to check)."""
    if _held_by_another(request, application):
        return []
    available = {t.name for t in APPLICATION_WORKFLOW.available(application.status, _role(request))}
    offered = []
    for action in DECISION_ACTIONS:
        if action not in available:
            continue
        if action == "forward" and selectors.next_route_kind(application=application) is None:
            continue
        if action == "request_revision" and _service(application) is None:
            continue
        if action == "schedule" and not _needs_appointment(application):
            continue  # the service says this application needs none: the button would only be refused
        offered.append(action)
    return offered


def _needs_appointment(application: Application) -> bool:
    service = _service(application)
    return service is not None and service.needs_appointment(application)


def _decision_form(action: str, application: Application, data: Any = None) -> DecisionForm:
    kwargs: dict[str, Any] = {"auto_id": f"id_{action}_%s", "initial": {"version": application.version}}
    if action == "reject":
        return RejectForm(data, **kwargs)
    if action == "request_revision":
        service = _service(application)
        if service is None:
            raise Http404
        return RevisionRequestForm(data, service=service, **kwargs)
    if action == "forward":
        return ForwardForm(data, offices=selectors.forward_offices(application=application), **kwargs)
    return DecisionForm(data, **kwargs)


def _service_details(service: ServiceDefinition | None, application: Application) -> list[tuple[Any, Any]]:
    """The service's own fields as the applicant filled them in: (label, value) pairs."""
    if service is None or service.details_form is None:
        return []
    details = service.details_form(application=application, applicant=application.applicant)
    rows: list[tuple[Any, Any]] = []
    for name, field in details.fields.items():
        value = details.get_initial_for_field(field, name)
        # Plain choices show their label; a model choice would cost a query per field.
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            labels = {str(key): label for key, label in _flat_choices(field.choices)}
            value = labels.get(str(value), value) if value not in (None, "") else value
        rows.append((field.label or name.replace("_", " ").capitalize(), shown_value(value)))
    return rows


def _flat_choices(choices: Any) -> list[tuple[Any, Any]]:
    flat: list[tuple[Any, Any]] = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat.extend(label)
        else:
            flat.append((key, label))
    return flat


def _attendance(
    application: Application, bookings: list[Booking], bound: AttendanceForm | None
) -> Attendance | None:
    """The booked appointment whose outcome the officer can record now (while awaiting one)."""
    if application.status != "awaiting_appointment":
        return None
    booked = next((b for b in bookings if b.state == Booking.State.BOOKED), None)
    if booked is None:
        return None
    if bound is not None:
        return Attendance(booking=booked, form=bound)
    if clock.now() < booked.slot.starts_at:
        return Attendance(booking=booked, form=None)
    form = AttendanceForm(auto_id="id_attendance_%s", initial={"booking": booked.public_id})
    return Attendance(booking=booked, form=form)


def _render_review(
    request: AuthenticatedHttpRequest,
    application: Application,
    *,
    bound_decision: tuple[str, DecisionForm] | None = None,
    attendance_form: AttendanceForm | None = None,
    full_nik: str = "",
) -> HttpResponse:
    service = _service(application)
    offered = _offered_actions(request, application)
    decisions = [
        Decision(
            action=action,
            label=DECISION_LABELS[action],
            form=(
                bound_decision[1]
                if bound_decision is not None and bound_decision[0] == action
                else _decision_form(action, application)
            ),
            folded=action in FOLDED_DECISIONS,
        )
        for action in offered
    ]
    bookings = list(selectors.bookings_of(application=application))
    attachments = list(selectors.attachments_of(application=application))
    return render(
        request,
        "applications/review.html",
        {
            "application": application,
            "service_name": service_name(application),
            "service_details": _service_details(service, application),
            "profile": _profile(application),
            "full_nik": full_nik,
            "timeline": selectors.application_timeline(application=application),
            "audit_trail": selectors.application_audit_trail(
                application=application, attachments=attachments, bookings=bookings
            ),
            "attachments": attachments,
            "ktp_scan_kind": Attachment.Kind.KTP_SCAN,
            "bookings": bookings,
            "attendance": _attendance(application, bookings, attendance_form),
            "panels": selectors.review_panels(application=application, viewer=request.user),
            "decisions": decisions,
            "held_by_another": _held_by_another(request, application),
            "can_claim": application.status == "queued",
            "can_release": application.status == "in_review"
            and (_role(request) == roles.SUPERVISOR or application.assigned_officer_id == request.user.pk),
        },
    )


def _after_decision(request: AuthenticatedHttpRequest, application: Application) -> HttpResponse:
    """Back to the page, or to the queue once the application has left the user's offices."""
    if selectors.review_application(user=request.user, public_id=application.public_id) is None:
        return redirect("applications:queue")
    return redirect("applications:review", public_id=application.public_id)


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_GET
def review(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _render_review(request, _reviewed_application(request, public_id))


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def decide(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = _reviewed_application(request, public_id)
    action = request.POST.get("action", "")
    if action not in DECISION_ACTIONS:
        messages.error(request, _("Choose one of the decisions the page offers."))
        return redirect("applications:review", public_id=application.public_id)
    offered = action in _offered_actions(request, application)
    form = _decision_form(action, application, request.POST)
    if not form.is_valid():
        if "version" in form.errors:
            messages.error(request, StaleApplication.message)
            return redirect("applications:review", public_id=application.public_id)
        if offered:
            return _render_review(request, application, bound_decision=(action, form))
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("applications:review", public_id=application.public_id)
    data = form.cleaned_data
    extra: dict[str, Any] = {}
    if isinstance(form, RejectForm):
        extra["reason"] = data["reason"]
    elif isinstance(form, RevisionRequestForm):
        extra["flagged_fields"] = data.get("flagged_fields") or []
        extra["flagged_documents"] = data.get("flagged_documents") or []
    elif isinstance(form, ForwardForm):
        extra["office"] = data["office"]
    try:
        with transaction.atomic(durable=True):
            application_transition(
                application_id=application.pk,
                action=action,
                actor=request.user,
                expected_version=data["version"],
                note=data["note"],
                **extra,
            )
    except StaleApplication as error:
        report_refusal(request, error)
    except TransitionRefused as error:
        if not offered:
            report_refusal(request, error)
            return redirect("applications:review", public_id=application.public_id)
        # Shown on the form the officer filled in, which keeps what was typed.
        for reason in error.reasons:
            form.add_error(None, str(reason))
        return _render_review(request, application, bound_decision=(action, form))
    else:
        messages.success(request, str(DECISION_DONE[action]))
        return _after_decision(request, application)
    return redirect("applications:review", public_id=application.public_id)


# --- appointment outcomes -----------------------------------------------------------------


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def record_attendance(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Whether the applicant came to their booked appointment, and the outcome; the officer
    then resumes the review (a separate decision, ``resume_review``)."""
    application = _reviewed_application(request, public_id)
    try:
        booking_id = uuid.UUID(str(request.POST.get("booking", "")))
    except ValueError:
        return HttpResponseBadRequest()
    # Only a booking of this application: another application's is a 404.
    booking = selectors.booking_of(application=application, public_id=booking_id)
    if booking is None:
        raise Http404
    form = AttendanceForm(request.POST, auto_id="id_attendance_%s")
    if form.is_valid():
        attended = form.cleaned_data["attended"]
        try:
            with transaction.atomic(durable=True):
                booking_record_attendance(
                    booking_id=booking.pk,
                    officer=request.user,
                    attended=attended,
                    outcome=form.cleaned_data["outcome"] if attended else "",
                    notes=form.cleaned_data["notes"],
                )
        except BookingRefused as refused:
            form.add_error(None, str(refused.message))
        else:
            messages.success(request, _("The appointment's outcome is recorded."))
            return redirect("applications:review", public_id=application.public_id)
    return _render_review(request, application, attendance_form=form)


# --- revealing personal data --------------------------------------------------------------


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def reveal_nik(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The page again, with the applicant's full NIK: each reveal is on the audit trail, and
    the answer to this POST is the only page that ever holds it (never cached)."""
    application = _reviewed_application(request, public_id)
    profile = _profile(application)
    nik = profile.nik if profile is not None else ""
    if not nik:
        messages.error(request, _("The applicant has not declared a NIK."))
        return redirect("applications:review", public_id=application.public_id)
    audit_record(
        action=audit_actions.PII_REVEALED,
        actor_id=request.user.pk,
        object_type=OBJECT_TYPE,
        object_id=str(application.public_id),
        details={"field": "nik"},
        ip=client_ip(request),
        office_id=application.handling_office_id,
    )
    response = _render_review(request, application, full_nik=nik)
    add_never_cache_headers(response)
    return response
