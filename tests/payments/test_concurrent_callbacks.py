"""Concurrent callbacks against real PostgreSQL (issue 6 point 4): the same transfer reported
twice at the same moment — by the bank's retry and by the reconcile job — is one payment and
one transition, and a callback racing the citizen's cancellation never deadlocks."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from applications.models import Application, StatusChange
from payments.billing import latest_bill
from payments.models import Payment, Refund
from payments.settlement import payment_receive
from tests.payments.helpers_core import post_event, reported, submitted
from tests.utils import in_thread, wait_for_a_lock_wait

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_reports_of_one_transfer_at_once_are_one_payment(citizen, samsat, service) -> None:
    application = submitted(citizen, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    holding = threading.Event()
    may_commit = threading.Event()
    results: dict[str, Any] = {}

    def reconcile_first() -> str:
        with transaction.atomic():
            received = payment_receive(gateway="sandbox", reported=reported(bill, "REF1"), via="reconcile")
            holding.set()
            assert may_commit.wait(10)
        return received.payment.disposition

    def callback_second() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")
        response = post_event(Client(), bill, event_id="evt-1", reference="REF1")
        return int(response.status_code)

    first = in_thread(reconcile_first, results, "reconcile")
    assert holding.wait(10)
    second = in_thread(callback_second, results, "callback")
    wait_for_a_lock_wait("the callback")
    may_commit.set()
    first.join(15)
    second.join(15)

    assert results["reconcile"] == "applied"
    assert results["callback"] == 200
    assert Payment.objects.count() == 1
    assert StatusChange.objects.filter(application=application, action="pay").count() == 1
    assert Application.objects.get(pk=application.pk).status == "queued"


def test_a_callback_racing_a_cancellation_is_refunded_not_applied(citizen, samsat, service) -> None:
    application = submitted(citizen, samsat)
    bill = latest_bill(application.pk)
    assert bill is not None
    cancelled = threading.Event()
    may_commit = threading.Event()
    results: dict[str, Any] = {}

    def cancel_first() -> str:
        with transaction.atomic():
            from applications.services import application_transition

            application_transition(application_id=application.pk, action="cancel", actor=citizen)
            cancelled.set()
            assert may_commit.wait(10)
        return "cancelled"

    def callback_second() -> dict[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")
        return post_event(Client(), bill, event_id="evt-1", reference="REF1").json()  # type: ignore[no-any-return]

    first = in_thread(cancel_first, results, "cancel")
    assert cancelled.wait(10)
    second = in_thread(callback_second, results, "callback")
    wait_for_a_lock_wait("the callback")
    may_commit.set()
    first.join(15)
    second.join(15)

    assert results["cancel"] == "cancelled"
    assert results["callback"] == {"status": "refund"}
    assert Application.objects.get(pk=application.pk).status == "cancelled"
    assert Refund.objects.get().reason == "late"
