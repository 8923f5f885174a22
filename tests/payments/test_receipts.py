"""The payment receipt (issue 6, point 7): issued in the payment's transaction, once per paid
bill, rendered from our data with the lines, the total, the payment time and the bank's
reference, with a QR code to its verification page — and no NIK or name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import translation

from accounts.models import User
from applications.models import Application
from documents import rendering
from documents.models import IssuedDocument
from documents.registry import get_kind
from offices.models import Office
from payments import receipts, settlement
from payments.fees import FEES
from payments.gateways import ReportedPayment
from payments.models import Bill, Payment
from tests.accounts.factories import make_profile
from tests.applications.conftest import ServiceUnderTest
from tests.documents.conftest import decoded_qr_codes, layout_text, link_uris
from tests.payments.helpers_staff import _english, _media_root, _payments_wired, open_bill, pay, submit  # noqa: F401  (autouse fixtures)

pytestmark = pytest.mark.django_db

NIK = "3171014507900003"
# 10:15 in Jakarta.
PAID_AT = dt.datetime(2026, 11, 3, 3, 15, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


def receipt_of(application: Application) -> IssuedDocument:
    return IssuedDocument.objects.select_related("application__handling_office__regency").get(
        application=application, kind=receipts.KIND
    )


def text_and_pdf(document: IssuedDocument) -> tuple[str, bytes]:
    kind = get_kind(receipts.KIND)
    render_input = rendering.document_input(document, kind)
    return layout_text(rendering.layout(kind, render_input)), rendering.render_pdf(kind, render_input)


def receive_in_a_failing_transaction(bill: Bill, reported: ReportedPayment) -> None:
    with transaction.atomic():
        settlement.payment_receive(gateway=bill.gateway, reported=reported, via=Payment.Via.CALLBACK)
        raise RuntimeError("the webhook's transaction fails after the payment")


def test_paying_a_bill_issues_its_receipt_in_the_same_transaction(
    service: ServiceUnderTest, citizen: User, samsat: Office, django_capture_on_commit_callbacks: Any
) -> None:
    application = submit(citizen, samsat)
    bill = open_bill(application)
    assert not IssuedDocument.objects.filter(kind=receipts.KIND).exists()  # not before it is paid
    with django_capture_on_commit_callbacks(execute=True):
        pay(bill, "SBX-0001")
    document = receipt_of(application)
    assert (document.holder_id, document.reference, document.status) == (
        citizen.pk,
        bill.billing_code,
        "valid",
    )
    assert document.is_rendered  # by the (eager) pdf task once the payment committed


def test_a_payment_that_rolls_back_leaves_no_receipt(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    application = submit(citizen, samsat)
    bill = open_bill(application)
    reported = ReportedPayment(
        billing_code=bill.billing_code, amount=bill.total, reference="SBX-0002", paid_at=PAID_AT
    )
    with pytest.raises(RuntimeError, match="fails after the payment"):
        receive_in_a_failing_transaction(bill, reported)
    assert not IssuedDocument.objects.filter(kind=receipts.KIND).exists()
    assert Bill.objects.get(pk=bill.pk).state == Bill.State.OPEN


def test_the_same_transfer_reported_twice_gives_one_receipt(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    application = submit(citizen, samsat)
    bill = open_bill(application)
    first = pay(bill, "SBX-0003")
    again = pay(bill, "SBX-0003")
    assert (first.new, again.new) == (True, False)
    assert again.payment.pk == first.payment.pk
    assert IssuedDocument.objects.filter(application=application, kind=receipts.KIND).count() == 1
    assert Payment.objects.filter(bill=bill).count() == 1


def test_a_second_transfer_for_a_paid_bill_is_refunded_and_issues_no_second_receipt(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    application = submit(citizen, samsat)
    bill = open_bill(application)
    pay(bill, "SBX-0004")
    duplicate = pay(bill, "SBX-0005")
    assert duplicate.payment.disposition == Payment.Disposition.REFUNDED
    assert IssuedDocument.objects.filter(application=application, kind=receipts.KIND).count() == 1


def test_the_receipt_shows_the_bill_the_payment_and_the_schedule(
    service: ServiceUnderTest, citizen: User, samsat: Office, clock: Any
) -> None:
    application = submit(citizen, samsat)
    bill = open_bill(application)
    pay(bill, "SBX-REF-777", paid_at=PAID_AT)
    text, _pdf = text_and_pdf(receipt_of(application))
    assert bill.billing_code in text
    assert application.reference in text
    assert "Test permit" in text
    assert "Rp 25.000" in text  # the line and the total
    assert text.count("Rp 25.000") == 2
    assert "SBX-REF-777" in text
    assert "3 Nov 2026, 10:15 WIB" in text  # the bank's time, in Jakarta
    assert "PP 76/2020" in text
    assert samsat.name in text
    with translation.override("id"):
        label = str(FEES["stnk_endorsement_2w"].label)
    assert label in text  # the line in the document's language (Indonesian)
    with translation.override("en"):
        assert "Payment receipt" in text  # the English line under the Indonesian one


def test_the_receipt_and_its_public_fields_never_show_the_nik_or_name(
    service: ServiceUnderTest, citizen: User, samsat: Office
) -> None:
    profile = make_profile(NIK, user=citizen, full_name="Siti Rahmawati")
    application = submit(citizen, samsat)
    pay(open_bill(application), "SBX-0006")
    document = receipt_of(application)
    text, _pdf = text_and_pdf(document)
    public = " ".join(f"{label} {value}" for label, value in receipts.receipt_verification_fields(document))
    for shown in (text, public):
        assert NIK not in shown
        assert "Siti" not in shown
        assert "Rahmawati" not in shown
        assert profile.full_name not in shown


def test_the_public_fields_confirm_the_code_total_and_day(
    service: ServiceUnderTest, citizen: User, samsat: Office, clock: Any
) -> None:
    application = submit(citizen, samsat)
    bill = open_bill(application)
    pay(bill, "SBX-0007", paid_at=dt.datetime(2026, 11, 3, 18, 30, tzinfo=dt.UTC))  # 4 Nov, 01:30 WIB
    fields = {
        str(label): value for label, value in receipts.receipt_verification_fields(receipt_of(application))
    }
    assert fields == {
        "Billing code": bill.billing_code,
        "Service": "Test permit",
        "Total paid": "Rp 25.000",
        "Paid on": dt.date(2026, 11, 4),
    }


def test_the_qr_code_and_link_lead_to_the_verification_page(
    service: ServiceUnderTest, citizen: User, samsat: Office, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = "https://korlantas.example.id"
    application = submit(citizen, samsat)
    pay(open_bill(application), "SBX-0008")
    document = receipt_of(application)
    text, pdf = text_and_pdf(document)
    url = f"https://korlantas.example.id/verify/{document.verification_token}/"
    assert decoded_qr_codes(pdf) == [url]
    assert set(link_uris(pdf)) == {url}
    assert url in text.replace(" ", "")


def test_the_verification_page_shows_the_receipt(
    service: ServiceUnderTest, citizen: User, samsat: Office, client: Any
) -> None:
    application = submit(citizen, samsat)
    bill = open_bill(application)
    pay(bill, "SBX-0009")
    document = receipt_of(application)
    client.cookies["django_language"] = "en"
    page = client.get(f"/verify/{document.verification_token}/").content.decode()
    assert "Payment receipt" in page
    assert bill.billing_code in page
    assert "Rp 25.000" in page
