"""The anonymous STNK check (/stnk/cek/): plate + last 5 chassis characters show what the
endorsement needs and nothing of the owner; every kind of failure looks the same; rate-limited
per client address before the look-up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.vehicles.conftest import SITI, VIN_A, VIN_B, Register, citizen
from vehicles.models import Vehicle

pytestmark = pytest.mark.django_db

URL = "/stnk/cek/"
OWNER_NAME = "Siti Rahmawati"  # make_profile's name for a woman's NIK


@pytest.fixture
def anonymous(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def check(client: Client, plate: str, suffix: str, **extra: Any) -> Any:
    return client.post(URL, {"plate": plate, "suffix": suffix}, **extra)


def failure_shape(html: str) -> str:
    """The answer with what the visitor typed (echoed into the form) and the token removed."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'value="[^"]*"', 'value=""', html)


def test_the_page_is_public(anonymous: Client) -> None:
    assert reverse("vehicles:lookup") == URL
    response = anonymous.get(URL)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_plate_and_chassis_characters_show_only_what_the_bill_needs(
    anonymous: Client, register: Register
) -> None:
    citizen(SITI)  # the owner has an account: still nothing of them is shown
    vehicle = register(SITI, "B 1234 ABC", VIN_A)
    response = check(anonymous, "b1234abc", VIN_A[-5:].lower())
    html = response.content.decode()
    assert response.status_code == 200
    assert "B 1234 ABC" in html
    assert "Honda" in html
    assert "Vario 125" in html
    assert "2- or 3-wheel" in html
    assert vehicle.stnk_valid_until.strftime("%-d %B %Y") in html
    assert vehicle.last_endorsed_on.strftime("%-d %B %Y") in html
    assert "annual endorsement" in html
    # Paying online needs an account and the possession proof: the page says so and links sign-in.
    assert "To pay the annual endorsement online, sign in" in html
    assert reverse("account_login") in html
    # Never the owner, nor anything beyond the bill's needs.
    for secret in (OWNER_NAME, SITI, VIN_A, vehicle.engine_number, vehicle.bpkb_number, vehicle.colour):
        assert secret not in html


def test_a_blocked_vehicle_is_found_without_its_reason(anonymous: Client, register: Register) -> None:
    register(SITI, "B 1234 ABC", VIN_A, state="blocked", state_reason="Reported stolen")
    html = check(anonymous, "B 1234 ABC", VIN_A[-5:]).content.decode()
    assert "Vario 125" in html
    assert "stolen" not in html.lower()


def test_every_failure_looks_the_same(anonymous: Client, register: Register) -> None:
    register(SITI, "B 1234 ABC", VIN_A)
    deleted = register(SITI, "B 777 DEL", VIN_B)
    Vehicle.objects.filter(pk=deleted.pk).update(state="deleted", state_reason="Perpol 7/2021 Pasal 85")
    answers = [
        check(anonymous, "B 1234 ABC", "ZZZZ9"),  # wrong characters
        check(anonymous, "B 4321 ABC", VIN_A[-5:]),  # unknown plate
        check(anonymous, "B 777 DEL", VIN_B[-5:]),  # deleted registration
        check(anonymous, "B 1234 ABC", VIN_B[-5:]),  # another vehicle's characters
    ]
    shapes = {failure_shape(answer.content.decode()) for answer in answers}
    assert {answer.status_code for answer in answers} == {200}
    assert len(shapes) == 1
    html = answers[0].content.decode()
    assert "No vehicle matches this plate and these chassis characters." in html
    assert "Vario" not in html
    assert "Vario" not in answers[3].content.decode()


def test_a_malformed_plate_says_why(anonymous: Client) -> None:
    html = check(anonymous, "B 0123 X", "ZZZZ9").content.decode()
    assert "does not start with 0" in html
    assert "No vehicle matches" not in html


def test_the_rate_limit_is_spent_before_the_look_up(
    anonymous: Client, register: Register, settings: Any
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "stnk_lookup": "3/m/ip"}
    register(SITI, "B 1234 ABC", VIN_A)
    assert check(anonymous, "B 1234 ABC", "ZZZZ9").status_code == 200
    assert check(anonymous, "B 1 A", "ZZZZ9").status_code == 200
    assert check(anonymous, "B 1234 ABC", VIN_A[-5:]).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        over = check(anonymous, "B 1234 ABC", VIN_A[-5:])
    assert over.status_code == 429
    assert "Vario" not in over.content.decode()
    assert not [q for q in captured.captured_queries if "vehicles_vehicle" in q["sql"]]
    # Another address has its own budget; GET (the empty form) costs nothing.
    assert check(anonymous, "B 1234 ABC", VIN_A[-5:], REMOTE_ADDR="198.51.100.9").status_code == 200
    assert anonymous.get(URL).status_code == 200
