"""Fixtures every payments test can use.

* The applications tests' service, offices and people (``service``, ``samsat``, ``bpkb_unit``,
  ``citizen``, ``officer``) and ``paying_service``: that service charging the STNK annual
  endorsement for two wheels (``stnk_endorsement_2w``, Rp 25.000 under PP 76/2020) per application.
* ``applicant``: a citizen whose profile is saved and identity verified (the profile's name is
  ``APPLICANT_NAME``, what a refund's account holder must match); ``submit_application`` and the
  ``submitted`` fixture: an application of ``paying_service`` submitted through
  ``application_transition``, so its bill was issued by payments' ``submit`` listener.
* Autouse: the sandbox bank's callbacks travel through Django's test client to the webhook's
  path (no HTTP, no server); ``sandbox_callbacks`` lists the statuses the webhook answered.

Remember: tasks run eagerly in tests (CELERY_TASK_ALWAYS_EAGER), but what a service sends "on
commit" (the sandbox's callback, a refund's transfer, a PDF) runs only inside
``django_capture_on_commit_callbacks(execute=True)`` (or in a ``transaction=True`` test).
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.models import User
from applications import registry
from applications.models import Application
from offices.models import Office
from payments.gateways import sandbox
from tests.accounts.factories import make_profile
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import ServiceUnderTest, act, make_application

# The applications tests' fixtures, shared here (pytest finds fixtures by name in a conftest).
service = applications_conftest.service
samsat = applications_conftest.samsat
bpkb_unit = applications_conftest.bpkb_unit
citizen = applications_conftest.citizen
officer = applications_conftest.officer

FEE_CODE = "stnk_endorsement_2w"
FEE_AMOUNT = 25_000  # PP 76/2020, seeded by the migrations
APPLICANT_NIK = "3171014507900003"
APPLICANT_NAME = "Siti Rahmawati"


@pytest.fixture
def paying_service(service: ServiceUnderTest) -> ServiceUnderTest:
    """``service``, registered again so that every application pays ``FEE_CODE`` once."""
    registry.unregister_service(service.definition.code)
    service.definition = registry.register_service(
        dataclasses.replace(service.definition, fee_codes=lambda application: (FEE_CODE,))
    )
    return service  # the ``service`` fixture unregisters it afterwards


@pytest.fixture
def applicant(db: None) -> User:
    return make_profile(APPLICANT_NIK, verified=True, full_name=APPLICANT_NAME).user


def submit_application(citizen: User, office: Office, subject: str = "B 1234 ABC") -> Application:
    """A draft of the tests' service, submitted to ``office``: pending payment, with its bill."""
    return act(make_application(citizen, subject), "submit", citizen, office=office)


@pytest.fixture
def submitted(paying_service: ServiceUnderTest, applicant: User, samsat: Office) -> Application:
    return submit_application(applicant, samsat)


@pytest.fixture(autouse=True)
def sandbox_callbacks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sandbox bank posts its callbacks through the test client; the list holds the
    webhook's answers, in order."""
    statuses: list[int] = []
    client = Client()

    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        response = client.post(
            urlsplit(url).path, data=body, content_type="application/json", headers=headers
        )
        statuses.append(response.status_code)
        return response.status_code

    monkeypatch.setattr(sandbox, "poster", post)
    return statuses
