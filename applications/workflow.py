"""The application lifecycle: one table for every service (DESIGN §4), as data.

This module is the specification the transition service enforces and the source of
``docs/workflows/application.md`` (``manage.py render_workflows``). Listeners subscribe to
the action names below (``submit``, ``pay``, ``issue``, …), so renaming one is a breaking
change for payments, documents, notifications and delivery.

Actors are role names: ``citizen`` (the applicant), ``system`` (a payment callback or a
scheduled job), and the staff groups ``officer`` and ``supervisor`` (accounts.roles). A
supervisor may do everything an officer does in their office (DESIGN §1), so every officer
action names both. Office scope ("of the handling office", "the claiming officer") is not a
role: the transition service checks it, like the guards named here.
"""

from __future__ import annotations

from accounts.roles import OFFICER, SUPERVISOR
from korlantas.lib.workflow import Transition, Workflow, register

CITIZEN = "citizen"
SYSTEM = "system"

_citizen = frozenset({CITIZEN})
_system = frozenset({SYSTEM})
_office = frozenset({OFFICER, SUPERVISOR})

STATES = (
    "draft",
    "pending_payment",
    "queued",
    "in_review",
    "revision_requested",
    "awaiting_appointment",
    "approved",
    "rejected",
    "issued",
    "completed",
    "expired",
    "cancelled",
)
TERMINAL = frozenset({"completed", "rejected", "expired", "cancelled"})

TRANSITIONS = (
    Transition(
        name="submit",
        sources=frozenset({"draft"}),
        target="pending_payment",
        actors=_citizen,
        guards=("profile_and_identity", "service_eligibility", "required_documents", "photo_checks"),
        description="The citizen submits; payments listens and issues the bill.",
    ),
    Transition(
        name="pay",
        sources=frozenset({"pending_payment"}),
        target="queued",
        actors=_system,
        description="The bill is paid; the application joins the handling office's queue.",
    ),
    Transition(
        name="pay_auto_approve",
        sources=frozenset({"pending_payment"}),
        target="approved",
        actors=_system,
        guards=("service_approves_on_payment", "no_flags"),
        description="Paid, for a service that approves on payment, with no rule flagging the application.",
    ),
    Transition(
        name="expire",
        sources=frozenset({"pending_payment"}),
        target="expired",
        actors=_system,
        guards=("payment_window_over",),
        description="The service's payment window is over (a bill expiring within it is replaced instead).",
    ),
    Transition(
        name="cancel",
        sources=frozenset(
            {"draft", "pending_payment", "queued", "revision_requested", "awaiting_appointment"}
        ),
        target="cancelled",
        actors=_citizen,
        description="The citizen withdraws; payments refunds what was paid.",
    ),
    Transition(
        name="claim",
        sources=frozenset({"queued"}),
        target="in_review",
        actors=_office,
        guards=("handling_office",),
        description="An officer of the handling office takes the application; the claim is recorded.",
    ),
    Transition(
        name="release",
        sources=frozenset({"in_review"}),
        target="queued",
        actors=_office,
        description="The claiming officer (or a supervisor) puts it back in the queue.",
    ),
    Transition(
        name="forward",
        sources=frozenset({"in_review"}),
        target="queued",
        actors=_office,
        guards=("next_office_on_route",),
        description="Sent to the next office on the service's route; the handling office changes.",
    ),
    Transition(
        name="request_revision",
        sources=frozenset({"in_review"}),
        target="revision_requested",
        actors=_office,
        guards=("items_flagged",),
        description="Specific fields or documents flagged, with a note and a deadline.",
    ),
    Transition(
        name="resubmit",
        sources=frozenset({"revision_requested"}),
        target="queued",
        actors=_citizen,
        guards=("only_flagged_items_changed",),
        description="The citizen fixed the flagged items; back to the same office, no new payment.",
    ),
    Transition(
        name="lapse_revision",
        sources=frozenset({"revision_requested"}),
        target="rejected",
        actors=_system,
        guards=("revision_deadline_passed",),
        description="The revision deadline (14 days) passed; refund.",
    ),
    Transition(
        name="schedule",
        sources=frozenset({"in_review"}),
        target="awaiting_appointment",
        actors=_office,
        guards=("service_needs_appointment",),
        description="An exam, biometric capture or physical check is needed; the citizen books a slot.",
    ),
    Transition(
        name="resume_review",
        sources=frozenset({"awaiting_appointment"}),
        target="in_review",
        actors=_office,
        guards=("appointment_outcome_recorded",),
        description="The appointment's outcome is recorded (a pass, or a fail with no retake left).",
    ),
    Transition(
        name="lapse_appointment",
        sources=frozenset({"awaiting_appointment"}),
        target="rejected",
        actors=_system,
        guards=("no_booking_or_second_no_show",),
        description="No booking within 30 days, or a second no-show; refund.",
    ),
    Transition(
        name="approve",
        sources=frozenset({"in_review"}),
        target="approved",
        actors=_office,
        guards=("service_requirements_met",),
        description="The service says every requirement, appointments included, is met.",
    ),
    Transition(
        name="reject",
        sources=frozenset({"in_review"}),
        target="rejected",
        actors=_office,
        guards=("reason_given",),
        description="Rejected with a reason; refund.",
    ),
    Transition(
        name="issue",
        sources=frozenset({"approved"}),
        target="issued",
        actors=_office | _system,
        description="Document number assigned; documents renders the PDF, delivery plans the hand-over. "
        "The system issues for auto-approved services.",
    ),
    Transition(
        name="complete",
        sources=frozenset({"issued"}),
        target="completed",
        actors=_system,
        description="Delivered or collected; at once when the delivery choice is digital only.",
    ),
)

APPLICATION_WORKFLOW = register(
    Workflow(
        "application",
        states=STATES,
        initial="draft",
        terminal=TERMINAL,
        transitions=TRANSITIONS,
    )
)
