"""The citizen's bill and refund pages, and payments' panel on the application page (issue 6
points 2, 5 and 6): only the applicant sees them; the bill shows how to pay with a live
countdown; "check payment" finds a payment whose callback was lost and is rate-limited; an
expired bill is replaced within the payment window; the refund asks for a bank account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts import roles
from accounts.models import User
from applications import events
from applications.models import Application, StatusChange
from documents.models import IssuedDocument
from offices.models import Office
from payments import billing, panels
from payments.gateways.sandbox import sandbox_pay
from payments.models import Bill, Payment, Refund, SandboxTransfer
from payments.settlement import payment_receive
from tests.accounts.factories import make_profile, make_staff
from tests.factories import sign_in_with_mfa
from tests.payments.conftest import APPLICANT_NAME, FEE_AMOUNT, ServiceUnderTest, act, submit_application
from tests.payments.helpers_core import reported

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # 09:00 in Jakarta (WIB)
BILL_LIFETIME = dt.timedelta(hours=24)
WINDOW = dt.timedelta(days=7)  # the tests' service keeps the default payment window


@pytest.fixture
def clock_at() -> Iterator[Any]:
    """``clock_at(moment)`` moves the (frozen) clock to ``moment``."""
    with time_machine.travel(START, tick=False) as traveller:
        yield lambda moment: traveller.move_to(moment)


@pytest.fixture
def english(client: Client, applicant: User) -> Client:
    """The applicant, signed in, reading English (the msgids)."""
    client.cookies["django_language"] = "en"
    client.force_login(applicant)
    return client


@pytest.fixture
def other(db: None) -> User:
    return make_profile("3171011203850001", verified=True, full_name="Budi Santoso").user


def bill_of(application: Application) -> Bill:
    bill = billing.latest_bill(application.pk)
    assert bill is not None
    return bill


def bill_url(bill: Bill) -> str:
    return reverse("payments:bill", args=[bill.public_id])


def check_url(bill: Bill) -> str:
    return reverse("payments:bill_check", args=[bill.public_id])


def replace_url(application: Application) -> str:
    return reverse("payments:bill_replace", args=[application.public_id])


def refund_url(refund: Refund) -> str:
    return reverse("payments:refund", args=[refund.public_id])


def status_of(application: Application) -> str:
    return Application.objects.get(pk=application.pk).status


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def paid_then_cancelled(application: Application, citizen: User) -> Refund:
    """Paid (as the webhook would record it), then cancelled by the citizen: a refund waits."""
    with transaction.atomic():
        payment_receive(
            gateway="sandbox", reported=reported(bill_of(application), "SBXPAID1"), via="callback"
        )
    act(application, "cancel", citizen)
    return Refund.objects.get(application=application)


# --- the bill page ------------------------------------------------------------------------


def test_the_applicant_sees_their_bill_and_how_to_pay(submitted: Application, english: Client) -> None:
    bill = bill_of(submitted)
    response = english.get(bill_url(bill))
    assert response.status_code == 200
    body = response.content.decode()
    code = bill.billing_code
    # Large and grouped for reading out, and plain for copying.
    assert f"{code[:4]} {code[4:8]} {code[8:12]} {code[12:]}" in body
    assert f'value="{code}"' in body
    assert submitted.reference in body
    assert reverse("applications:detail", args=[submitted.public_id]) in body
    assert "Test permit" in body
    assert "STNK annual endorsement" in body  # the line, in the reader's language
    assert body.count("Rp 25.000") >= 2  # the line and the total
    assert "Awaiting payment" in body
    # The absolute expiry in Jakarta time: the page works without JavaScript.
    expiry = bill.expires_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert f"{expiry:%H:%M} WIB" in body
    assert "How to pay" in body
    assert "Pembayaran PNBP" in body
    assert "Check payment" in body
    assert "Get a new bill" not in body
    # Development: the sandbox teller, with the code filled in.
    assert f"{reverse('payments:sandbox_teller')}?code={code}" in body


def test_the_countdown_script_is_a_static_file_referenced_by_the_page(
    submitted: Application, english: Client
) -> None:
    assert finders.find("payments/countdown.js")
    body = english.get(bill_url(bill_of(submitted))).content.decode()
    assert '<script src="/static/payments/countdown.js" defer></script>' in body
    assert "data-countdown" in body
    assert 'data-deadline="' in body
    # CSP is script-src 'self': no inline script on the page.
    assert "<script>" not in body
    assert "onclick" not in body
    served = Client().get("/static/payments/countdown.js")
    assert served.status_code == 200
    assert b"data-countdown" in b"".join(served.streaming_content)  # type: ignore[attr-defined]


def test_a_bill_is_404_to_anyone_but_its_applicant(
    submitted: Application, applicant: User, other: User, samsat: Office, client: Client
) -> None:
    bill = bill_of(submitted)
    client.force_login(other)
    assert client.get(bill_url(bill)).status_code == 404
    assert client.post(check_url(bill)).status_code == 404
    assert client.post(replace_url(submitted)).status_code == 404
    client.logout()
    unverified = make_profile("3171010101900021", full_name="Belum Terverifikasi").user
    client.force_login(unverified)
    assert client.get(bill_url(bill)).status_code == 404
    assert client.post(check_url(bill)).status_code == 404
    client.logout()
    sign_in_with_mfa(client, make_staff(roles.SUPERVISOR, office=samsat))
    assert client.get(bill_url(bill)).status_code == 404
    client.logout()
    response = client.get(bill_url(bill))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Bill.objects.filter(application=submitted).count() == 1


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_bill_page_costs_the_same_queries_whatever_the_number_of_older_bills(
    paying_service: ServiceUnderTest, applicant: User, samsat: Office, clock_at: Any
) -> None:
    one_older = submit_application(applicant, samsat, "B 1 A")
    three_older = submit_application(applicant, samsat, "B 3 A")
    for replacements, application in ((1, one_older), (3, three_older)):
        for number in range(replacements):
            clock_at(START + (number + 1) * (BILL_LIFETIME + dt.timedelta(minutes=1)))
            billing.bill_replace(application_id=application.pk, applicant_id=applicant.pk)
    clock_at(START + 3 * (BILL_LIFETIME + dt.timedelta(minutes=1)) + dt.timedelta(minutes=5))
    first, second = Client(), Client()
    first.force_login(applicant)
    second.force_login(applicant)
    with_one = _queries(first, bill_url(bill_of(one_older)))
    with_three = _queries(second, bill_url(bill_of(three_older)))
    assert len(second.get(bill_url(bill_of(three_older))).context["others"]) == 3
    assert with_three == with_one


# --- check payment ------------------------------------------------------------------------


def test_check_payment_finds_a_payment_whose_callback_was_dropped(
    submitted: Application, english: Client, django_capture_on_commit_callbacks: Any
) -> None:
    bill = bill_of(submitted)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sandbox_pay(billing_code=bill.billing_code, callback=SandboxTransfer.Callback.DROP)
    assert callbacks == []  # the bank never called
    assert status_of(submitted) == "pending_payment"

    response = english.post(check_url(bill), follow=True)
    assert response.redirect_chain == [(bill_url(bill), 302)]
    assert messages_of(response) == ["Payment received."]
    assert status_of(submitted) == "queued"
    payment = Payment.objects.get(bill=bill)
    assert payment.via == Payment.Via.RECONCILE
    assert StatusChange.objects.filter(application=submitted, action="pay").count() == 1
    # The paid bill: when, and its receipt.
    body = response.content.decode()
    assert "Paid on" in body
    receipt = IssuedDocument.objects.get(application=submitted, kind="payment_receipt")
    assert reverse("documents:detail", args=[receipt.public_id]) in body
    assert "Check payment" not in body
    # Asking again finds nothing new and changes nothing.
    english.post(check_url(bill))
    assert Payment.objects.filter(bill=bill).count() == 1


def test_check_payment_without_a_payment_says_so(submitted: Application, english: Client) -> None:
    bill = bill_of(submitted)
    response = english.post(check_url(bill), follow=True)
    assert messages_of(response) == ["No payment has reached us yet; banks can take a few minutes."]
    assert status_of(submitted) == "pending_payment"


def test_check_payment_is_rate_limited_and_a_refused_check_asks_nobody(
    submitted: Application, english: Client
) -> None:
    bill = bill_of(submitted)
    for _attempt in range(3):  # settings.ACCOUNT_RATE_LIMITS["check_payment"]: 3 a minute
        response = english.post(check_url(bill), follow=True)
        assert messages_of(response) == ["No payment has reached us yet; banks can take a few minutes."]
    sandbox_pay(billing_code=bill.billing_code, callback=SandboxTransfer.Callback.DROP)
    response = english.post(check_url(bill), follow=True)
    [message] = messages_of(response)
    assert "Please wait a few minutes and try again." in message
    assert status_of(submitted) == "pending_payment"
    assert not Payment.objects.exists()


def test_check_payment_is_a_post(submitted: Application, english: Client) -> None:
    assert english.get(check_url(bill_of(submitted))).status_code == 405


# --- a new bill ---------------------------------------------------------------------------


def test_an_expired_bill_is_replaced_within_the_payment_window(
    paying_service: ServiceUnderTest, applicant: User, samsat: Office, client: Client, clock_at: Any
) -> None:
    application = submit_application(applicant, samsat)
    first = bill_of(application)
    client.cookies["django_language"] = "en"
    client.force_login(applicant)
    response = client.post(replace_url(application), follow=True)
    assert messages_of(response) == ["Your bill can still be paid; a new one is not needed."]
    assert Bill.objects.filter(application=application).count() == 1

    clock_at(START + BILL_LIFETIME + dt.timedelta(minutes=1))
    client.force_login(applicant)  # the session's idle limit passed with the clock
    body = client.get(bill_url(first)).content.decode()
    assert "This bill expired on" in body
    assert "Get a new bill" in body
    assert replace_url(application) in body
    assert "data-countdown" not in body

    response = client.post(replace_url(application), follow=True)
    second = bill_of(application)
    assert second.pk != first.pk
    assert response.redirect_chain == [(bill_url(second), 302)]
    assert messages_of(response) == ["Here is your new bill. Pay it before it expires."]
    first.refresh_from_db()
    assert first.state == Bill.State.EXPIRED
    assert first.replaced_by_id == second.pk
    assert status_of(application) == "pending_payment"
    body = response.content.decode()
    assert "Other bills of this application" in body
    assert bill_url(first) in body
    # The old bill points to the new one and offers no second replacement.
    body = client.get(bill_url(first)).content.decode()
    assert "This bill was replaced by a newer one." in body
    assert bill_url(second) in body
    assert "Get a new bill" not in body


def test_no_new_bill_once_the_payment_window_is_over(
    paying_service: ServiceUnderTest, applicant: User, samsat: Office, client: Client, clock_at: Any
) -> None:
    application = submit_application(applicant, samsat)
    bill = bill_of(application)
    clock_at(START + WINDOW + dt.timedelta(minutes=1))
    client.cookies["django_language"] = "en"
    client.force_login(applicant)
    assert "Get a new bill" not in client.get(bill_url(bill)).content.decode()
    response = client.post(replace_url(application), follow=True)
    assert messages_of(response) == ["The time to pay for this application is over."]
    assert Bill.objects.filter(application=application).count() == 1


def test_a_new_bill_is_a_post(submitted: Application, english: Client) -> None:
    assert english.get(replace_url(submitted)).status_code == 405


# --- the refund page ----------------------------------------------------------------------


@pytest.fixture
def refund(submitted: Application, applicant: User) -> Refund:
    return paid_then_cancelled(submitted, applicant)


def test_the_refund_asks_for_an_account_in_the_profiles_name(refund: Refund, english: Client) -> None:
    response = english.get(refund_url(refund))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Rp 25.000" in body
    assert "The application was cancelled after payment" in body
    assert "Waiting for your bank account" in body
    assert APPLICANT_NAME in body  # the expected holder
    assert 'name="account_number"' in body
    assert "BCA" in body


def test_a_bad_account_number_is_explained_next_to_it_in_both_languages(
    refund: Refund, english: Client
) -> None:
    data = {"bank": "014", "account_number": "12AB-3", "holder": "Siti Rahmawati"}
    response = english.post(refund_url(refund), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["account_number"] == [
        "Enter the account number as 6 to 20 digits (0–9), without letters."
    ]
    body = response.content.decode()
    assert 'id="id_account_number_error"' in body
    assert 'value="Siti Rahmawati"' in body  # what was typed is kept
    assert 'value="12AB-3"' in body

    english.cookies["django_language"] = "id"
    response = english.post(refund_url(refund), data)
    with translation.override("id"):
        expected = gettext("Enter the account number as 6 to 20 digits (0–9), without letters.")
    assert response.context["form"].errors["account_number"] == [expected]
    assert Refund.objects.get(pk=refund.pk).state == Refund.State.AWAITING_ACCOUNT


def test_an_account_in_the_profiles_name_is_refunded_at_once(
    refund: Refund, english: Client, django_capture_on_commit_callbacks: Any
) -> None:
    data = {"bank": "014", "account_number": "0123 4567 8901", "holder": "SITI  rahmawati"}
    with django_capture_on_commit_callbacks(execute=True):  # the transfer is sent on commit
        response = english.post(refund_url(refund), data)
    assert response.status_code == 302
    assert response["Location"] == refund_url(refund)
    response = english.get(refund_url(refund))
    assert messages_of(response) == ["Thank you. The refund is on its way to your account."]
    refund.refresh_from_db()
    assert refund.state == Refund.State.PAID
    assert refund.account_number_last4 == "8901"
    body = response.content.decode()
    assert "Paid back" in body
    assert "••••8901" in body
    assert "012345678901" not in body
    assert "0123 4567 8901" not in body
    assert 'name="account_number"' not in body
    # The account is given once: a second post changes nothing.
    response = english.post(refund_url(refund), data, follow=True)
    assert messages_of(response) == ["This refund no longer needs an account."]


def test_an_account_in_another_name_waits_for_an_officer(
    refund: Refund, english: Client, django_capture_on_commit_callbacks: Any
) -> None:
    data = {"bank": "002", "account_number": "987654321", "holder": "Budi Santoso"}
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(refund_url(refund), data, follow=True)
    assert messages_of(response) == [
        "Thank you. An officer checks the account holder's name before the refund is sent."
    ]
    refund.refresh_from_db()
    assert refund.state == Refund.State.AWAITING_CHECK
    body = response.content.decode()
    assert "An officer is checking the account holder" in body
    assert "an officer checks it before the money is sent" in body
    assert "••••4321" in body
    assert "987654321" not in body


def test_a_refund_is_404_to_anyone_but_its_applicant(
    refund: Refund, other: User, samsat: Office, client: Client
) -> None:
    client.force_login(other)
    assert client.get(refund_url(refund)).status_code == 404
    data = {"bank": "014", "account_number": "0123456789", "holder": "Budi Santoso"}
    assert client.post(refund_url(refund), data).status_code == 404
    client.logout()
    sign_in_with_mfa(client, make_staff(roles.OFFICER, office=samsat))
    assert client.get(refund_url(refund)).status_code == 404
    refund.refresh_from_db()
    assert refund.state == Refund.State.AWAITING_ACCOUNT
    assert refund.account_number_ciphertext == ""


# --- the panel on the application page ----------------------------------------------------


@pytest.fixture
def payments_panel() -> Iterator[None]:
    """Payments' panel registered as ``PaymentsConfig.ready()`` does (idempotent)."""
    registered_before = panels.citizen_panel in events.citizen_panel_providers()
    panels.register_panels()
    yield
    if not registered_before:
        events.unregister_hook(panels.citizen_panel)


@pytest.mark.usefixtures("payments_panel")
def test_the_application_page_shows_the_bill(submitted: Application, english: Client) -> None:
    bill = bill_of(submitted)
    body = english.get(reverse("applications:detail", args=[submitted.public_id])).content.decode()
    code = bill.billing_code
    assert f"{code[:4]} {code[4:8]} {code[8:12]} {code[12:]}" in body
    assert "Rp 25.000" in body
    assert "Awaiting payment" in body
    assert bill_url(bill) in body
    assert "How to pay" in body


@pytest.mark.usefixtures("payments_panel")
def test_the_application_page_shows_a_refund_that_needs_the_citizen(
    refund: Refund, submitted: Application, english: Client
) -> None:
    body = english.get(reverse("applications:detail", args=[submitted.public_id])).content.decode()
    assert refund_url(refund) in body
    assert "Action needed: tell us your bank account" in body
    assert "Refunded" in body  # the bill's state


def test_the_panel_is_for_the_applicant_and_costs_two_queries(
    paying_service: ServiceUnderTest,
    applicant: User,
    other: User,
    samsat: Office,
    django_assert_num_queries: Any,
) -> None:
    once = submit_application(applicant, samsat, "B 1 A")
    paid_then_cancelled(once, applicant)
    twice = submit_application(applicant, samsat, "B 2 A")
    with transaction.atomic():
        payment_receive(gateway="sandbox", reported=reported(bill_of(twice), "SBXTWICE1"), via="callback")
    with transaction.atomic():
        payment_receive(gateway="sandbox", reported=reported(bill_of(twice), "SBXTWICE2"), via="callback")
    act(twice, "cancel", applicant)
    assert Refund.objects.filter(application=twice).count() == 2
    for application in (once, twice):
        with django_assert_num_queries(2):
            panel = panels.citizen_panel(application, applicant)
        assert panel is not None
        assert panel.context["bill"].total == FEE_AMOUNT
    assert panels.citizen_panel(once, other) is None
