"""A service may narrow the offices the core offers for submitting and forwarding
(``ServiceDefinition.submit_offices`` / ``forward_offices``): a vehicle's registering Samsat,
the BPKB unit of that Samsat's Polda, a move's destination. The core enforces the narrowing in
the transition service, not only in the pages."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from django.db.models import QuerySet
from django.test import Client

from accounts.models import User
from applications import registry, selectors
from applications.models import Application
from applications.services import TransitionRefused
from offices.models import Office
from tests.accounts.factories import make_profile
from tests.applications.conftest import SERVICE_CODE, ServiceUnderTest, act, make_application, to_status
from tests.offices.factories import OfficeFactory

NIK = "3171014507900003"


@pytest.fixture
def applicant(db: None) -> User:
    return make_profile(NIK, full_name="Siti Rahmawati").user


@pytest.fixture
def narrowed(service: ServiceUnderTest) -> dict[str, Office | None]:
    """Re-register the test service with hooks reading ``chosen`` (None: the core's rule)."""
    chosen: dict[str, Office | None] = {"submit": None, "forward": None}

    def only(key: str) -> Callable[[Application], QuerySet[Office] | None]:
        def hook(application: Application) -> QuerySet[Office] | None:
            office = chosen[key]
            return None if office is None else Office.objects.filter(pk=office.pk)

        return hook

    definition = dataclasses.replace(
        service.definition, submit_offices=only("submit"), forward_offices=only("forward")
    )
    registry.unregister_service(SERVICE_CODE)
    registry.register_service(definition)
    return chosen


def test_without_a_hook_every_open_office_of_the_first_kind_is_offered(
    service: ServiceUnderTest, samsat: Office, applicant: User
) -> None:
    other = OfficeFactory(kind=Office.Kind.SAMSAT)
    application = make_application(applicant)
    offered = set(selectors.offices_for_submission(service.definition, application))
    assert {samsat, other} <= offered


def test_submit_offers_and_accepts_only_the_narrowed_office(
    narrowed: dict[str, Office | None], samsat: Office, applicant: User, client: Client
) -> None:
    other = OfficeFactory(kind=Office.Kind.SAMSAT)
    narrowed["submit"] = samsat
    application = make_application(applicant)
    service = registry.get_service(SERVICE_CODE)
    assert list(selectors.offices_for_submission(service, application)) == [samsat]
    with pytest.raises(TransitionRefused) as refused:
        act(application, "submit", applicant, office=other)
    assert refused.value.code == "office_not_on_route"
    application.refresh_from_db()
    assert application.status == "draft"
    assert act(application, "submit", applicant, office=samsat).handling_office == samsat


def test_a_hook_cannot_widen_the_route(
    narrowed: dict[str, Office | None], samsat: Office, bpkb_unit: Office, applicant: User
) -> None:
    narrowed["submit"] = bpkb_unit  # not of the route's first kind
    application = make_application(applicant)
    assert list(selectors.offices_for_submission(registry.get_service(SERVICE_CODE), application)) == []
    with pytest.raises(TransitionRefused):
        act(application, "submit", applicant, office=bpkb_unit)


def test_forward_offers_and_accepts_only_the_narrowed_office(
    narrowed: dict[str, Office | None], samsat: Office, bpkb_unit: Office, officer: User, applicant: User
) -> None:
    own_polda_other_unit = OfficeFactory(kind=Office.Kind.BPKB_UNIT, polda=samsat.polda)
    narrowed["forward"] = bpkb_unit
    application = to_status(
        make_application(applicant), "in_review", citizen=applicant, officer=officer, office=samsat
    )
    assert list(selectors.forward_offices(application=application)) == [bpkb_unit]
    with pytest.raises(TransitionRefused) as refused:
        act(application, "forward", officer, office=own_polda_other_unit)
    assert "Choose one of the offices offered for this application." in [
        str(r) for r in refused.value.reasons
    ]
    assert act(application, "forward", officer, office=bpkb_unit).handling_office == bpkb_unit


def test_an_empty_narrowing_offers_nothing(
    narrowed: dict[str, Office | None], samsat: Office, bpkb_unit: Office, officer: User, applicant: User
) -> None:
    narrowed["forward"] = samsat  # the handling office itself: nowhere to go
    application = to_status(
        make_application(applicant), "in_review", citizen=applicant, officer=officer, office=samsat
    )
    assert list(selectors.forward_offices(application=application)) == []
    with pytest.raises(TransitionRefused):
        act(application, "forward", officer, office=bpkb_unit)
