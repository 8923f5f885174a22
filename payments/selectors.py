"""Reads worth naming: a citizen's own bills and refunds, an application's bills, its receipt.

Every read for a citizen filters on the applicant, so someone else's bill or refund is simply
not found (the views answer 404, as if it did not exist).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from documents.models import IssuedDocument
from payments.models import Bill, BillLine, Refund
from payments.receipts import KIND as RECEIPT_KIND

if TYPE_CHECKING:
    from accounts.models import User


def bill_of(*, applicant: User, public_id: uuid.UUID) -> Bill | None:
    """``applicant``'s bill with this public id (with its application), or None."""
    return (
        Bill.objects.select_related("application")
        .filter(public_id=public_id, application__applicant=applicant)
        .first()
    )


def lines_of(*, bill: Bill) -> list[BillLine]:
    return list(BillLine.objects.filter(bill=bill).order_by("position", "pk"))


def bills_of_application(*, application_id: int) -> list[Bill]:
    """Every bill of the application, newest first (the first one is the one that counts)."""
    return list(Bill.objects.filter(application_id=application_id).order_by("-issued_at", "-pk"))


def latest_bill_of(*, application_id: int) -> Bill | None:
    return Bill.objects.filter(application_id=application_id).order_by("-issued_at", "-pk").first()


def receipt_of(*, application_id: int) -> IssuedDocument | None:
    """The valid payment receipt of the application, if one was issued."""
    return (
        IssuedDocument.objects.filter(
            application_id=application_id, kind=RECEIPT_KIND, status=IssuedDocument.Status.VALID
        )
        .order_by("-issued_at", "-pk")
        .first()
    )


def refund_of(*, applicant: User, public_id: uuid.UUID) -> Refund | None:
    """``applicant``'s refund with this public id (with its application), or None."""
    return (
        Refund.objects.select_related("application")
        .filter(public_id=public_id, application__applicant=applicant)
        .first()
    )


def refunds_of_application(*, application_id: int) -> list[Refund]:
    return list(Refund.objects.filter(application_id=application_id).order_by("-created_at", "-pk"))
