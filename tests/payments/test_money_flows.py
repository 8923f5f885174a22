"""Bills, settlement, reconcile and refunds through the real services (issue 6 points 2, 4–6)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import transaction

from accounts.models import User
from applications import registry
from applications.jobs import applications_expire_unpaid
from applications.models import Application, StatusChange
from offices.models import Office
from payments import billing, refunds
from payments.billing import BillRefused, bill_replace, bills_expire, latest_bill
from payments.fee_services import fee_schedule_create
from payments.fees import pp_76_2020_amounts
from payments.gateways.sandbox import sandbox_pay
from payments.models import Bill, Payment, Refund, SandboxRefund, SandboxTransfer
from payments.reconcile import bill_check, bills_reconcile
from payments.settlement import payment_receive
from tests.applications.conftest import act
from tests.payments.helpers_core import reported, submitted

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # 09:00 in Jakarta


@pytest.fixture
def clock_at() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield lambda moment: traveller.move_to(moment)


def _receive(bill: Bill, reference: str, amount: int | None = None) -> Any:
    with transaction.atomic():
        return payment_receive(gateway="sandbox", reported=reported(bill, reference, amount), via="callback")


def _bill(application: Application) -> Bill:
    bill = latest_bill(application.pk)
    assert bill is not None
    return bill


# --- bills --------------------------------------------------------------------------------


def test_submit_issues_one_open_bill_from_the_schedule_in_force(citizen, samsat, service, clock_at) -> None:
    application = submitted(citizen, samsat)

    bill = _bill(application)
    assert bill.state == "open"
    assert bill.total == 25_000
    assert len(bill.billing_code) == 15
    assert billing.luhn_valid(bill.billing_code)
    assert bill.expires_at == START + dt.timedelta(hours=24)
    assert bill.office == samsat
    (line,) = bill.lines.all()
    assert (line.kind, line.fee_code, line.amount) == ("pnbp", "stnk_endorsement_2w", 25_000)


def test_billing_codes_are_unique_and_unrelated(citizen, samsat, service) -> None:
    codes = [submitted(citizen, samsat, subject=f"B {n} AB").bills.get().billing_code for n in range(1, 6)]
    assert len(set(codes)) == 5
    # Consecutive bills do not give consecutive codes.
    numbers = sorted(int(code) for code in codes)
    assert all(b - a > 1000 for a, b in itertools.pairwise(numbers))


def test_a_submission_failing_to_bill_leaves_no_application_submitted(citizen, samsat, service) -> None:
    registry.unregister_service(service.definition.code)
    registry.register_service(dataclasses.replace(service.definition, fee_codes=lambda a: ("no_such_fee",)))
    from tests.applications.conftest import make_application

    application = make_application(citizen)
    with pytest.raises(LookupError):
        act(application, "submit", citizen, office=samsat)
    assert Application.objects.get(pk=application.pk).status == "draft"
    assert not Bill.objects.exists()


def test_courier_delivery_adds_the_zone_postage(citizen, samsat, service) -> None:
    from applications.services import application_create
    from tests.accounts.factories import make_profile

    make_profile(user=citizen)
    application = application_create(
        applicant=citizen, service_code=service.definition.code, subject="B 1 A", delivery_choice="courier"
    )
    act(application, "submit", citizen, office=samsat)

    bill = _bill(application)
    postage = bill.lines.get(kind="postage")
    assert postage.fee_code.startswith("postage_zone_")
    assert bill.total == 25_000 + postage.amount


def test_a_new_schedule_applies_to_bills_from_its_first_day(citizen, samsat, service, clock_at) -> None:
    amounts = pp_76_2020_amounts() | {"stnk_endorsement_2w": 30_000}
    fee_schedule_create(
        name="PP uji", effective_from=dt.date(2026, 11, 3), amounts=amounts, legal_basis="uji"
    )

    before = submitted(citizen, samsat, subject="B 1 A")
    clock_at(dt.datetime(2026, 11, 2, 16, 59, tzinfo=dt.UTC))  # 23:59 in Jakarta
    still_before = submitted(citizen, samsat, subject="B 2 A")
    clock_at(dt.datetime(2026, 11, 2, 17, 0, tzinfo=dt.UTC))  # 00:00 in Jakarta, 3 November
    after = submitted(citizen, samsat, subject="B 3 A")

    assert [_bill(a).total for a in (before, still_before, after)] == [25_000, 25_000, 30_000]
    assert _bill(before).total == 25_000  # an issued bill never changes


def test_an_expired_bill_is_replaced_within_the_window_and_the_window_ends_the_application(
    citizen, samsat, service, clock_at
) -> None:
    application = submitted(citizen, samsat)
    first = _bill(application)
    with pytest.raises(BillRefused) as still_open:
        bill_replace(application_id=application.pk, applicant_id=citizen.pk)
    assert still_open.value.code == "bill_still_open"

    clock_at(START + dt.timedelta(hours=25))
    assert bills_expire() == 1
    first.refresh_from_db()
    assert first.state == "expired"
    assert Application.objects.get(pk=application.pk).status == "pending_payment"  # only the bill closed

    second = bill_replace(application_id=application.pk, applicant_id=citizen.pk)
    first.refresh_from_db()
    assert first.replaced_by == second
    assert second.state == "open"
    assert second.billing_code != first.billing_code

    # The last bill never outlives the payment window (7 days).
    clock_at(START + dt.timedelta(days=6, hours=20))
    bills_expire()
    last = bill_replace(application_id=application.pk, applicant_id=citizen.pk)
    assert last.expires_at == START + dt.timedelta(days=7)

    clock_at(START + dt.timedelta(days=7, minutes=1))
    with pytest.raises(BillRefused) as over:
        bill_replace(application_id=application.pk, applicant_id=citizen.pk)
    assert over.value.code == "window_over"
    assert applications_expire_unpaid() == 1
    assert Application.objects.get(pk=application.pk).status == "expired"
    last.refresh_from_db()
    assert last.state == "cancelled"


def test_someone_elses_application_gets_no_bill(citizen, samsat, service) -> None:
    from tests.factories import UserFactory

    application = submitted(citizen, samsat)
    with pytest.raises(Application.DoesNotExist):
        bill_replace(application_id=application.pk, applicant_id=UserFactory().pk)


# --- settlement -----------------------------------------------------------------------------


def test_a_payment_of_an_expired_but_unreplaced_bill_still_counts(citizen, samsat, service, clock_at) -> None:
    application = submitted(citizen, samsat)
    bill = _bill(application)
    clock_at(START + dt.timedelta(hours=30))
    bills_expire()

    received = _receive(bill, "REF1")

    assert received.payment.disposition == "applied"
    assert Application.objects.get(pk=application.pk).status == "queued"


def test_a_payment_of_a_replaced_bill_is_refunded(citizen, samsat, service, clock_at) -> None:
    application = submitted(citizen, samsat)
    old = _bill(application)
    clock_at(START + dt.timedelta(hours=30))
    bills_expire()
    new = bill_replace(application_id=application.pk, applicant_id=citizen.pk)

    late = _receive(old, "REF-OLD")
    applied = _receive(new, "REF-NEW")

    assert late.payment.disposition == "refund"
    assert Refund.objects.get(payment=late.payment).reason == "replaced"
    assert applied.payment.disposition == "applied"
    assert Application.objects.get(pk=application.pk).status == "queued"


def test_a_service_approving_on_payment_is_approved_unless_flagged(citizen, samsat, service) -> None:
    registry.unregister_service(service.definition.code)
    registry.register_service(dataclasses.replace(service.definition, approves_on_payment=True))
    clean = submitted(citizen, samsat, subject="B 1 A")
    _receive(_bill(clean), "REF1")
    assert Application.objects.get(pk=clean.pk).status == "approved"

    service.failures["no_flags"] = ["a rule flags it"]
    flagged = submitted(citizen, samsat, subject="B 2 A")
    _receive(_bill(flagged), "REF2")
    assert Application.objects.get(pk=flagged.pk).status == "queued"


# --- reconcile ----------------------------------------------------------------------------


def test_a_dropped_callback_is_settled_by_the_reconcile_job_once(
    citizen, samsat, service, django_capture_on_commit_callbacks
) -> None:
    application = submitted(citizen, samsat)
    bill = _bill(application)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sandbox_pay(billing_code=bill.billing_code, callback=SandboxTransfer.Callback.DROP)
    assert callbacks == []  # no callback was sent
    assert Application.objects.get(pk=application.pk).status == "pending_payment"

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=6), tick=False):
        assert bills_reconcile() == 1
        assert bills_reconcile() == 0

    assert Application.objects.get(pk=application.pk).status == "queued"
    payment = Payment.objects.get()
    assert payment.via == "reconcile"
    assert StatusChange.objects.filter(application=application, action="pay").count() == 1


def test_check_payment_settles_a_bill_paid_at_the_bank(citizen, samsat, service) -> None:
    application = submitted(citizen, samsat)
    bill = _bill(application)
    sandbox_pay(billing_code=bill.billing_code, callback=SandboxTransfer.Callback.DROP)

    assert bill_check(bill=bill) == 1
    assert bill_check(bill=bill) == 0
    assert Application.objects.get(pk=application.pk).status == "queued"


# --- refunds ----------------------------------------------------------------------------------


def _paid(citizen: User, samsat: Office, subject: str = "B 1234 ABC") -> Application:
    application = submitted(citizen, samsat, subject)
    _receive(_bill(application), f"REF-{application.pk}")
    return Application.objects.get(pk=application.pk)


def test_rejection_after_payment_refunds_the_payment_once(citizen, officer, samsat, service) -> None:
    application = _paid(citizen, samsat)
    act(application, "claim", officer)
    act(Application.objects.get(pk=application.pk), "reject", officer, note="No.", reason="documents_invalid")

    refund = Refund.objects.get()
    assert (refund.reason, refund.amount, refund.state) == ("rejected", 25_000, "awaiting_account")
    assert _bill(application).state == "refunded"


def test_cancelling_a_paid_application_refunds_it(citizen, samsat, service) -> None:
    application = _paid(citizen, samsat)
    act(application, "cancel", citizen)
    assert Refund.objects.get().reason == "cancelled"


def test_cancelling_an_unpaid_application_refunds_nothing(citizen, samsat, service) -> None:
    application = submitted(citizen, samsat)
    act(application, "cancel", citizen)
    assert not Refund.objects.exists()


@pytest.fixture
def profiled_citizen(citizen: User) -> User:
    from tests.accounts.factories import make_profile

    make_profile("3171014507900003", user=citizen)  # Siti Rahmawati
    return citizen


def test_a_refund_to_the_citizens_own_account_is_paid_once(
    profiled_citizen, samsat, service, django_capture_on_commit_callbacks
) -> None:
    application = _paid(profiled_citizen, samsat)
    act(application, "cancel", profiled_citizen)
    refund = Refund.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        given = refunds.refund_account_give(
            refund_public_id=refund.public_id,
            user=profiled_citizen,
            bank="014",
            account_number="1234567890",
            holder="SITI  rahmawati",
        )
    assert given.sent
    refund.refresh_from_db()
    assert refund.state == "paid"
    assert refund.gateway_reference.startswith("SBR")
    assert refund.account_number_last4 == "7890"
    assert "1234567890" not in refund.account_number_ciphertext

    # A repeated task, or the beat's sweep, pays nothing more.
    assert refunds.refund_send(refund_id=refund.pk) == "paid"
    assert SandboxRefund.objects.count() == 1


def test_a_refund_to_another_name_waits_for_an_officer(
    profiled_citizen, officer, samsat, service, django_capture_on_commit_callbacks
) -> None:
    application = _paid(profiled_citizen, samsat)
    act(application, "cancel", profiled_citizen)
    refund = Refund.objects.get()
    given = refunds.refund_account_give(
        refund_public_id=refund.public_id,
        user=profiled_citizen,
        bank="014",
        account_number="1234567890",
        holder="Budi Santoso",
    )
    assert not given.sent
    refund.refresh_from_db()
    assert refund.state == "awaiting_check"
    assert refund.holder_matches_profile is False

    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund_account_check(refund_id=refund.pk, officer=officer, approve=True)
    refund.refresh_from_db()
    assert refund.state == "paid"
    assert refund.checked_by_id == officer.pk


def test_the_gateway_refund_is_idempotent_on_the_refund(profiled_citizen, samsat, service) -> None:
    from payments.gateways import RefundAccount, get_gateway

    application = _paid(profiled_citizen, samsat)
    act(application, "cancel", profiled_citizen)
    refund = Refund.objects.get()
    account = RefundAccount(bank="014", account_number="1234567890", holder="Siti Rahmawati")
    first = get_gateway("sandbox").refund(refund, account)
    second = get_gateway("sandbox").refund(refund, account)
    assert first == second
    assert SandboxRefund.objects.count() == 1


def test_another_citizen_cannot_give_an_account_for_my_refund(profiled_citizen, samsat, service) -> None:
    from tests.factories import UserFactory

    application = _paid(profiled_citizen, samsat)
    act(application, "cancel", profiled_citizen)
    refund = Refund.objects.get()
    with pytest.raises(Refund.DoesNotExist):
        refunds.refund_account_give(
            refund_public_id=refund.public_id,
            user=UserFactory(),
            bank="014",
            account_number="1234567890",
            holder="Siti Rahmawati",
        )


def test_payments_are_never_float(citizen, samsat, service) -> None:
    """Integer rupiah end to end: a bill's lines add up to its total exactly."""
    application = submitted(citizen, samsat)
    bill = _bill(application)
    assert isinstance(bill.total, int)
    assert sum(line.amount for line in bill.lines.all()) == bill.total


def test_the_timeline_shows_the_payment_and_the_refund(citizen, samsat, service) -> None:
    from django.utils import translation

    from applications.selectors import application_timeline

    with translation.override("en"):
        application = _paid(citizen, samsat)
        labels = [str(entry.label) for entry in application_timeline(application=application)]
        assert "Payment received" in labels
        assert "Refund started" not in labels

        act(application, "cancel", citizen)
        entries = application_timeline(application=Application.objects.get(pk=application.pk))
        started = [entry for entry in entries if str(entry.label) == "Refund started"]
        assert len(started) == 1
        assert "Rp 25.000" in str(started[0].note)
