"""The guards the core decides for every service (``registry.BUILTIN_GUARDS``).

Each takes the transition's context — the application, its service, and what the caller
passed (the note, the office, the flagged items) — and returns the reasons it fails, for
people; an empty list passes. ``application_transition`` evaluates them; the service's own
rules (eligibility, its requirements, its flags) stay with the service's guard functions.

They read the database but never write, so a refused transition leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from applications.models import Application, Attachment, Booking, RevisionRequest, StatusChange
from applications.reasons import RejectionReason
from applications.registry import ServiceDefinition, label_in_sentence, revisable_documents, revisable_fields
from applications.uploads import PHOTO_MIN_HEIGHT, PHOTO_MIN_WIDTH
from korlantas.lib import clock
from offices.models import Office

Reason = str | Promise

# A revision request left unanswered this long lapses (DESIGN §4 ``lapse_revision``).
REVISION_DEADLINE = dt.timedelta(days=14)
# An application awaiting an appointment this long with no booking lapses.
UNBOOKED_LAPSE_AFTER = dt.timedelta(days=30)
# The no-show that lapses the application.
NO_SHOWS_BEFORE_LAPSE = 2


@dataclass(frozen=True)
class GuardContext:
    application: Application
    service: ServiceDefinition
    actor: User | None
    note: str
    office: Office | None
    flagged_fields: Sequence[str] = field(default=())
    flagged_documents: Sequence[str] = field(default=())
    reason: str = ""


def handling_office(context: GuardContext) -> list[Reason]:
    if context.application.handling_office_id is None:
        return [_("No office handles this application.")]
    return []


def next_office_on_route(context: GuardContext) -> list[Reason]:
    route = context.service.route
    current = context.application.handling_office
    position = route.index(current.kind) if current is not None and current.kind in route else None
    if position is None or position + 1 >= len(route):
        return [_("This application has no further office on its route.")]
    office = context.office
    if office is None or not office.is_active or office.kind != route[position + 1]:
        return [_("Choose an open office of the next kind on the route.")]
    narrowed = context.service.forward_offices(context.application)
    if narrowed is not None and not narrowed.filter(pk=office.pk).exists():
        return [_("Choose one of the offices offered for this application.")]
    return []


def payment_window_over(context: GuardContext) -> list[Reason]:
    submitted_at = context.application.submitted_at
    window = dt.timedelta(days=context.service.payment_window_days)
    if submitted_at is None or clock.now() < submitted_at + window:
        return [_("The payment window is not over yet.")]
    return []


def reason_given(context: GuardContext) -> list[Reason]:
    """``reject``: a reason from the list, and a note saying what exactly is wrong."""
    reasons: list[Reason] = []
    if context.reason not in RejectionReason.values:
        reasons.append(_("Choose a reason from the list."))
    if not context.note.strip():
        reasons.append(_("Give the reason."))
    return reasons


def service_approves_on_payment(context: GuardContext) -> list[Reason]:
    return [] if context.service.approves_on_payment else [_("This service is not approved on payment.")]


def service_needs_appointment(context: GuardContext) -> list[Reason]:
    if context.service.needs_appointment(context.application):
        return []
    return [_("This application needs no appointment.")]


# --- documents ----------------------------------------------------------------------------


def required_documents(context: GuardContext) -> list[Reason]:
    """Every document kind the service requires is attached."""
    present = set(Attachment.objects.filter(application=context.application).values_list("kind", flat=True))
    labels = dict(Attachment.Kind.choices)
    return [
        _("Upload the %(document)s.") % {"document": label_in_sentence(labels[kind])}
        for kind in context.service.required_documents
        if kind not in present
    ]


def photo_checks(context: GuardContext) -> list[Reason]:
    """The photo, where there is one, still meets the size rules (the upload checked the rest)."""
    photo = Attachment.objects.filter(application=context.application, kind=Attachment.Kind.PHOTO).first()
    if photo is None:
        return []
    if (photo.width or 0) < PHOTO_MIN_WIDTH or (photo.height or 0) < PHOTO_MIN_HEIGHT:
        return [_("The photo is too small. Upload a larger one.")]
    return []


# --- revisions ----------------------------------------------------------------------------


def open_revision_request(application: Application) -> RevisionRequest | None:
    return RevisionRequest.objects.filter(application=application, resolved_at__isnull=True).first()


def items_flagged(context: GuardContext) -> list[Reason]:
    """``request_revision``: at least one field or document, all known, and a note."""
    reasons: list[Reason] = []
    fields, documents = set(context.flagged_fields), set(context.flagged_documents)
    if not fields and not documents:
        reasons.append(_("Choose the fields or documents to correct."))
    known_fields = {name for name, _label in revisable_fields(context.service)}
    known_documents = {kind for kind, _label in revisable_documents(context.service)}
    if fields - known_fields or documents - known_documents:
        reasons.append(_("Only the service's own fields and documents can be flagged."))
    if not context.note.strip():
        reasons.append(_("Say what to correct in the note."))
    return reasons


def only_flagged_items_changed(context: GuardContext) -> list[Reason]:
    """``resubmit``: nothing outside the flags changed, every flagged document was replaced,
    and flagged fields were changed or answered in the reply."""
    request = open_revision_request(context.application)
    if request is None:
        return [_("There is no revision request to answer.")]
    reasons: list[Reason] = []
    outside = (set(request.changed_fields) - set(request.fields)) | (
        set(request.changed_documents) - set(request.documents)
    )
    if outside:
        reasons.append(_("Only the flagged items may change."))
    labels = dict(Attachment.Kind.choices)
    for kind in request.documents:
        if kind not in request.changed_documents:
            reasons.append(
                _("Upload a new %(document)s.") % {"document": label_in_sentence(labels.get(kind, kind))}
            )
    fields_answered = set(request.fields) & set(request.changed_fields) or context.note.strip()
    if request.fields and not fields_answered:
        reasons.append(_("Correct the flagged fields, or explain in your reply why they are right."))
    return reasons


def revision_deadline_passed(context: GuardContext) -> list[Reason]:
    request = open_revision_request(context.application)
    if request is None or clock.now() < request.deadline:
        return [_("The revision deadline has not passed.")]
    return []


# --- appointments -------------------------------------------------------------------------


def no_shows(application_id: int) -> int:
    return Booking.objects.filter(application_id=application_id, state=Booking.State.NO_SHOW).count()


def appointment_period_start(application: Application) -> dt.datetime | None:
    """When the application last entered ``awaiting_appointment``."""
    result: dt.datetime | None = StatusChange.objects.filter(
        application=application, to_status="awaiting_appointment"
    ).aggregate(at=Max("occurred_at"))["at"]
    return result


def has_live_booking(application: Application, since: dt.datetime) -> bool:
    return Booking.objects.filter(
        application=application,
        state__in=[Booking.State.BOOKED, Booking.State.ATTENDED],
        created_at__gte=since,
    ).exists()


def no_booking_or_second_no_show(context: GuardContext) -> list[Reason]:
    """``lapse_appointment``: a second no-show, or no booking for ``UNBOOKED_LAPSE_AFTER``."""
    application = context.application
    if no_shows(application.pk) >= NO_SHOWS_BEFORE_LAPSE:
        return []
    since = appointment_period_start(application)
    if since is None or clock.now() < since + UNBOOKED_LAPSE_AFTER:
        return [_("The citizen still has time to book an appointment.")]
    if has_live_booking(application, since):
        return [_("The citizen has booked an appointment.")]
    return []


def appointment_outcome_recorded(context: GuardContext) -> list[Reason]:
    """``resume_review``: an attended appointment of this period has an outcome or result."""
    application = context.application
    since = appointment_period_start(application)
    recorded = Booking.objects.filter(application=application, state=Booking.State.ATTENDED)
    if since is not None:
        recorded = recorded.filter(created_at__gte=since)
    if not any(b.outcome or b.outcome_data for b in recorded.only("outcome", "outcome_data")):
        return [_("Record the appointment's outcome first.")]
    # The service may still expect an appointment (the practical exam after the theory one).
    return list(context.service.appointments_pending(application))


BUILTIN: dict[str, Callable[[GuardContext], list[Reason]]] = {
    "handling_office": handling_office,
    "next_office_on_route": next_office_on_route,
    "payment_window_over": payment_window_over,
    "reason_given": reason_given,
    "service_approves_on_payment": service_approves_on_payment,
    "service_needs_appointment": service_needs_appointment,
    "required_documents": required_documents,
    "photo_checks": photo_checks,
    "items_flagged": items_flagged,
    "only_flagged_items_changed": only_flagged_items_changed,
    "revision_deadline_passed": revision_deadline_passed,
    "no_booking_or_second_no_show": no_booking_or_second_no_show,
    "appointment_outcome_recorded": appointment_outcome_recorded,
}
