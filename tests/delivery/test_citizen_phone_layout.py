"""The holder's shipment page on a 360 px phone (found by tests/e2e/test_failed_delivery_journey.py).

* The state badge wraps: Bootstrap's ``.badge`` never wraps, and "Delivery attempted: we could
  not hand it over" made the page 423 px wide on a 360 px screen.
* "Correct the address" (a ``<summary>``) is a 44 px touch target, not a 24 px line.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from lxml import html

from accounts.models import User
from delivery import selectors_citizen
from offices.models import Office
from tests.delivery.citizen_helpers import fail_once, on_the_road
from tests.delivery.conftest import issued, shipment_of

pytestmark = pytest.mark.usefixtures("shipping")


def test_the_state_badge_wraps_on_a_phone(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, client: Client
) -> None:
    shipment = on_the_road(shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier)
    fail_once(shipment, courier)
    client.force_login(holder)
    response = client.get(reverse("delivery:citizen_shipment", kwargs={"public_id": shipment.public_id}))
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    [badge] = tree.xpath("//h1/following-sibling::p[1]/span")
    assert badge.text_content() == str(selectors_citizen.STATE_WORDS["failed_attempt"])
    assert {"badge", "text-wrap"} <= set(badge.classes)


def test_correct_the_address_is_a_touch_target(
    samsat: Office, officer: User, holder: User, client: Client
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    client.force_login(holder)
    response = client.get(reverse("delivery:citizen_shipment", kwargs={"public_id": shipment.public_id}))
    tree = html.fromstring(response.content.decode())
    [summary] = [node for node in tree.xpath("//summary") if "Correct the address" in node.text_content()]
    # Bootstrap: py-2 = 0.5 rem above and below, lh-lg = line-height 2 → 16 + 32 = 48 px.
    assert {"py-2", "lh-lg"} <= set(summary.classes)
