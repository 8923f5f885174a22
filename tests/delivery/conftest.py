"""Fixtures of the delivery tests: the applications' test service, made to ship a card, and the
people of its Samsat (officer, dispatcher, two couriers) — states reached through the real
services (``to_status`` walks the application's happy path up to ``issue``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.utils import translation

from accounts import roles
from accounts.models import User
from applications import registry
from applications.models import Application
from delivery import items
from delivery.models import Shipment
from offices.models import Office
from tests.accounts.factories import make_profile, make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import SERVICE_CODE, ServiceUnderTest, make_application, to_status

NIK = "3171014507900003"

# The applications tests' fixtures: its test service, a Samsat and its officer.
service = applications_conftest.service
samsat = applications_conftest.samsat
bpkb_unit = applications_conftest.bpkb_unit
officer = applications_conftest.officer


def _plates(application: Application) -> tuple[str, ...]:
    # Plates are made, not printed from an issued document: the test service issues none.
    return ("plates",)


@pytest.fixture
def shipping(service: ServiceUnderTest) -> Iterator[None]:
    """The test service, offering courier and collection, ships a pair of plates."""
    definition = dataclasses.replace(
        service.definition, delivery_choices=("courier", "collection", "digital")
    )
    registry.unregister_service(SERVICE_CODE)
    registry.register_service(definition)
    items.register_items(SERVICE_CODE, _plates)
    yield
    items.unregister_items(SERVICE_CODE)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The delivery tests read messages in English (their msgids): refusals built outside a
    request, pages (the client's language cookie) and messages (the holder's language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def holder(db: None) -> User:
    user = make_profile(NIK, full_name="Siti Rahmawati").user
    User.objects.filter(pk=user.pk).update(language="en")
    user.language = "en"
    return user


@pytest.fixture
def dispatcher(samsat: Office) -> User:
    return make_staff(roles.DISPATCHER, office=samsat)


@pytest.fixture
def courier(samsat: Office) -> User:
    return make_staff(roles.COURIER, office=samsat)


@pytest.fixture
def other_courier(samsat: Office) -> User:
    return make_staff(roles.COURIER, office=samsat)


def issued(holder: User, officer: User, office: Office, choice: str = "courier") -> Application:
    application = make_application(holder)
    Application.objects.filter(pk=application.pk).update(delivery_choice=choice)
    application.refresh_from_db()
    return to_status(application, "issued", citizen=holder, officer=officer, office=office)


def shipment_of(application: Application) -> Shipment:
    return Shipment.objects.get(application=application)


def atomic_call(function, /, **kwargs):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        return function(**kwargs)
