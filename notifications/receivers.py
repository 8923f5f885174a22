"""The lifecycle's messages to the applicant (issue 5, point 6).

Registered from ``NotificationsConfig.ready()`` on the core's registries: each listener runs
inside the transaction of the transition (``phase="in_transaction"``) or of the booking change
(``events.listen_event``), so the outbox row commits or rolls back with what it announces.
Context: ids only.
"""

from __future__ import annotations

from collections.abc import Callable

from applications import events
from applications.events import TransitionEvent
from applications.models import RevisionRequest, StatusChange
from notifications.services import notify

# Workflow action → template key. Actions a citizen need not hear about (claim, release,
# forward, resubmit, resume_review) are absent; payments adds ``pay`` with its bill's ids.
ACTION_MESSAGES = {
    "submit": "application_submitted",
    "request_revision": "revision_requested",
    "schedule": "appointment_needed",
    "approve": "application_approved",
    "reject": "application_rejected",
    "issue": "application_issued",
    "expire": "application_expired",
    "cancel": "application_cancelled",
    "lapse_revision": "revision_lapsed",
    "lapse_appointment": "appointment_lapsed",
}

# Booking event → template key (the event names of applications.events.EVENT_NAMES).
BOOKING_MESSAGES = {
    "booking_created": "booking_created",
    "booking_rescheduled": "booking_rescheduled",
    "booking_cancelled": "booking_cancelled",
    "attendance_recorded": "attendance_recorded",
}


def on_transition(event: TransitionEvent) -> None:
    application = event.application
    if event.action == "cancel" and event.from_status == "draft":
        return  # the citizen discarded their own draft: nothing to tell them
    ids: dict[str, int | str] = {"application_id": application.pk}
    if event.action == "reject":
        # The reason and the officer's note are on the history row just written.
        ids["status_change_id"] = (
            StatusChange.objects.filter(application=application, action="reject")
            .latest("occurred_at", "pk")
            .pk
        )
    elif event.action == "request_revision":
        ids["revision_request_id"] = RevisionRequest.objects.get(
            application=application, resolved_at__isnull=True
        ).pk
    notify(recipient=application.applicant_id, template_key=ACTION_MESSAGES[event.action], context_ids=ids)


def _booking_listener(template_key: str) -> Callable[..., None]:
    def on_booking_event(*, application_id: int, booking_id: int, **more: int) -> None:
        from applications.models import Application

        applicant_id = Application.objects.values_list("applicant_id", flat=True).get(pk=application_id)
        notify(
            recipient=applicant_id,
            template_key=template_key,
            context_ids={"application_id": application_id, "booking_id": booking_id, **more},
        )

    on_booking_event.__qualname__ = f"notify {template_key}"
    return on_booking_event


def register() -> None:
    for action in ACTION_MESSAGES:
        events.listen(action, on_transition, phase="in_transaction")
    for name, template_key in BOOKING_MESSAGES.items():
        events.listen_event(name, _booking_listener(template_key))
