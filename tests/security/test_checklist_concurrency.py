"""SECURITY.md §8 item 6, the part tests/applications/test_concurrency.py does not count: two
officers decide the same case at once on the real PostgreSQL, and exactly one decision reaches
the audit log (the loser's refusal writes no audit row and no history), besides exactly one
winner.

Deterministic as there: the first decision holds the row lock until the second is seen waiting
for it in ``pg_locks``; ``lock_timeout`` bounds every wait.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from accounts import roles
from applications.models import StatusChange
from applications.services import TransitionRefused, application_transition
from audit.models import AuditEvent
from offices.models import Office
from tests.accounts.factories import make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import ServiceUnderTest, make_application, to_status
from tests.factories import UserFactory
from tests.utils import in_thread, wait_for_a_lock_wait

pytestmark = pytest.mark.django_db(transaction=True)

service = applications_conftest.service
samsat = applications_conftest.samsat


def test_two_officers_deciding_at_once_leave_one_decision_and_one_audit_row(
    service: ServiceUnderTest, samsat: Office
) -> None:
    citizen = UserFactory()
    first_officer = make_staff(roles.OFFICER, office=samsat)
    application = to_status(
        make_application(citizen), "in_review", citizen=citizen, officer=first_officer, office=samsat
    )
    second_officer = make_staff(roles.SUPERVISOR, office=samsat)
    decisions = ("application.approve", "application.reject")
    audit_before = AuditEvent.objects.filter(object_id=str(application.public_id)).count()
    approved = threading.Event()
    may_commit = threading.Event()
    results: dict[str, Any] = {}

    def approve() -> str:
        with transaction.atomic():
            application_transition(application_id=application.pk, action="approve", actor=first_officer)
            approved.set()
            assert may_commit.wait(10)
        return "approved"

    def reject() -> str:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '10s'")
            application_transition(
                application_id=application.pk,
                action="reject",
                actor=second_officer,
                note="Tidak lengkap.",
                reason="documents_invalid",
            )
        return "rejected"

    first = in_thread(approve, results, "approve")
    assert approved.wait(10)
    second = in_thread(reject, results, "reject")
    wait_for_a_lock_wait("the second decision")
    may_commit.set()
    first.join(15)
    second.join(15)

    assert results["approve"] == "approved"
    assert isinstance(results["reject"], TransitionRefused)
    audited = AuditEvent.objects.filter(object_id=str(application.public_id))
    assert list(audited.filter(action__in=decisions).values_list("action", "actor_id")) == [
        ("application.approve", first_officer.pk)
    ]
    assert audited.count() == audit_before + 1
    assert list(
        StatusChange.objects.filter(application=application, action__in=["approve", "reject"]).values_list(
            "action", flat=True
        )
    ) == ["approve"]
