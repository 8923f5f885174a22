"""application_transition: the lifecycle's single writer (DESIGN §4, SECURITY §1.5)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.db import transaction

from accounts import roles
from accounts.models import User
from applications.models import Application, StatusChange
from applications.services import (
    StaleApplication,
    TransitionOutsideTransaction,
    TransitionRefused,
    application_reassign,
    application_transition,
)
from audit.models import AuditEvent
from offices.models import Office
from offices.workdays import add_working_days
from tests.accounts.factories import make_staff
from tests.applications.conftest import (
    ServiceUnderTest,
    act,
    make_application,
    make_polda_supervisor,
    to_status,
)
from tests.factories import UserFactory
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def _nothing_written(application: Application, *, history: int, audit: int) -> None:
    fresh = Application.objects.get(pk=application.pk)
    assert fresh.status == application.status
    assert fresh.version == application.version
    assert StatusChange.objects.filter(application=application).count() == history
    assert AuditEvent.objects.filter(object_id=str(application.public_id)).count() == audit


@time_machine.travel(dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC), tick=False)  # a Monday in Jakarta
def test_the_happy_path_from_draft_to_completed(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = make_application(citizen)
    application = act(application, "submit", citizen, office=samsat)
    assert application.status == "pending_payment"
    assert application.handling_office == samsat
    assert application.submitted_at is not None
    assert application.due_date == add_working_days(dt.date(2026, 3, 2), 5) == dt.date(2026, 3, 9)

    application = act(application, "pay", None)
    assert application.paid_at is not None
    application = act(application, "claim", officer, expected_version=application.version)
    assert application.assigned_officer == officer
    application = act(application, "approve", officer)
    assert application.decided_at is not None
    application = act(application, "issue", officer)
    assert application.issued_at is not None
    application = act(application, "complete", None)
    assert application.status == "completed"
    assert application.completed_at is not None
    assert application.version == 7

    history = list(application.status_changes.values_list("action", "from_status", "to_status", "actor_role"))
    assert history == [
        ("submit", "draft", "pending_payment", "citizen"),
        ("pay", "pending_payment", "queued", "system"),
        ("claim", "queued", "in_review", "officer"),
        ("approve", "in_review", "approved", "officer"),
        ("issue", "approved", "issued", "officer"),
        ("complete", "issued", "completed", "system"),
    ]
    assert list(application.status_changes.values_list("actor_id", flat=True)) == [
        citizen.pk,
        None,
        officer.pk,
        officer.pk,
        officer.pk,
        None,
    ]
    audited = AuditEvent.objects.filter(object_id=str(application.public_id)).order_by("id")
    assert list(audited.values_list("action", flat=True)) == [
        "application.created",
        "application.submit",
        "application.pay",
        "application.claim",
        "application.approve",
        "application.issue",
        "application.complete",
    ]
    approve = audited.get(action="application.approve")
    assert approve.object_type == "applications.application"
    assert approve.office_id == samsat.pk
    assert approve.actor_id == officer.pk
    assert approve.details == {"from_status": "in_review", "to_status": "approved", "role": "officer"}


@pytest.mark.parametrize(
    ("status", "action", "who", "code"),
    [
        ("draft", "approve", "officer", "wrong_state"),  # SECURITY §1.5: approve on a draft
        ("pending_payment", "claim", "officer", "wrong_state"),
        ("queued", "pay", "system", "wrong_state"),
        ("pending_payment", "pay", "citizen", "not_allowed_for_actor"),  # citizens cannot "pay" it
        ("in_review", "approve", "citizen", "not_allowed_for_actor"),
        ("issued", "complete", "officer", "not_allowed_for_actor"),
        ("queued", "no_such_action", "officer", "unknown_action"),
    ],
)
def test_an_illegal_action_is_refused_and_writes_nothing(
    service: ServiceUnderTest,
    citizen: User,
    officer: User,
    samsat: Office,
    status: str,
    action: str,
    who: str,
    code: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    application = to_status(
        make_application(citizen), status, citizen=citizen, officer=officer, office=samsat
    )
    history = application.status_changes.count()
    audit = AuditEvent.objects.filter(object_id=str(application.public_id)).count()
    actor = {"officer": officer, "citizen": citizen, "system": None}[who]
    with (
        caplog.at_level(logging.WARNING, logger="korlantas.applications"),
        pytest.raises(TransitionRefused) as refused,
    ):
        act(application, action, actor)
    assert refused.value.code == code
    assert refused.value.reasons
    _nothing_written(application, history=history, audit=audit)
    assert f"application {application.pk}: {action}" in caplog.text
    assert citizen.email not in caplog.text


def test_a_stale_version_is_refused(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = to_status(
        make_application(citizen), "queued", citizen=citizen, officer=officer, office=samsat
    )
    page_version = application.version
    act(application, "claim", officer, expected_version=page_version)
    application.refresh_from_db()
    with pytest.raises(StaleApplication) as stale:
        act(application, "release", officer, expected_version=page_version)
    assert stale.value.current == page_version + 1
    assert "changed meanwhile" in str(stale.value)
    _nothing_written(application, history=3, audit=4)


def test_refuses_to_run_outside_a_transaction(service: ServiceUnderTest, citizen: User) -> None:
    application = make_application(citizen)
    # pytest-django wraps each test in a transaction; pretend the caller opened none.
    connection = transaction.get_connection()
    connection.in_atomic_block = False
    try:
        with pytest.raises(TransitionOutsideTransaction):
            application_transition(application_id=application.pk, action="cancel", actor=citizen)
    finally:
        connection.in_atomic_block = True
    application.refresh_from_db()
    assert application.status == "draft"


def test_a_citizen_acts_only_on_their_own_application(service: ServiceUnderTest, citizen: User) -> None:
    application = make_application(citizen)
    other = UserFactory()
    with pytest.raises(TransitionRefused) as refused:
        act(application, "cancel", other)
    assert refused.value.code == "not_your_application"
    _nothing_written(application, history=0, audit=1)
    assert act(application, "cancel", citizen).status == "cancelled"


def test_staff_act_only_for_their_office(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = to_status(
        make_application(citizen), "queued", citizen=citizen, officer=officer, office=samsat
    )
    elsewhere = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    same_polda_office = OfficeFactory(kind=Office.Kind.SAMSAT, polda=samsat.polda)
    neighbour = make_staff(roles.SUPERVISOR, office=same_polda_office)
    for outsider in (elsewhere, neighbour):
        with pytest.raises(TransitionRefused) as refused:
            act(application, "claim", outsider)
        assert refused.value.code == "outside_office_scope"

    # A supervisor whose membership is the Polda covers every office of it...
    polda_supervisor = make_polda_supervisor(samsat)
    application = act(application, "claim", polda_supervisor)
    assert application.status == "in_review"
    # ...but not another Polda's.
    other_polda_supervisor = make_polda_supervisor(OfficeFactory())
    with pytest.raises(TransitionRefused):
        act(application, "release", other_polda_supervisor)


def test_once_claimed_only_the_claimant_or_a_supervisor_decides(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = to_status(
        make_application(citizen), "in_review", citizen=citizen, officer=officer, office=samsat
    )
    colleague = make_staff(roles.OFFICER, office=samsat)
    with pytest.raises(TransitionRefused) as refused:
        act(application, "approve", colleague)
    assert refused.value.code == "not_the_claiming_officer"
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    application = act(application, "release", supervisor)
    assert application.status == "queued"
    assert application.assigned_officer is None


def test_staff_applying_for_themselves_are_citizens_there(service: ServiceUnderTest, samsat: Office) -> None:
    staff_citizen = make_staff(roles.SUPERVISOR, office=samsat)
    application = to_status(
        make_application(staff_citizen), "queued", citizen=staff_citizen, officer=staff_citizen, office=samsat
    )
    with pytest.raises(TransitionRefused) as refused:
        act(application, "claim", staff_citizen)
    assert refused.value.code == "not_allowed_for_actor"


def test_failing_guards_block_with_every_reason(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    application = make_application(citizen)
    service.failures["profile_and_identity"] = ["Verify your identity first."]
    service.failures["service_eligibility"] = ["You are too young for this licence."]
    with pytest.raises(TransitionRefused) as refused:
        act(application, "submit", citizen, office=samsat)
    assert refused.value.code == "guards_failed"
    assert refused.value.reasons == ("Verify your identity first.", "You are too young for this licence.")
    _nothing_written(application, history=0, audit=1)

    service.failures.clear()
    assert act(application, "submit", citizen, office=samsat).status == "pending_payment"


def test_submit_needs_an_office_of_the_routes_first_kind(
    service: ServiceUnderTest, citizen: User, bpkb_unit: Office
) -> None:
    application = make_application(citizen)
    for office in (None, bpkb_unit):
        with pytest.raises(TransitionRefused) as refused:
            act(application, "submit", citizen, office=office)
        assert refused.value.code == "office_not_on_route"


def test_builtin_guards(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office, bpkb_unit: Office
) -> None:
    application = to_status(
        make_application(citizen), "pending_payment", citizen=citizen, officer=officer, office=samsat
    )
    for action in ("pay_auto_approve", "expire"):  # not an auto-approved service; window still open
        with pytest.raises(TransitionRefused) as refused:
            act(application, action, None)
        assert refused.value.code == "guards_failed"
    with time_machine.travel(dt.timedelta(days=8)):
        assert act(application, "expire", None).status == "expired"

    application = to_status(
        make_application(citizen, "2"), "in_review", citizen=citizen, officer=officer, office=samsat
    )
    with pytest.raises(TransitionRefused, match="reason"):
        act(application, "reject", officer)
    with pytest.raises(TransitionRefused, match="no appointment"):
        act(application, "schedule", officer)
    with pytest.raises(TransitionRefused):
        act(application, "forward", officer, office=samsat)  # same kind: not the next on the route
    application = act(application, "forward", officer, office=bpkb_unit)
    assert (application.status, application.handling_office, application.assigned_officer) == (
        "queued",
        bpkb_unit,
        None,
    )
    bpkb_officer = make_staff(roles.OFFICER, office=bpkb_unit)
    application = act(application, "claim", bpkb_officer)
    with pytest.raises(TransitionRefused, match="no further office"):
        act(application, "forward", bpkb_officer, office=samsat)
    application = act(
        application, "reject", bpkb_officer, note="Frame number does not match.", reason="data_mismatch"
    )
    assert application.status == "rejected"
    assert application.status_changes.last().note == "Frame number does not match."  # type: ignore[union-attr]


def test_a_supervisor_reassigns_a_claim(
    service: ServiceUnderTest, citizen: User, officer: User, samsat: Office
) -> None:
    application = to_status(
        make_application(citizen), "in_review", citizen=citizen, officer=officer, office=samsat
    )
    supervisor = make_staff(roles.SUPERVISOR, office=samsat)
    colleague = make_staff(roles.OFFICER, office=samsat)
    outsider = make_staff(roles.OFFICER, office=OfficeFactory())
    with pytest.raises(TransitionRefused):
        application_reassign(application_id=application.pk, supervisor=officer, officer=colleague)
    with pytest.raises(TransitionRefused):
        application_reassign(application_id=application.pk, supervisor=supervisor, officer=outsider)
    with pytest.raises(StaleApplication):
        application_reassign(
            application_id=application.pk, supervisor=supervisor, officer=colleague, expected_version=1
        )

    history = application.status_changes.count()
    application = application_reassign(
        application_id=application.pk,
        supervisor=supervisor,
        officer=colleague,
        expected_version=application.version,
    )
    assert application.assigned_officer == colleague
    assert application.status == "in_review"
    assert application.status_changes.count() == history
    event = AuditEvent.objects.get(action="application.reassigned")
    assert event.actor_id == supervisor.pk
    assert event.details == {"from_officer": officer.pk, "to_officer": colleague.pk}
    # The new assignee decides; the previous one no longer may.
    with pytest.raises(TransitionRefused):
        act(application, "approve", officer)
    assert act(application, "approve", colleague).status == "approved"
