"""SECURITY.md §8 item 5 for the shipment workflow (the application workflow has its own table
and Hypothesis state machine in tests/applications/test_workflow_table.py):

* the shipment table of DESIGN §6 / docs/workflows/shipment.md, written out here by hand, and
  every state × action × actor judged against it;
* a Hypothesis state machine that drives the workflow with arbitrary (action, actor) steps and
  finds no way into ``delivered`` but the courier's ``deliver`` from ``out_for_delivery``, and no
  way out of a terminal state;
* "deliver before dispatch" through ``delivery.services.shipment_transition`` with the parcel's
  own courier, at each step before it is out for delivery: refused, logged, nothing changes.

If the table test fails, either the code drifted from the agreed table or the table changed: in
the second case change DESIGN, this literal and ``delivery/workflow.py`` together.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator

import pytest
from django.utils import translation
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from accounts import roles
from accounts.models import User
from delivery.models import Shipment, TrackingEvent
from delivery.services import ShipmentRefused, shipment_transition
from delivery.workflow import SHIPMENT_WORKFLOW
from korlantas.lib.workflow import IllegalTransition
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.delivery import conftest as delivery_conftest
from tests.delivery.conftest import issued, shipment_of
from tests.delivery.test_shipments import ready_to_assign

pytestmark = pytest.mark.django_db

service = delivery_conftest.service
samsat = delivery_conftest.samsat
officer = delivery_conftest.officer
shipping = delivery_conftest.shipping


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


ACTORS = ("courier", "dispatcher", "supervisor", "officer", "citizen", "system")
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
TERMINAL = {"delivered", "collected"}
DISPATCH = {"dispatcher", "supervisor"}
COUNTER = {"officer", "supervisor", "dispatcher"}
# action -> (from, to, by)
EXPECTED: dict[str, tuple[set[str], str, set[str]]] = {
    "assign": ({"created"}, "assigned", DISPATCH),
    "unassign": ({"assigned"}, "created", DISPATCH),
    "pick_up": ({"assigned"}, "picked_up", {"courier"}),
    "go_out": ({"picked_up", "failed_attempt"}, "out_for_delivery", {"courier"}),
    "deliver": ({"out_for_delivery"}, "delivered", {"courier"}),
    "fail_attempt": ({"out_for_delivery"}, "failed_attempt", {"courier"}),
    "return_to_office": ({"failed_attempt", "picked_up"}, "returned_to_office", DISPATCH),
    "switch_to_collection": (
        {"created", "assigned"},
        "ready_for_collection",
        {"citizen", "system"} | COUNTER,
    ),
    "collect": ({"ready_for_collection", "returned_to_office"}, "collected", COUNTER),
}
NOT_ACTIONS = ("approve", "deliver_now", "")


def allowed(state: str, action: str, actor: str) -> bool:
    if action not in EXPECTED:
        return False
    sources, _target, actors = EXPECTED[action]
    return state in sources and actor in actors


def test_the_states_and_terminal_states_are_the_tables() -> None:
    assert tuple(SHIPMENT_WORKFLOW.states) == STATES
    assert SHIPMENT_WORKFLOW.initial == "created"
    assert set(SHIPMENT_WORKFLOW.terminal) == TERMINAL


def test_every_state_action_actor_triple_is_decided_as_the_table_says() -> None:
    wrong = []
    for state in STATES:
        for action in [*EXPECTED, *NOT_ACTIONS]:
            for actor in ACTORS:
                try:
                    transition = SHIPMENT_WORKFLOW.check(state, action, actor)
                except IllegalTransition:
                    if allowed(state, action, actor):
                        wrong.append(f"refused {action} from {state} by {actor}")
                    continue
                if not allowed(state, action, actor):
                    wrong.append(f"allowed {action} from {state} by {actor}")
                elif transition.target != EXPECTED[action][1]:
                    wrong.append(f"{action} leads to {transition.target}")
    assert wrong == []


def test_deliver_is_allowed_only_from_out_for_delivery_and_only_to_the_courier() -> None:
    checked = []
    for state in STATES:
        for actor in ACTORS:
            try:
                SHIPMENT_WORKFLOW.check(state, "deliver", actor)
            except IllegalTransition:
                continue
            checked.append((state, actor))
    assert checked == [("out_for_delivery", "courier")]


class ShipmentLifecycle(RuleBasedStateMachine):
    """Drives the workflow through ``check()`` only, judging every answer by ``EXPECTED``."""

    def __init__(self) -> None:
        super().__init__()
        self.state = SHIPMENT_WORKFLOW.initial
        self.path: list[tuple[str, str, str]] = []
        self.ended_in: str | None = None

    @rule(action=st.sampled_from([*EXPECTED, *NOT_ACTIONS]), actor=st.sampled_from(ACTORS))
    def step(self, action: str, actor: str) -> None:
        before = self.state
        try:
            transition = SHIPMENT_WORKFLOW.check(before, action, actor)
        except IllegalTransition:
            assert not allowed(before, action, actor), f"{action} by {actor} refused from {before}"
            return
        assert allowed(before, action, actor), f"{action} by {actor} allowed from {before}"
        self.state = transition.target
        self.path.append((before, action, actor))
        if self.state in TERMINAL:
            self.ended_in = self.state

    @rule(rnd=st.randoms(use_true_random=False))
    def a_legal_move(self, rnd: random.Random) -> None:
        # Legal moves too, so that runs get past "created" and reach delivery.
        moves = sorted(
            (action, actor)
            for action, (sources, _target, actors) in EXPECTED.items()
            if self.state in sources
            for actor in actors
        )
        if moves:
            self.step(*rnd.choice(moves))

    @invariant()
    def the_state_is_one_of_the_tables(self) -> None:
        assert self.state in STATES

    @invariant()
    def a_terminal_state_is_never_left(self) -> None:
        if self.ended_in is not None:
            assert self.state == self.ended_in

    @invariant()
    def delivered_only_by_the_courier_from_out_for_delivery(self) -> None:
        if self.state == "delivered":
            assert self.path[-1] == ("out_for_delivery", "deliver", "courier")


TestShipmentLifecycle = ShipmentLifecycle.TestCase


@pytest.mark.usefixtures("shipping")
@pytest.mark.parametrize("stop_at", ["created", "assigned", "picked_up"])
def test_deliver_before_going_out_is_refused_logged_and_changes_nothing(
    samsat: Office, officer: User, stop_at: str, caplog: pytest.LogCaptureFixture
) -> None:
    holder = make_profile("3171014507900003", full_name="Siti Rahmawati").user
    dispatcher = make_staff(roles.DISPATCHER, office=samsat)
    courier = make_staff(roles.COURIER, office=samsat)
    shipment = shipment_of(issued(holder, officer, samsat))
    # Printed, packed and the address confirmed: what assignment needs (as tests/delivery do it).
    ready_to_assign(shipment, dispatcher, holder)
    if stop_at != "created":
        shipment_transition(
            shipment_id=shipment.pk, action="assign", actor=dispatcher, data={"courier": courier}
        )
    if stop_at == "picked_up":
        shipment_transition(
            shipment_id=shipment.pk, action="pick_up", actor=courier, data={"label_code": shipment.label_code}
        )
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert shipment.status == stop_at
    before = (shipment.status, shipment.version, TrackingEvent.objects.filter(shipment=shipment).count())

    with (
        caplog.at_level(logging.WARNING, logger="korlantas.delivery"),
        pytest.raises(ShipmentRefused) as refused,
    ):
        shipment_transition(
            shipment_id=shipment.pk,
            action="deliver",
            actor=courier,
            data={"code": "000000", "recipient_name": "Siti", "relation": "self"},
        )

    # Not yet the courier's parcel: it does not exist for them; theirs but not out: wrong state.
    assert refused.value.code == ("not_found" if stop_at == "created" else "wrong_state")
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert (
        shipment.status,
        shipment.version,
        TrackingEvent.objects.filter(shipment=shipment).count(),
    ) == before
    assert f"shipment {shipment.pk}: deliver by user {courier.pk}" in caplog.text
    assert "refused" in caplog.text
    assert "Siti" not in caplog.text
