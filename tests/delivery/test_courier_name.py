"""Issue 9, point 9: the citizen sees the courier's first name once a courier is assigned (the
name an administrator set on the courier's staff membership), never before and never the rest."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import StaffMembership, User
from offices.models import Office
from tests.delivery.citizen_helpers import on_the_road
from tests.delivery.conftest import issued, shipment_of

pytestmark = pytest.mark.usefixtures("shipping")


def test_the_citizen_sees_the_couriers_first_name_once_assigned(
    client: Client, samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    StaffMembership.objects.filter(user=courier).update(display_name="Agus Prasetyo")
    shipment = shipment_of(issued(holder, officer, samsat))
    client.force_login(holder)
    page = f"/warga/pengiriman/{shipment.public_id}/"
    before = client.get(page).content.decode()
    assert "Agus" not in before
    on_the_road(shipment, dispatcher, holder, courier)
    after = client.get(page).content.decode()
    assert "Agus" in after
    assert "Prasetyo" not in after
    assert courier.email not in after


def test_without_a_name_the_page_says_your_courier(
    client: Client, samsat: Office, officer: User, holder: User, dispatcher: User, courier: User
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    on_the_road(shipment, dispatcher, holder, courier)
    client.force_login(holder)
    page = client.get(f"/warga/pengiriman/{shipment.public_id}/").content.decode()
    assert "Your courier" in page
    assert courier.email not in page
