"""Services declare themselves; drafts get a reference; one open application per subject."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from applications import events, registry, services
from applications.models import Application
from applications.registry import ServiceDefinition, ServiceRegistrationError
from applications.services import DuplicateOpenApplication, application_create
from audit.models import AuditEvent
from korlantas.lib import clock
from korlantas.lib.workflow import UnknownTransition
from offices.models import Office
from tests.applications.conftest import SERVICE_CODE, ServiceUnderTest, act, make_application

REFERENCE = re.compile(r"^TST-(\d{4})-([2-9A-HJ-NP-Z]{6})$")


def _definition(**overrides: object) -> ServiceDefinition:
    values: dict[str, object] = {
        "code": "other_permit",
        "name": "Other",
        "reference_prefix": "OTH",
        "route": (Office.Kind.SATPAS,),
        "subject": lambda application: "x",
        "guards": dict.fromkeys(registry.SERVICE_GUARDS, registry.no_rule),
    }
    values.update(overrides)
    return ServiceDefinition(**values)  # type: ignore[arg-type]


def test_registering_a_code_twice_is_refused(service: ServiceUnderTest) -> None:
    with pytest.raises(ServiceRegistrationError, match="twice"):
        registry.register_service(_definition(code=SERVICE_CODE))
    assert registry.get_service(SERVICE_CODE) is service.definition
    assert service.definition in registry.all_services()


def test_unknown_service_is_a_lookup_error() -> None:
    with pytest.raises(registry.UnknownService):
        registry.get_service("no_such_service")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"guards": {}}, "not decided"),
        ({"guards": {"no_such_guard": registry.no_rule}}, "not in the application workflow"),
        ({"guards": {"handling_office": registry.no_rule}}, "evaluated by the core"),
        ({"route": ()}, "route names no office kind"),
        ({"route": ("moon_base",)}, "unknown office kinds"),
        ({"reference_prefix": "sim"}, "capital letters"),
        ({"delivery_choices": ("pigeon",)}, "unknown delivery"),
    ],
)
def test_an_incomplete_definition_fails_at_registration(overrides: dict[str, object], message: str) -> None:
    if overrides.get("guards"):
        guards = dict.fromkeys(registry.SERVICE_GUARDS, registry.no_rule)
        guards.update(overrides["guards"])  # type: ignore[call-overload]
        overrides = {"guards": guards}
    with pytest.raises(ServiceRegistrationError, match=message):
        _definition(**overrides)


def test_listeners_name_existing_actions_only() -> None:
    with pytest.raises(UnknownTransition):
        events.listen("submitt", lambda application_id: None, phase="after_commit")


@pytest.mark.django_db
def test_a_draft_has_a_readable_random_reference(service: ServiceUnderTest, citizen: User) -> None:
    application = make_application(citizen)
    assert application.status == "draft"
    assert application.version == 1
    match = REFERENCE.fullmatch(application.reference)
    assert match is not None, application.reference
    assert match.group(1) == f"{clock.today():%y%m}"
    assert AuditEvent.objects.filter(
        action="application.created", object_id=str(application.public_id), actor_id=citizen.pk
    ).exists()


def test_references_are_not_sequential() -> None:
    references = [services.new_reference("TST") for _ in range(200)]
    assert len(set(references)) == 200
    assert references != sorted(references)
    assert all(REFERENCE.fullmatch(reference) for reference in references)
    tails = "".join(reference[-6:] for reference in references)
    assert not set(tails) & set("01OI")


@pytest.mark.django_db
def test_a_reference_collision_draws_again(
    service: ServiceUnderTest, citizen: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_application(citizen, subject="first")
    drawn = iter([first.reference, first.reference, "TST-2601-ABCDEF"])
    monkeypatch.setattr(services, "new_reference", lambda prefix: next(drawn))
    second = make_application(citizen, subject="second")
    assert second.reference == "TST-2601-ABCDEF"


@pytest.mark.django_db
def test_one_open_application_per_service_and_subject(service: ServiceUnderTest, citizen: User) -> None:
    first = make_application(citizen, subject="B 1234 ABC")
    with pytest.raises(DuplicateOpenApplication):
        make_application(citizen, subject="B 1234 ABC")
    make_application(citizen, subject="B 9999 XYZ")  # another subject is fine

    # The database holds the rule too, whatever the code checks first.
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            reference="TST-2601-ZZZZZZ", applicant=citizen, service_code=SERVICE_CODE, subject="B 1234 ABC"
        )

    act(first, "cancel", citizen)
    again = make_application(citizen, subject="B 1234 ABC")
    assert again.status == "draft"
    assert again.pk != first.pk


@pytest.mark.django_db
def test_a_race_past_the_check_is_still_a_duplicate(
    service: ServiceUnderTest, citizen: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_application(citizen, subject="B 1234 ABC")
    monkeypatch.setattr(services, "_open_application_exists", lambda **kwargs: False)
    with pytest.raises(DuplicateOpenApplication):
        make_application(citizen, subject="B 1234 ABC")


@pytest.mark.django_db
def test_delivery_choice_must_be_offered(service: ServiceUnderTest, citizen: User) -> None:
    with pytest.raises(ValueError, match="delivery"):
        application_create(
            applicant=citizen, service_code=SERVICE_CODE, subject="x", delivery_choice="collection"
        )
    application = application_create(
        applicant=citizen, service_code=SERVICE_CODE, subject="x", delivery_choice="digital"
    )
    assert application.delivery_choice == "digital"
