"""Who decided: the officer who approves or rejects is kept on the application (supervision counts
decisions per officer from it); the system's decisions and other steps leave it empty."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts import roles
from accounts.models import User
from applications.guards import REVISION_DEADLINE
from korlantas.lib import clock
from offices.models import Office
from tests.accounts.factories import make_staff
from tests.applications.conftest import ServiceUnderTest, act, make_application, to_status

pytestmark = pytest.mark.django_db


def test_an_approval_records_the_officer(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = to_status(
        make_application(citizen), "in_review", citizen=citizen, officer=officer, office=samsat
    )
    assert application.decided_by is None

    application = act(application, "approve", officer)

    application.refresh_from_db()
    assert application.decided_by == officer
    assert application.decided_at is not None


def test_a_rejection_by_a_supervisor_records_the_supervisor(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    application = to_status(
        make_application(citizen), "in_review", citizen=citizen, officer=officer, office=samsat
    )

    act(application, "reject", supervisor, note="The documents do not match.", reason="documents_invalid")

    application.refresh_from_db()
    assert application.decided_by == supervisor


def test_a_decision_by_the_system_has_no_officer(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = to_status(
        make_application(citizen), "queued", citizen=citizen, officer=officer, office=samsat
    )
    application = act(application, "claim", officer)
    application = act(
        application, "request_revision", officer, note="Check the colour", flagged_fields=["colour"]
    )

    # Nobody answers within the deadline: the lapse job rejects it as the system.
    with time_machine.travel(clock.now() + REVISION_DEADLINE + dt.timedelta(hours=1), tick=False):
        act(application, "lapse_revision", None)

    application.refresh_from_db()
    assert application.status == "rejected"
    assert application.decided_at is not None
    assert application.decided_by is None
