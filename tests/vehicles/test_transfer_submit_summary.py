"""The buyer's summary before submitting a transfer names the basis in words (found by
tests/e2e/test_bpkb_transfer_journey.py: it showed the stored value "code", where the officer's
review page says "Transfer code from the seller")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from lxml import html

from applications.services import application_start
from tests.vehicles.conftest import BUDI, SITI, VIN_A, Register, citizen
from vehicles import services, transfer
from vehicles.transfer import SERVICE_CODE, TransferForm

pytestmark = pytest.mark.django_db


def test_the_submit_summary_shows_the_basis_in_words(register: Register, client: Client) -> None:
    cache.clear()  # the lookup's rate limit
    today = dt.date.today()
    siti, budi = citizen(SITI), citizen(BUDI)
    vehicle = register(
        SITI,
        stnk_valid_until=today + dt.timedelta(days=700),
        last_endorsed_on=today - dt.timedelta(days=30),
    )
    assert services.vehicle_possession_prove(user=siti, vehicle=vehicle, suffix=VIN_A[-5:])
    _code, plain = transfer.transfer_code_create(seller=siti, vehicle=vehicle)
    details = TransferForm(
        {"plate": "B 1234 ABC", "basis": "code", "transfer_code": plain, "chassis_suffix": ""}, applicant=budi
    )
    assert details.is_valid(), details.errors
    draft = application_start(
        applicant=budi, service_code=SERVICE_CODE, details=details, delivery_choice="collection"
    )

    client.force_login(budi)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("applications:submit", kwargs={"public_id": draft.public_id}))
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    summary = {
        dt_.text_content().strip(): dt_.getnext().text_content().strip()
        for dt_ in tree.xpath("//section[@aria-labelledby='summary-title']//dt")
    }
    assert summary["How do you show that you bought it?"] == "Transfer code from the seller"
    assert summary["Plate number"] == "B 1234 ABC"
