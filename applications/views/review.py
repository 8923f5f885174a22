"""The officer's review page (``/staf/antrean/<uuid>/``) and the decisions taken from it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.models import CitizenProfile
from accounts.views import role_required
from applications import selectors
from applications.forms import (
    DECISION_ACTIONS,
    DECISIONS_NEEDING_A_REASON,
    DecisionForm,
)
from applications.models import Application
from applications.services import (
    StaleApplication,
    TransitionRefused,
    application_transition,
)
from applications.views.common import report_refusal, service_name
from applications.workflow import APPLICATION_WORKFLOW
from korlantas.lib.http import AuthenticatedHttpRequest

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
            "service_name": service_name(application),
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
            report_refusal(request, error)
        else:
            messages.success(request, _("The decision is recorded."))
    return redirect("applications:review", public_id=application.public_id)
