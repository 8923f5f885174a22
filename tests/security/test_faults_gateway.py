"""The payment gateway down (issue 11 point 6; SECURITY.md §8 item 25): every citizen action that
asks the bank — submitting (the bank is told the billing code), "check payment", a new bill —
answers with a "try again in a few minutes" message instead of an error page, and changes
nothing; the reconcile job and the refund sender leave their work queued and finish it exactly
once when the bank answers again.

"Down" is the gateway adapter raising what a real one raises when the bank is out of reach:
its own ``GatewayError``, or a bare ``TimeoutError`` / ``ConnectionRefusedError`` from a socket
an adapter forgot to wrap. The sandbox gateway (a pretend bank in the database) is the adapter.

Already covered elsewhere and not repeated: a dropped callback settled once by the reconcile
job and by "check payment" with the bank up (tests/payments/test_money_flows.py,
tests/payments/test_citizen_pages.py), the gateway's refund idempotent on the refund
(tests/payments/test_money_flows.py), replayed and concurrent callbacks
(tests/payments/test_webhook.py, test_concurrent_callbacks.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from applications.models import Application, StatusChange
from notifications.models import Message
from offices.models import Office
from payments import refunds
from payments import tasks as payment_tasks
from payments.billing import latest_bill
from payments.gateways import GatewayError
from payments.gateways.sandbox import SandboxGateway, sandbox_pay
from payments.models import Bill, Payment, Refund, SandboxRefund, SandboxTransfer
from payments.reconcile import bills_reconcile
from payments.settlement import payment_receive
from tests.applications.conftest import (  # noqa: F401 - fixtures
    _english_messages,
    act,
    citizen,
    make_application,
    officer,
    samsat,
    service,
)
from tests.payments.conftest import (  # noqa: F401 - fixtures
    APPLICANT_NAME,
    applicant,
    paying_service,
    sandbox_callbacks,
    submit_application,
)
from tests.payments.helpers_core import reported

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # 09:00 in Jakarta
RETRY_MESSAGE = "The bank cannot be reached just now. Nothing was changed: please try again in a few minutes."
FAILURES: list[Callable[[], BaseException]] = [
    lambda: GatewayError("bank: 503 Service Unavailable"),
    lambda: TimeoutError("timed out"),
    lambda: ConnectionRefusedError(111, "Connection refused"),
]
FAILURE_IDS = ["gateway-error", "timeout", "connection-refused"]


class Bank:
    """Switches the sandbox bank off and on, and counts what was asked of it meanwhile."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.asked: list[str] = []

    def down(self, failure: Callable[[], BaseException] = FAILURES[0]) -> None:
        def unreachable(gateway: SandboxGateway, *args: Any, **kwargs: Any) -> Any:
            self.asked.append(args[0] if args and isinstance(args[0], str) else type(args[0]).__name__)
            raise failure()

        for method in ("create_bill", "query_payments", "refund"):
            self.monkeypatch.setattr(SandboxGateway, method, unreachable)

    def up(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture
def bank(monkeypatch: pytest.MonkeyPatch) -> Iterator[Bank]:
    return Bank(monkeypatch)


@pytest.fixture
def clock_at() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield lambda moment: traveller.move_to(moment)


@pytest.fixture
def english(client: Client, applicant: User) -> Client:  # noqa: F811 - the imported fixture
    client.cookies["django_language"] = "en"
    client.force_login(applicant)
    return client


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _bill(application: Application) -> Bill:
    bill = latest_bill(application.pk)
    assert bill is not None
    return bill


def _status(application: Application) -> str:
    return Application.objects.get(pk=application.pk).status


# --- the citizen's actions ------------------------------------------------------------------------


@pytest.mark.parametrize("failure", FAILURES, ids=FAILURE_IDS)
def test_check_payment_with_the_bank_down_asks_to_try_again_and_the_reconcile_job_settles_once(
    failure: Callable[[], BaseException],
    bank: Bank,
    english: Client,
    applicant: User,  # noqa: F811
    samsat: Office,  # noqa: F811
    paying_service: Any,  # noqa: F811
    clock_at: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    application = submit_application(applicant, samsat)
    bill = _bill(application)
    sandbox_pay(billing_code=bill.billing_code, callback=SandboxTransfer.Callback.DROP)  # paid, unheard of

    bank.down(failure)
    response = english.post(reverse("payments:bill_check", args=[bill.public_id]), follow=True)
    assert response.redirect_chain == [(reverse("payments:bill", args=[bill.public_id]), 302)]
    assert _messages(response) == [RETRY_MESSAGE]
    assert bank.asked == [bill.billing_code]
    assert not Payment.objects.exists()
    assert Bill.objects.get(pk=bill.pk).state == Bill.State.OPEN
    assert _status(application) == "pending_payment"

    clock_at(START + dt.timedelta(minutes=6))  # past the reconcile job's grace for callbacks
    assert bills_reconcile() == 0  # still down: the job asks, records nothing, does not fail
    bank.up()
    with django_capture_on_commit_callbacks(execute=True):
        assert bills_reconcile() == 1
    assert bills_reconcile() == 0
    assert Payment.objects.get().via == Payment.Via.RECONCILE
    assert _status(application) == "queued"
    assert StatusChange.objects.filter(application=application, action="pay").count() == 1


def test_submitting_with_the_bank_down_keeps_the_draft_and_says_to_try_again(
    bank: Bank,
    english: Client,
    applicant: User,  # noqa: F811
    samsat: Office,  # noqa: F811
    paying_service: Any,  # noqa: F811
) -> None:
    """The bank must know the billing code before a teller can take it: without the bank the
    submission is refused as a whole (no bill, no status change, no message), with the reason."""
    draft = make_application(applicant)
    url = reverse("applications:submit", args=[draft.public_id])
    data = {"office": str(samsat.public_id), "version": draft.version}

    bank.down(FAILURES[1])
    response = english.post(url, data)
    assert response.status_code == 200
    assert RETRY_MESSAGE in response.content.decode()
    assert _status(draft) == "draft"
    assert not Bill.objects.exists()
    assert not StatusChange.objects.filter(application=draft).exists()
    assert not Message.objects.exists()

    bank.up()
    response = english.post(url, data)
    assert response.status_code == 302
    assert _status(draft) == "pending_payment"
    assert Bill.objects.filter(application=draft).count() == 1


def test_a_new_bill_with_the_bank_down_says_to_try_again_and_changes_nothing(
    bank: Bank,
    english: Client,
    applicant: User,  # noqa: F811
    samsat: Office,  # noqa: F811
    paying_service: Any,  # noqa: F811
    clock_at: Any,
) -> None:
    application = submit_application(applicant, samsat)
    old = _bill(application)
    clock_at(START + dt.timedelta(hours=25))  # the 24-hour bill expired; the 7-day window is open
    url = reverse("payments:bill_replace", args=[application.public_id])

    bank.down(FAILURES[0])
    response = english.post(url, follow=True)
    assert response.status_code == 200
    assert _messages(response) == [RETRY_MESSAGE]
    assert list(Bill.objects.values_list("pk", "state")) == [(old.pk, Bill.State.OPEN)]

    bank.up()
    response = english.post(url, follow=True)
    assert _messages(response) == ["Here is your new bill. Pay it before it expires."]
    assert Bill.objects.count() == 2


# --- the periodic jobs ------------------------------------------------------------------------------


def test_the_reconcile_job_stops_asking_a_bank_that_is_down_and_settles_each_bill_once_later(
    bank: Bank,
    applicant: User,  # noqa: F811
    samsat: Office,  # noqa: F811
    paying_service: Any,  # noqa: F811
    clock_at: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    bills = [_bill(submit_application(applicant, samsat, subject=f"B {n} AB")) for n in (1, 2, 3)]
    for bill in bills[:2]:
        sandbox_pay(billing_code=bill.billing_code, callback=SandboxTransfer.Callback.DROP)
    clock_at(START + dt.timedelta(minutes=6))

    bank.down(FAILURES[1])
    assert bills_reconcile() == 0
    # One timeout is enough to know: the other bills of that bank wait for the next run.
    assert len(bank.asked) == 1
    assert not Payment.objects.exists()

    bank.up()
    with django_capture_on_commit_callbacks(execute=True):
        assert bills_reconcile() == 2
        assert bills_reconcile() == 0
    assert sorted(Payment.objects.values_list("bill_id", flat=True)) == sorted(b.pk for b in bills[:2])
    assert Bill.objects.get(pk=bills[2].pk).state == Bill.State.OPEN


@pytest.fixture
def queued_refund(
    applicant: User,  # noqa: F811
    samsat: Office,  # noqa: F811
    paying_service: Any,  # noqa: F811
) -> Refund:
    """Paid, then cancelled by the citizen: a refund waiting for the citizen's account."""
    application = submit_application(applicant, samsat)
    with transaction.atomic():
        payment_receive(gateway="sandbox", reported=reported(_bill(application), "SBXPAID1"), via="callback")
    act(Application.objects.get(pk=application.pk), "cancel", applicant)
    return Refund.objects.get(application=application)


@pytest.mark.parametrize("failure", FAILURES, ids=FAILURE_IDS)
def test_a_refund_sent_while_the_bank_is_down_stays_queued_and_is_paid_once_later(
    failure: Callable[[], BaseException],
    bank: Bank,
    queued_refund: Refund,
    english: Client,
    applicant: User,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    refund = queued_refund
    bank.down(failure)
    with django_capture_on_commit_callbacks(execute=True):  # the transfer task runs on commit
        given = refunds.refund_account_give(
            refund_public_id=refund.public_id,
            user=applicant,
            bank="014",
            account_number="1234567890",
            holder=APPLICANT_NAME,
        )
    assert given.sent
    refund.refresh_from_db()
    assert (refund.state, refund.attempts) == (Refund.State.QUEUED, 1)
    assert refund.last_error
    assert "1234567890" not in refund.last_error
    # The citizen's page explains the wait; nothing looks broken.
    page = english.get(reverse("payments:refund", args=[refund.public_id]))
    assert page.status_code == 200
    assert "The refund is being sent to your bank." in page.content.decode()

    assert payment_tasks.send_queued_refunds() == 0  # the beat job, bank still down
    refund.refresh_from_db()
    assert (refund.state, refund.attempts) == (Refund.State.QUEUED, 2)

    bank.up()
    with django_capture_on_commit_callbacks(execute=True):
        assert payment_tasks.send_queued_refunds() == 1
        assert payment_tasks.send_queued_refunds() == 0
    refund.refresh_from_db()
    assert (refund.state, refund.attempts, refund.last_error) == (Refund.State.PAID, 3, "")
    assert SandboxRefund.objects.filter(refund_public_id=refund.public_id).count() == 1
