"""Issue 9, point 7: after each failed attempt the holder is told at once why, how many attempts
are left and where to choose another day; after the last, that the parcel goes back."""

from __future__ import annotations

import pytest

from accounts.models import User
from delivery.citizen import ATTEMPT_FAILED_KEY
from delivery.services import ShipmentRefused, shipment_transition
from notifications import catalogue
from notifications.models import Message
from offices.models import Office
from tests.delivery.citizen_helpers import fail_once, inbox, on_the_road
from tests.delivery.conftest import issued, shipment_of

pytestmark = pytest.mark.usefixtures("shipping")


def rendered_sms(message: Message) -> str:
    sms = Message(
        recipient=message.recipient,
        channel="sms",
        template_key=message.template_key,
        language="en",
        context=message.context,
    )
    return catalogue.render(sms).sms


def test_each_failed_attempt_tells_the_holder_why_and_what_is_left(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    on_the_road(shipment, dispatcher, holder, courier)
    fail_once(shipment, courier, reason="not_home")
    [first] = inbox(holder, ATTEMPT_FAILED_KEY)
    assert first.context == {"shipment_id": shipment.pk}  # ids only in the outbox
    rendered = catalogue.render(first)
    assert "Nobody at home" in rendered.text
    assert "2 delivery attempts are left" in rendered.text
    assert rendered.link == f"/warga/pengiriman/{shipment.public_id}/"
    assert "2 attempts are left" in rendered_sms(first)

    fail_once(shipment, courier, reason="wrong_address")
    fail_once(shipment, courier, reason="refused")
    messages = inbox(holder, ATTEMPT_FAILED_KEY)
    assert len(messages) == 3
    last = catalogue.render(messages[-1]).text
    assert "Refused by the recipient" in last
    assert "That was the last attempt" in last


def test_a_refused_step_sends_nothing(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    on_the_road(shipment, dispatcher, holder, courier)
    shipment_transition(shipment_id=shipment.pk, action="go_out", actor=courier)
    with pytest.raises(ShipmentRefused):  # no reason code: refused, rolled back
        shipment_transition(shipment_id=shipment.pk, action="fail_attempt", actor=courier)
    assert inbox(holder, ATTEMPT_FAILED_KEY) == []
