"""The payment receipt (bukti pembayaran): a document kind issued when a bill is paid.

``receipt_issue`` runs in the payment's transaction (``payments.settlement``); the PDF is
rendered after commit on the ``pdf`` queue like every document. The receipt's reference is
the billing code; an application has at most one paid bill, so at most one receipt
(``document_issue`` returns the valid one when asked again).

The A4 receipt shows the billing code, the application's reference and service, the bill's
lines and total in rupiah, when the bank received the money (WIB), the bank's reference of
the transfer, the fee schedule the bill used, and the QR code of its verification page. It
shows no name, NIK or address; the public verification page confirms the billing code, the
service, the total and the day it was paid.

``register_kind()`` is called from ``PaymentsConfig.ready()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications.registry import UnknownService, get_service
from documents import registry
from documents.registry import DocumentKind, Label
from korlantas.lib.clock import JAKARTA
from payments.models import Bill, Payment
from payments.templatetags.rupiah import format_rupiah

if TYPE_CHECKING:
    from applications.models import Application
    from documents.models import IssuedDocument

KIND = "payment_receipt"


def receipt_issue(*, bill: Bill) -> None:
    """In the payment's transaction: the receipt of ``bill`` (paid), issued once."""
    from documents.services import document_issue

    application = bill.application
    document_issue(
        kind=KIND, application=application, holder=application.applicant, reference=bill.billing_code
    )


# --- what the receipt shows ---------------------------------------------------------------


def _application(document: IssuedDocument) -> Application:
    application = document.application
    if application is None:
        raise ValueError(f"payment receipt {document.pk} has no application")
    return application


def _bill(document: IssuedDocument) -> Bill:
    """The paid bill the receipt is for (its reference is the billing code)."""
    return Bill.objects.select_related("schedule").get(
        billing_code=document.reference, application_id=_application(document).pk
    )


def _applied_payment(bill: Bill) -> Payment | None:
    return Payment.objects.filter(bill=bill, disposition=Payment.Disposition.APPLIED).first()


def _paid_at(bill: Bill, payment: Payment | None) -> dt.datetime | None:
    moment = payment.paid_at if payment is not None else bill.paid_at
    return timezone.localtime(moment, JAKARTA) if moment is not None else None


def _service_name(application: Application) -> str | Promise:
    try:
        return get_service(application.service_code).name
    except UnknownService:
        return application.service_code


def receipt_context(document: IssuedDocument) -> Mapping[str, Any]:
    application = _application(document)
    bill = _bill(document)
    payment = _applied_payment(bill)
    office = application.handling_office
    return {
        "bill": bill,
        "billing_code": bill.billing_code,
        "application_reference": application.reference,
        "service_name": _service_name(application),
        "office_name": office.name if office is not None else "",
        # The template reads each line's ``display_label`` while it renders, in the
        # document's language (this function runs before the renderer switches to it).
        "lines": list(bill.lines.all()),
        "total": bill.total,
        "paid_at": _paid_at(bill, payment),
        "bank_reference": payment.gateway_reference if payment is not None else "",
        "schedule_name": bill.schedule.name,
        "legal_basis": bill.schedule.legal_basis,
    }


def receipt_verification_fields(document: IssuedDocument) -> list[tuple[Label, Any]]:
    """What the public page confirms: the billing code, service, total and the day it was
    paid. No name (the page shows the holder's, masked), no NIK, no bank reference."""
    application = _application(document)
    # One query (the public page is read often): the bill with its applied payment's time.
    applied = Payment.objects.filter(bill=OuterRef("pk"), disposition=Payment.Disposition.APPLIED)
    bill = (
        Bill.objects.filter(billing_code=document.reference, application_id=application.pk)
        .annotate(applied_paid_at=Subquery(applied.order_by("-received_at", "-pk").values("paid_at")[:1]))
        .only("billing_code", "total", "paid_at")
        .get()
    )
    moment = bill.applied_paid_at or bill.paid_at  # as _paid_at: the payment's time, else the bill's
    paid_at = timezone.localtime(moment, JAKARTA) if moment is not None else None
    return [
        (_("Billing code"), bill.billing_code),
        (_("Service"), _service_name(application)),
        (_("Total paid"), format_rupiah(bill.total)),
        (_("Paid on"), paid_at.date() if paid_at is not None else None),
    ]


PAYMENT_RECEIPT = DocumentKind(
    code=KIND,
    name=_("Payment receipt"),
    template_name="documents/pdf/payment_receipt.html",
    page_size="A4",
    context=receipt_context,
    template_version="2",
    verification_fields=receipt_verification_fields,
    stylesheets=("documents/print.css", "documents/payment_receipt.css"),
)


def register_kind() -> None:
    """From ``PaymentsConfig.ready()``. Safe to call twice (tests call it too)."""
    try:
        registry.get_kind(KIND)
    except registry.UnknownKind:
        registry.register_kind(PAYMENT_RECEIPT)
