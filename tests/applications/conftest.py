"""A small service of the tests' own, offices on its route, and people to act."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django import forms
from django.db import transaction

from accounts import roles
from accounts.models import StaffMembership, User
from applications import registry
from applications.models import Application
from applications.registry import SERVICE_GUARDS, DetailsForm, ServiceDefinition
from applications.services import application_create, application_transition
from offices.models import Office
from tests.accounts.factories import make_staff
from tests.factories import UserFactory
from tests.offices.factories import OfficeFactory

SERVICE_CODE = "test_permit"


# The test service's "detail row": colour per application id (reset by the ``service`` fixture).
TEST_DETAILS: dict[int, dict[str, str]] = {}


class TestPermitDetails(DetailsForm):
    """The test service's own fields: the plate gives the subject; the colour is stored aside."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    plate = forms.CharField(label="Plate", max_length=12)
    colour = forms.CharField(label="Colour", max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.application is not None:
            # Bound or not: ``changed_data`` compares what was posted with these.
            self.initial = {"plate": self.application.subject, **TEST_DETAILS.get(self.application.pk, {})}

    def subject(self) -> str:
        return str(self.cleaned_data["plate"]).upper()

    def save(self, application: Application) -> None:
        TEST_DETAILS[application.pk] = {"colour": self.cleaned_data["colour"]}


@dataclass
class ServiceUnderTest:
    definition: ServiceDefinition
    # guard name -> the reasons it fails with (absent: passes); tests edit this.
    failures: dict[str, list[str]] = field(default_factory=dict)
    appointment: bool = False


@pytest.fixture
def service() -> Iterator[ServiceUnderTest]:
    failures: dict[str, list[str]] = {}
    state: dict[str, Any] = {}

    def guard_for(name: str) -> registry.Guard:
        def guard(application: Application) -> list[Any]:
            return list(failures.get(name, []))

        return guard

    definition = ServiceDefinition(
        code=SERVICE_CODE,
        name="Test permit",
        reference_prefix="TST",
        route=(Office.Kind.SAMSAT, Office.Kind.BPKB_UNIT),
        subject=lambda application: application.subject.upper(),
        guards={name: guard_for(name) for name in SERVICE_GUARDS},
        needs_appointment=lambda application: state["service"].appointment,
        standard_working_days=5,
        delivery_choices=("courier", "digital"),
        document_kind="test_permit",
        details_form=TestPermitDetails,
        # The bill payments issues on submit: one schedule fee (Rp 25.000 under PP 76/2020).
        fee_codes=lambda application: ("stnk_endorsement_2w",),
        listed_fee_codes=("stnk_endorsement_2w", "stnk_endorsement_4w"),
    )
    registry.register_service(definition)
    test_service = ServiceUnderTest(definition=definition, failures=failures)
    state["service"] = test_service
    try:
        yield test_service
    finally:
        registry.unregister_service(SERVICE_CODE)
        TEST_DETAILS.clear()


@pytest.fixture
def samsat(db: None) -> Office:
    return OfficeFactory(kind=Office.Kind.SAMSAT)


@pytest.fixture
def bpkb_unit(samsat: Office) -> Office:
    return OfficeFactory(kind=Office.Kind.BPKB_UNIT, polda=samsat.polda, code="bpkb-uji")


@pytest.fixture
def citizen(db: None) -> User:
    return UserFactory()


@pytest.fixture
def officer(samsat: Office) -> User:
    return make_staff(roles.OFFICER, office=samsat)


def make_polda_supervisor(office: Office) -> User:
    user = UserFactory()
    user.groups.add(*roles.role_groups([roles.SUPERVISOR]))
    StaffMembership.objects.create(user=user, polda=office.polda)
    return user


def act(application: Application, action: str, actor: User | None, **kwargs: Any) -> Application:
    """One transition in its own transaction, as a view or task would run it."""
    with transaction.atomic():
        return application_transition(application_id=application.pk, action=action, actor=actor, **kwargs)


def make_application(citizen: User, subject: str = "B 1234 ABC") -> Application:
    return application_create(applicant=citizen, service_code=SERVICE_CODE, subject=subject)


def to_status(
    application: Application, status: str, *, citizen: User, officer: User, office: Office
) -> Application:
    """Walk the happy path until ``status`` is reached."""
    steps = [
        ("submit", citizen, {"office": office}),
        ("pay", None, {}),
        ("claim", officer, {}),
        ("approve", officer, {}),
        ("issue", officer, {}),
        ("complete", None, {}),
    ]
    for action, actor, kwargs in steps:
        if application.status == status:
            break
        application = act(application, action, actor, **kwargs)
    assert application.status == status
    return application


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """These tests read refusal messages and labels in English (their msgids)."""
    from django.utils import translation

    with translation.override("en"):
        yield
