"""The shipment lifecycle (DESIGN §6; issue 9), as data on the shared engine.

This table is the specification ``delivery.services.shipment_transition`` enforces and the
source of ``docs/workflows/shipment.md`` (``manage.py render_workflows``). Listeners subscribe
to the action names below.

Printing (``Shipment.printed_at``) and the citizen's address confirmation
(``Shipment.address_confirmed_at``) are two independent preconditions of ``assign``, taken in
either order: they are facts recorded on the shipment (each a tracking event), not states, so
neither waits for the other. Until the courier picks the parcel up, it can be switched to
collection at the office. A courier makes at most ``MAX_ATTEMPTS`` delivery attempts; after the
last failed one the dispatcher scans the parcel back in (``return_to_office``) and it waits for
collection. ``delivered`` and ``collected`` end the shipment; when every shipment of an
application has ended, the application is completed (DESIGN §4 ``complete``).

Actors: ``citizen`` (the holder), ``courier`` (the assigned courier only), ``dispatcher``,
``officer`` and ``supervisor`` of the dispatching office, ``system`` (scheduled jobs).
"""

from __future__ import annotations

from accounts.roles import COURIER, DISPATCHER, OFFICER, SUPERVISOR
from korlantas.lib.workflow import Transition, Workflow, register

CITIZEN = "citizen"
SYSTEM = "system"
MAX_ATTEMPTS = 3

_courier = frozenset({COURIER})
_dispatch = frozenset({DISPATCHER, SUPERVISOR})
_counter = frozenset({OFFICER, SUPERVISOR, DISPATCHER})

STATES = (
    "created",
    "assigned",
    "picked_up",
    "out_for_delivery",
    "failed_attempt",
    "returned_to_office",
    "ready_for_collection",
    "delivered",
    "collected",
)
TERMINAL = frozenset({"delivered", "collected"})
BEFORE_PICKUP = frozenset({"created", "assigned"})
WITH_COURIER = frozenset({"picked_up", "out_for_delivery", "failed_attempt"})
AWAITING_COLLECTION = frozenset({"ready_for_collection", "returned_to_office"})

TRANSITIONS = (
    Transition(
        name="assign",
        sources=frozenset({"created"}),
        target="assigned",
        actors=_dispatch,
        guards=("printed", "address_confirmed", "courier_of_office"),
        description="A dispatcher puts the packed parcel in a courier's run "
        "(printed and address confirmed, in either order).",
    ),
    Transition(
        name="unassign",
        sources=frozenset({"assigned"}),
        target="created",
        actors=_dispatch,
        description="Taken out of the courier's run before pickup (to reassign it).",
    ),
    Transition(
        name="pick_up",
        sources=frozenset({"assigned"}),
        target="picked_up",
        actors=_courier,
        guards=("label_scanned",),
        description="The assigned courier scans or types the label code at the office.",
    ),
    Transition(
        name="go_out",
        sources=frozenset({"picked_up", "failed_attempt"}),
        target="out_for_delivery",
        actors=_courier,
        guards=("attempt_left",),
        description="Out for delivery; the recipient receives the one-time delivery code.",
    ),
    Transition(
        name="deliver",
        sources=frozenset({"out_for_delivery"}),
        target="delivered",
        actors=_courier,
        guards=("delivery_code_valid", "recipient_recorded"),
        description="Handed over: the recipient's one-time code, name, relation and a photo.",
    ),
    Transition(
        name="fail_attempt",
        sources=frozenset({"out_for_delivery"}),
        target="failed_attempt",
        actors=_courier,
        guards=("failure_reason_given",),
        description="Not delivered this time, with a reason code (and a note for 'other').",
    ),
    Transition(
        name="return_to_office",
        sources=frozenset({"failed_attempt", "picked_up"}),
        target="returned_to_office",
        actors=_dispatch,
        guards=("label_scanned",),
        description="The dispatcher scans the parcel back in; the citizen is told to collect it.",
    ),
    Transition(
        name="switch_to_collection",
        sources=BEFORE_PICKUP,
        target="ready_for_collection",
        actors=frozenset({CITIZEN, SYSTEM}) | _counter,
        description="Collection at the office instead "
        "(the citizen's choice, or 7 days without an address confirmation).",
    ),
    Transition(
        name="collect",
        sources=AWAITING_COLLECTION,
        target="collected",
        actors=_counter,
        guards=("printed", "collector_verified"),
        description="Handed over at the office to the holder (KTP checked) "
        "or a proxy with an authorisation letter.",
    ),
)

SHIPMENT_WORKFLOW = register(
    Workflow(
        "shipment",
        states=STATES,
        initial="created",
        terminal=TERMINAL,
        transitions=TRANSITIONS,
    )
)
