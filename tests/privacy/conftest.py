"""Fixtures of the privacy tests: the applications' test service (shipping plates, as in the
delivery tests), its Samsat and officer, and a citizen with a verified identity — states reached
through the real services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import User
from tests.accounts.factories import make_profile
from tests.applications import conftest as applications_conftest
from tests.delivery import conftest as delivery_conftest
from tests.factories import DEFAULT_PASSWORD

NIK = "3171014507900003"
OTHER_NIK = "3273015204850007"

service = applications_conftest.service
samsat = applications_conftest.samsat
bpkb_unit = applications_conftest.bpkb_unit
officer = applications_conftest.officer
shipping = delivery_conftest.shipping


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def holder(db: None) -> User:
    return make_profile(NIK, full_name="Siti Rahmawati", verified=True).user


@pytest.fixture
def other(db: None) -> User:
    return make_profile(OTHER_NIK, full_name="Budi Santoso", verified=True).user


def sign_in(client: Client, user: User) -> None:
    """Signed in, and the password given again just now (allauth's re-authentication)."""
    client.force_login(user)
    response = client.post("/akun/reauthenticate/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response
