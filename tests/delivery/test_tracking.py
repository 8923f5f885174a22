"""Public tracking by label code (issue 9, point 9): coarse states with dates, never names,
addresses or the office's staff; one generic answer for an unknown code; rate-limited per
client address; never cached; not indexed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from delivery.models import Shipment
from delivery.views_citizen import TRACKING_RATE_LIMIT, TRACKING_RATES
from offices.models import Office
from tests.delivery.citizen_helpers import fail_once, on_the_road
from tests.delivery.conftest import issued, shipment_of

pytestmark = pytest.mark.usefixtures("shipping")


def tracking_url(code: str) -> str:
    return reverse("delivery:tracking_detail", kwargs={"label_code": code})


def test_the_form_leads_to_the_page(samsat: Office, officer: User, holder: User, client: Client) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    response = client.get(reverse("delivery:tracking"))
    assert response.status_code == 200
    assert "noindex" in response.content.decode()
    response = client.post(reverse("delivery:tracking"), {"label_code": shipment.label_code.lower()})
    assert response.status_code == 302
    assert response["Location"] == tracking_url(shipment.label_code)


def test_the_page_shows_coarse_states_and_no_personal_data(
    samsat: Office, officer: User, holder: User, dispatcher: User, courier: User, client: Client
) -> None:
    shipment = on_the_road(shipment_of(issued(holder, officer, samsat)), dispatcher, holder, courier)
    fail_once(shipment, courier, "wrong_address")
    shipment = Shipment.objects.get(pk=shipment.pk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(tracking_url(shipment.label_code))
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("Being prepared", "On its way", "Delivery attempted"):
        assert label in body
    for secret in (
        shipment.recipient_name,
        shipment.address,
        shipment.phone,
        samsat.name,
        courier.email,
        dispatcher.email,
        "Wrong or incomplete address",
        shipment.application.reference,
    ):
        assert secret
        assert secret not in body
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"].startswith("noindex")


def test_an_unknown_code_gets_one_generic_answer(db: None, client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(tracking_url("ACDEFGHJKL"))
    assert response.status_code == 404
    assert "No parcel has this label code" in response.content.decode()
    response = client.get(tracking_url("not-a-code-at-all-long"))
    assert response.status_code == 404


def test_look_ups_are_rate_limited_per_client(db: None, client: Client) -> None:
    # An address of its own: the budget of 127.0.0.1 stays for the other tests.
    address = "198.51.100.23"
    per_minute = int(TRACKING_RATES[TRACKING_RATE_LIMIT].split("/")[0])
    for _attempt in range(per_minute):
        assert client.get(tracking_url("ACDEFGHJKL"), REMOTE_ADDR=address).status_code == 404
    response = client.get(tracking_url("ACDEFGHJKL"), REMOTE_ADDR=address)
    assert response.status_code == 429
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    # Another client is not held back.
    assert client.get(tracking_url("ACDEFGHJKL"), REMOTE_ADDR="198.51.100.24").status_code == 404
