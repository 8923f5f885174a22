"""The shipment core (issue 9, point 1): created on ``issue``, the two independent
preconditions of assigning a courier, the road, attempts and returns, the switch to collection,
and the application completed when every item is handed over — through the real services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from accounts.models import User
from applications.models import Application
from audit.models import AuditEvent
from delivery import services
from delivery.models import Shipment, TrackingEvent
from delivery.services import ShipmentRefused, shipment_transition
from delivery.workflow import MAX_ATTEMPTS, SHIPMENT_WORKFLOW
from offices.models import Office
from tests.delivery.conftest import issued, shipment_of

pytestmark = pytest.mark.usefixtures("shipping")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Refusals built outside a request read in English (their msgids)."""
    with translation.override("en"):
        yield


def reasons(refused: pytest.ExceptionInfo[ShipmentRefused]) -> list[str]:
    return [str(reason) for reason in refused.value.reasons]


def ready_to_assign(shipment: Shipment, dispatcher: User, holder: User) -> Shipment:
    services.shipment_mark_printed(shipment_id=shipment.pk, actor=dispatcher)
    services.shipment_mark_packed(shipment_id=shipment.pk, actor=dispatcher)
    return services.shipment_confirm_address(shipment_id=shipment.pk, actor=holder)


def on_the_road(shipment: Shipment, dispatcher: User, holder: User, courier: User) -> Shipment:
    ready_to_assign(shipment, dispatcher, holder)
    shipment_transition(shipment_id=shipment.pk, action="assign", actor=dispatcher, data={"courier": courier})
    shipment_transition(
        shipment_id=shipment.pk, action="pick_up", actor=courier, data={"label_code": shipment.label_code}
    )
    return shipment_transition(shipment_id=shipment.pk, action="go_out", actor=courier)


def test_the_workflow_is_the_documented_table() -> None:
    assert SHIPMENT_WORKFLOW.initial == "created"
    assert SHIPMENT_WORKFLOW.terminal == {"delivered", "collected"}
    assert SHIPMENT_WORKFLOW.check("created", "assign", "dispatcher").target == "assigned"
    assert (
        SHIPMENT_WORKFLOW.check("assigned", "switch_to_collection", "citizen").target
        == "ready_for_collection"
    )


def test_issue_creates_one_shipment_per_item_addressed_from_the_profile(
    samsat: Office, officer: User, holder: User
) -> None:
    application = issued(holder, officer, samsat)
    shipment = shipment_of(application)
    assert (shipment.item, shipment.status, shipment.office) == ("plates", "created", samsat)
    assert shipment.recipient_name == "Siti Rahmawati"
    assert shipment.address == holder.citizen_profile.address
    assert len(shipment.label_code) == 10
    assert list(TrackingEvent.objects.filter(shipment=shipment).values_list("action", flat=True)) == [
        "created"
    ]
    assert application.status == "issued"


def test_a_digital_choice_ships_nothing(samsat: Office, officer: User, holder: User) -> None:
    application = issued(holder, officer, samsat, choice="digital")
    assert not Shipment.objects.filter(application=application).exists()


def test_a_collection_choice_waits_at_the_office(samsat: Office, officer: User, holder: User) -> None:
    shipment = shipment_of(issued(holder, officer, samsat, choice="collection"))
    assert shipment.status == "ready_for_collection"
    assert shipment.ready_for_collection_at is not None


@pytest.mark.parametrize("order", ["print_first", "address_first"])
def test_printing_and_address_confirmation_both_precede_assignment_in_either_order(
    order: str, samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    steps = [
        lambda: services.shipment_mark_printed(shipment_id=shipment.pk, actor=dispatcher),
        lambda: services.shipment_mark_packed(shipment_id=shipment.pk, actor=dispatcher),
    ]
    confirm = [lambda: services.shipment_confirm_address(shipment_id=shipment.pk, actor=holder)]
    first, second = (steps, confirm) if order == "print_first" else (confirm, steps)
    for step in first:
        step()
    with pytest.raises(ShipmentRefused) as refused:
        shipment_transition(
            shipment_id=shipment.pk, action="assign", actor=dispatcher, data={"courier": courier}
        )
    missing = (
        "The citizen has not confirmed the delivery address yet."
        if order == "print_first"
        else "The item is not printed and packed yet."
    )
    assert reasons(refused) == [missing]
    for step in second:
        step()
    assigned = shipment_transition(
        shipment_id=shipment.pk, action="assign", actor=dispatcher, data={"courier": courier}
    )
    assert (assigned.status, assigned.courier) == ("assigned", courier)


def test_nothing_is_packed_before_it_is_printed(
    samsat: Office, officer: User, holder: User, dispatcher: User
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    with pytest.raises(ShipmentRefused):
        services.shipment_mark_packed(shipment_id=shipment.pk, actor=dispatcher)


def test_only_a_courier_of_the_office_is_assigned(
    samsat: Office, officer: User, holder: User, dispatcher: User
) -> None:
    from accounts import roles
    from tests.accounts.factories import make_staff
    from tests.offices.factories import OfficeFactory

    shipment = ready_to_assign(shipment_of(issued(holder, officer, samsat)), dispatcher, holder)
    elsewhere = make_staff(roles.COURIER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    for courier in (elsewhere, dispatcher, None):
        with pytest.raises(ShipmentRefused):
            shipment_transition(
                shipment_id=shipment.pk, action="assign", actor=dispatcher, data={"courier": courier}
            )


def test_only_the_assigned_courier_picks_up_with_the_right_label(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, other_courier: User
) -> None:
    shipment = ready_to_assign(shipment_of(issued(holder, officer, samsat)), dispatcher, holder)
    shipment_transition(shipment_id=shipment.pk, action="assign", actor=dispatcher, data={"courier": courier})
    with pytest.raises(ShipmentRefused) as refused:
        shipment_transition(
            shipment_id=shipment.pk,
            action="pick_up",
            actor=other_courier,
            data={"label_code": shipment.label_code},
        )
    assert refused.value.code == "not_found"
    with pytest.raises(ShipmentRefused):
        shipment_transition(
            shipment_id=shipment.pk, action="pick_up", actor=courier, data={"label_code": "WRONG"}
        )
    typed = f"{shipment.label_code[:5].lower()}-{shipment.label_code[5:]}"
    picked = shipment_transition(
        shipment_id=shipment.pk, action="pick_up", actor=courier, data={"label_code": typed}
    )
    assert picked.status == "picked_up"


def test_three_failed_attempts_then_back_to_the_office(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    shipment = on_the_road(shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with pytest.raises(ShipmentRefused):  # a failure needs its reason
            shipment_transition(shipment_id=shipment.pk, action="fail_attempt", actor=courier)
        failed = shipment_transition(
            shipment_id=shipment.pk, action="fail_attempt", actor=courier, reason_code="not_home"
        )
        assert (failed.status, failed.attempts) == ("failed_attempt", attempt)
        if attempt < MAX_ATTEMPTS:
            shipment_transition(shipment_id=shipment.pk, action="go_out", actor=courier)
    with pytest.raises(ShipmentRefused) as refused:
        shipment_transition(shipment_id=shipment.pk, action="go_out", actor=courier)
    assert reasons(refused) == ["No delivery attempt is left: return the parcel to the office."]
    returned = shipment_transition(
        shipment_id=shipment.pk,
        action="return_to_office",
        actor=dispatcher,
        data={"label_code": shipment.label_code},
    )
    assert returned.status == "returned_to_office"
    assert returned.returned_at is not None
    reasons_recorded = TrackingEvent.objects.filter(shipment=shipment, action="fail_attempt")
    assert list(reasons_recorded.values_list("reason_code", flat=True)) == ["not_home"] * 3


def test_the_citizen_switches_to_collection_before_pickup_only(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    shipment = ready_to_assign(shipment_of(issued(holder, officer, samsat)), dispatcher, holder)
    shipment_transition(shipment_id=shipment.pk, action="assign", actor=dispatcher, data={"courier": courier})
    switched = shipment_transition(shipment_id=shipment.pk, action="switch_to_collection", actor=holder)
    assert (switched.status, switched.courier, switched.run) == ("ready_for_collection", None, None)
    assert TrackingEvent.objects.filter(
        shipment=shipment, action="switch_to_collection", actor_role="citizen"
    ).exists()


def test_switch_after_pickup_is_refused(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    shipment = on_the_road(shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier)
    with pytest.raises(ShipmentRefused) as refused:
        shipment_transition(shipment_id=shipment.pk, action="switch_to_collection", actor=holder)
    assert refused.value.code == "wrong_state"


def test_another_citizen_and_other_offices_cannot_act(
    samsat: Office, officer: User, holder: User, dispatcher: User
) -> None:
    from accounts import roles
    from tests.accounts.factories import make_profile, make_staff
    from tests.offices.factories import OfficeFactory

    shipment = shipment_of(issued(holder, officer, samsat))
    stranger = make_profile("3273011203950002").user
    foreign_dispatcher = make_staff(roles.DISPATCHER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    with pytest.raises(ShipmentRefused) as refused:
        shipment_transition(shipment_id=shipment.pk, action="switch_to_collection", actor=stranger)
    assert refused.value.code == "not_found"
    with pytest.raises(ShipmentRefused):
        services.shipment_mark_printed(shipment_id=shipment.pk, actor=foreign_dispatcher)
    with pytest.raises(ShipmentRefused):
        services.shipment_confirm_address(shipment_id=shipment.pk, actor=stranger)
    assert Shipment.objects.get(pk=shipment.pk).printed_at is None


def test_collection_completes_the_application_once_every_item_is_handed_over(
    samsat: Office, officer: User, holder: User, dispatcher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = issued(holder, officer, samsat, choice="collection")
    shipment = shipment_of(application)
    # The collector's KTP check is the collection desk's own guard (tested there): passed here.
    monkeypatch.setitem(services._guards, "collector_verified", lambda context: [])
    services.shipment_mark_printed(shipment_id=shipment.pk, actor=dispatcher)
    services.shipment_mark_packed(shipment_id=shipment.pk, actor=dispatcher)
    shipment_transition(shipment_id=shipment.pk, action="collect", actor=officer)
    application.refresh_from_db()
    assert application.status == "completed"
    assert AuditEvent.objects.filter(action="shipment.collect", object_id=str(shipment.public_id)).exists()


def test_every_step_is_a_tracking_event_with_actor_and_place(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    shipment = on_the_road(shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier)
    events = list(TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at", "pk"))
    # Going out sends the recipient their one-time code: a recorded fact after the step.
    assert [e.action for e in events] == [
        "created", "printed", "packed", "address_confirmed", "assign", "pick_up", "go_out", "code_sent",
    ]  # fmt: skip
    assign = events[4]
    assert (assign.actor_id, assign.actor_role, assign.place) == (dispatcher.pk, "dispatcher", samsat.name)
    assert (events[-2].actor_role, events[-2].from_status, events[-2].to_status) == (
        "courier", "picked_up", "out_for_delivery",
    )  # fmt: skip


def test_a_stale_version_is_refused(samsat: Office, officer: User, holder: User) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    with pytest.raises(services.StaleShipment):
        shipment_transition(
            shipment_id=shipment.pk,
            action="switch_to_collection",
            actor=holder,
            expected_version=shipment.version + 5,
        )
    assert Application.objects.get(pk=shipment.application_id).status == "issued"
