"""The citizen's pages (``/warga/permohonan/``): their applications, one application's status,
timeline, files and booking, and withdrawing it. Someone else's application is a 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.views import citizen_required
from applications import selectors
from applications.forms import (
    VersionForm,
)
from applications.models import Application
from applications.registry import DeliveryChoice, UnknownService, get_service
from applications.services import (
    StaleApplication,
    TransitionRefused,
    application_transition,
)
from applications.views.common import citizen_may, own_application, report_refusal, service_name
from applications.views.drafts import draft_progress, open_revision_summary
from korlantas.lib.http import AuthenticatedHttpRequest

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
# Issued for collection: nothing is on its way, the document waits at the office.
ISSUED_FOR_COLLECTION: Promise = _(
    "The document is issued. Collect it at the office that handled your application."
)


@dataclass(frozen=True)
class MyApplicationRow:
    application: Application
    service_name: str | Promise
    waiting: bool


@citizen_required
@require_GET
def my_applications(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = [
        MyApplicationRow(
            application=application,
            service_name=service_name(application),
            waiting=application.is_open and application.due_date is not None,
        )
        for application in selectors.applications_of(applicant=request.user)
    ]
    return render(request, "applications/my_applications.html", {"rows": rows})


@require_GET
def application_detail(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    found = selectors.application_page_of(applicant=request.user, public_id=public_id)
    if found is None:
        raise Http404  # someone else's application, as if it did not exist (``own_application``)
    application, has_live_booking = found
    attachments = list(selectors.attachments_of(application=application))
    try:
        service = get_service(application.service_code)
    except UnknownService:
        service = None
    return render(
        request,
        "applications/application_detail.html",
        {
            "application": application,
            "service_name": service_name(application),
            "next_step": (
                ISSUED_FOR_COLLECTION
                if application.status == "issued" and application.delivery_choice == DeliveryChoice.COLLECTION
                else NEXT_STEPS.get(application.status, "")
            ),
            "timeline": selectors.application_timeline(application=application),
            "panels": selectors.citizen_panels(application=application, viewer=request.user),
            "attachments": attachments,
            "booking": selectors.active_booking(application=application) if has_live_booking else None,
            "can_cancel": citizen_may(application, "cancel"),
            # The draft's checklist, or what an officer asked to correct (views/drafts.py).
            "progress": (
                draft_progress(application, service, attachments)
                if service is not None and application.status == "draft"
                else None
            ),
            "revision": open_revision_summary(application, service) if service is not None else None,
        },
    )


@require_POST
def application_cancel(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = own_application(request, public_id)
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
        report_refusal(request, error)
    else:
        messages.success(request, _("Your application is cancelled."))
    return redirect("applications:detail", public_id=application.public_id)
