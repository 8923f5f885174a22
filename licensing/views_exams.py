"""The officer's side of the SIM exams (licensing.exams): a panel on the review page and the
view its result form posts to (``/staf/sim/ujian/<uuid>/``, the booking's public id).

The panel lists the application's exam attempts (exam, date, state, score, result, notes),
where each exam stands (attempts, retakes left, the retake deadline) and what the officer
does next; for an exam booking that has started and has no result yet it carries the result
form: the theory score, or the practical pass/fail with the examiner's notes. Its cost is
``exams.exam_progress``: one query for the bookings plus one holiday query per failed exam,
whatever the number of attempts.

The view is for staff of the slot's office (or a supervisor of its Polda): another office's
booking is a 404, as if it did not exist. It answers with a redirect to the review page:
a success message, or the refusal or the form's errors (each with its field's label) as
messages; nothing is saved then.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.views import role_required
from applications.appointments import AWAITING, BookingRefused
from applications.events import ReviewPanel
from applications.models import Booking
from applications.selectors import staff_slots
from korlantas.lib.http import AuthenticatedHttpRequest
from licensing import exams
from licensing.exam_forms import exam_result_form

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application

PANEL_ORDER = 30
PANEL_TEMPLATE = "licensing/includes/exam_panel.html"


def exam_panel(application: Application, viewer: User) -> ReviewPanel | None:
    """The exams of an application of an exam service; None for other services, and before
    the application first awaits an appointment."""
    if application.service_code not in exams.EXAM_SERVICE_CODES:
        return None
    progress = exams.exam_progress(application)
    awaiting = application.status == AWAITING
    if not progress.rows and not awaiting:
        return None
    to_record = next((row for row in progress.rows if row.awaiting_result), None) if awaiting else None
    return ReviewPanel(
        title=_("Exams"),
        template_name=PANEL_TEMPLATE,
        context={
            "progress": progress,
            "tracks": (progress.theory, progress.practical),
            "pending": exams.pending_reasons(progress) if awaiting else [],
            "to_record": to_record,
            "form": exam_result_form(to_record.exam) if to_record is not None else None,
            "pass_mark": exams.PASS_MARK,
            "max_retakes": exams.MAX_RETAKES,
            "awaiting": awaiting,
        },
        order=PANEL_ORDER,
    )


def _recorded_message(booking: Booking) -> str:
    passed = booking.outcome == Booking.Outcome.PASS
    score = booking.outcome_data.get("score") if isinstance(booking.outcome_data, dict) else None
    if isinstance(score, int):
        if passed:
            return str(_("The theory exam score %(score)d is recorded: passed.") % {"score": score})
        return str(_("The theory exam score %(score)d is recorded: failed.") % {"score": score})
    if passed:
        return str(_("The practical exam is recorded as passed."))
    return str(_("The practical exam is recorded as failed."))


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def exam_result(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record an exam booking's result (theory score, or practical pass/fail with notes)."""
    booking = get_object_or_404(
        Booking.objects.select_related("slot", "application").filter(slot__in=staff_slots(user=request.user)),
        public_id=public_id,
    )
    application = booking.application
    back = reverse("applications:review", kwargs={"public_id": application.public_id}) + "#exams"
    exam = exams.EXAM_OF_KIND.get(booking.slot.kind)
    if exam is None or application.service_code not in exams.EXAM_SERVICE_CODES:
        messages.error(request, _("This appointment is not an exam."))
        return redirect(back)
    form = exam_result_form(exam, request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            for error in errors:
                messages.error(request, f"{field.label}: {error}" if field is not None else str(error))
        return redirect(back)
    try:
        with transaction.atomic(durable=True):
            recorded = exams.exam_result_record(booking_id=booking.pk, officer=request.user, **form.result())
    except BookingRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _recorded_message(recorded))
    return redirect(back)
