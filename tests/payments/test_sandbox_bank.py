"""The sandbox bank's teller page (issue 6 point 3): it looks up a billing code and pays it, then
calls our webhook as a real bank would — once, never (the callback dropped), or twice. The
callbacks travel through the test client (tests/payments/conftest.py). Off without
``SANDBOX_PROVIDERS``: a 404 for everything."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from applications.models import Application, StatusChange
from payments import billing
from payments.models import Bill, GatewayEvent, Payment, SandboxTransfer
from tests.payments.conftest import FEE_AMOUNT

pytestmark = pytest.mark.django_db

TELLER = reverse("payments:sandbox_teller")


@pytest.fixture
def teller(client: Client) -> Client:
    """Anyone at the bank: not signed in, reading English."""
    client.cookies["django_language"] = "en"
    return client


def bill_of(application: Application) -> Bill:
    bill = billing.latest_bill(application.pk)
    assert bill is not None
    return bill


def status_of(application: Application) -> str:
    return Application.objects.get(pk=application.pk).status


def pay(teller: Client, bill: Bill, callback: str, capture: Any) -> str:
    """Press one of the three buttons; the callback (if any) is sent on commit. Returns the
    transfer's reference from the redirect to the receipt."""
    with capture(execute=True):
        response = teller.post(
            TELLER, {"action": "pay", "billing_code": bill.billing_code, "callback": callback}
        )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{TELLER}?paid=")
    return location.split("=", 1)[1]


def test_the_teller_is_a_clearly_labelled_sandbox_open_to_anyone(teller: Client) -> None:
    response = teller.get(TELLER)
    assert response.status_code == 200
    body = response.content.decode()
    assert "SANDBOX BANK — not a real bank" in body
    assert "No real money moves." in body
    assert 'name="billing_code"' in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_the_code_can_come_filled_in_from_the_bill_page(submitted: Application, teller: Client) -> None:
    code = bill_of(submitted).billing_code
    assert f'value="{code}"' in teller.get(f"{TELLER}?code={code}").content.decode()


def test_looking_up_a_code_shows_the_amount_expiry_and_three_ways_to_pay(
    submitted: Application, teller: Client
) -> None:
    bill = bill_of(submitted)
    grouped = f"{bill.billing_code[:7]} {bill.billing_code[7:]}"  # typed with a space: still found
    response = teller.post(TELLER, {"action": "lookup", "billing_code": grouped})
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["found"].billing_code == bill.billing_code
    assert "Rp 25.000" in body
    assert "WIB" in body
    for label in ("Pay", "Pay but drop the callback", "Pay and send the callback twice"):
        assert f">{label}</button>" in body
    for value in ("once", "drop", "twice"):
        assert f'name="callback" value="{value}"' in body
    assert not SandboxTransfer.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("123456789012345", "This bank does not know this billing code."),
        ("12345", "A billing code has exactly 15 digits."),
        ("12345678901234X", "A billing code has exactly 15 digits."),
    ],
)
def test_a_wrong_code_is_explained(teller: Client, typed: str, message: str) -> None:
    response = teller.post(TELLER, {"action": "lookup", "billing_code": typed})
    assert response.status_code == 200
    assert response.context["form"].errors["billing_code"] == [message]
    assert "found" not in response.context


def test_pay_calls_the_webhook_and_the_application_moves_on(
    submitted: Application,
    teller: Client,
    sandbox_callbacks: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    bill = bill_of(submitted)
    reference = pay(teller, bill, "once", django_capture_on_commit_callbacks)
    assert sandbox_callbacks == [200]
    assert status_of(submitted) == "queued"
    payment = Payment.objects.get(bill=bill)
    assert payment.gateway_reference == reference
    assert payment.via == Payment.Via.CALLBACK
    assert payment.amount == FEE_AMOUNT
    transfer = SandboxTransfer.objects.get(reference=reference)
    assert (transfer.callbacks_sent, transfer.last_callback_status) == (1, 200)
    # The receipt: the reference and what happens next.
    body = teller.get(f"{TELLER}?paid={reference}").content.decode()
    assert reference in body
    assert "Payment made" in body
    assert "as a real bank would. The application moves on within moments." in body


def test_a_dropped_callback_leaves_the_bill_unpaid_until_the_citizen_checks(
    submitted: Application,
    applicant: Any,
    teller: Client,
    sandbox_callbacks: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    bill = bill_of(submitted)
    reference = pay(teller, bill, "drop", django_capture_on_commit_callbacks)
    assert sandbox_callbacks == []
    assert status_of(submitted) == "pending_payment"
    assert not Payment.objects.exists()
    assert "the bank will not call the portal" in teller.get(f"{TELLER}?paid={reference}").content.decode()

    citizen = Client()
    citizen.force_login(applicant)
    citizen.post(reverse("payments:bill_check", args=[bill.public_id]))
    assert status_of(submitted) == "queued"
    assert Payment.objects.get(bill=bill).via == Payment.Via.RECONCILE


def test_a_callback_sent_twice_makes_one_payment(
    submitted: Application,
    teller: Client,
    sandbox_callbacks: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    bill = bill_of(submitted)
    pay(teller, bill, "twice", django_capture_on_commit_callbacks)
    assert sandbox_callbacks == [200, 409]  # the same event again: refused as a replay
    assert Payment.objects.filter(bill=bill).count() == 1
    assert GatewayEvent.objects.count() == 1
    assert StatusChange.objects.filter(application=submitted, action="pay").count() == 1
    assert status_of(submitted) == "queued"


def test_an_expired_code_is_refused_by_the_bank(
    submitted: Application, teller: Client, django_capture_on_commit_callbacks: Any
) -> None:
    bill = bill_of(submitted)
    with time_machine.travel(bill.expires_at + dt.timedelta(minutes=1), tick=False):
        body = teller.post(TELLER, {"action": "lookup", "billing_code": bill.billing_code}).content.decode()
        assert "The bank refuses an expired code" in body
        assert 'value="once"' not in body
        with django_capture_on_commit_callbacks(execute=True):
            response = teller.post(
                TELLER, {"action": "pay", "billing_code": bill.billing_code, "callback": "once"}
            )
    assert response.status_code == 200
    assert response.context["form"].errors["billing_code"] == [
        "This billing code has expired; the bank no longer accepts it."
    ]
    assert not SandboxTransfer.objects.exists()
    assert status_of(submitted) == "pending_payment"


def test_the_teller_keeps_csrf(submitted: Application) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        TELLER, {"action": "pay", "billing_code": bill_of(submitted).billing_code, "callback": "once"}
    )
    assert response.status_code == 403
    assert not SandboxTransfer.objects.exists()


def test_the_teller_is_rate_limited(teller: Client) -> None:
    for _attempt in range(30):  # settings.ACCOUNT_RATE_LIMITS["sandbox_pay"]: 30 a minute per client
        assert teller.post(TELLER, {"action": "lookup", "billing_code": "123"}).status_code == 200
    assert teller.post(TELLER, {"action": "lookup", "billing_code": "123"}).status_code == 429


@override_settings(SANDBOX_PROVIDERS=False)
def test_without_sandbox_providers_the_teller_does_not_exist(submitted: Application, teller: Client) -> None:
    bill = bill_of(submitted)
    assert teller.get(TELLER).status_code == 404
    assert teller.get(f"{TELLER}?code={bill.billing_code}").status_code == 404
    response = teller.post(TELLER, {"action": "pay", "billing_code": bill.billing_code, "callback": "once"})
    assert response.status_code == 404
    assert not SandboxTransfer.objects.exists()
