"""What payments shows staff (issue 6, point 9): a panel on the review page, a nav entry.

The review panel lists the application's bills (code, total, state, issued, expiry, paid),
the payments the banks reported for them (amount, bank reference, how it reached us, applied
or to be refunded) and its refunds (state, reason, whether the account holder matches the
applicant's profile). A refund waiting for an officer's check carries the two buttons that
post to ``payments:refund_check`` — shown only to an officer or supervisor of the office,
the same rule ``refunds.refund_account_check`` applies.

The panel costs two queries whatever the number of bills, payments and refunds (a fourth,
the viewer's scope, only while a refund waits for a check).

``register_panels()`` is called from ``PaymentsConfig.ready()``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import roles
from applications.events import ReviewPanel, register_review_panel
from applications.selectors import staff_scope
from payments.models import Bill, Payment, Refund
from payments.refunds import BANKS

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application

PANEL_ORDER = 50
REVIEW_TEMPLATE = "payments/includes/review_panel.html"


@dataclass(frozen=True)
class PaymentRow:
    billing_code: str
    amount: int
    reference: str
    via_label: str | Promise
    applied: bool
    disposition_label: str | Promise
    paid_at: dt.datetime
    received_at: dt.datetime


@dataclass(frozen=True)
class RefundRow:
    public_id: str
    amount: int
    state: str
    state_label: str | Promise
    reason_label: str | Promise
    # None until the citizen gives an account.
    holder_matches: bool | None
    holder: str
    bank: str
    account_last4: str
    created_at: dt.datetime
    paid_at: dt.datetime | None
    bank_reference: str
    # True: this viewer may approve the account or ask the citizen for another.
    checkable: bool


def _bills(application: Application) -> list[Bill]:
    return list(Bill.objects.filter(application=application).order_by("-issued_at", "-pk"))


def _payments(application: Application) -> list[Payment]:
    """With their refunds (every refund returns one payment): one query."""
    return list(
        Payment.objects.filter(bill__application=application)
        .select_related("refund")
        .order_by("received_at", "pk")
    )


def _has_refund(payment: Payment) -> bool:
    try:
        payment.refund  # noqa: B018 - fetched with the payment (select_related)
    except Refund.DoesNotExist:
        return False
    return True


def may_check_refunds_of(*, application: Application, viewer: User) -> bool:
    """An officer or supervisor whose offices handle the application (one query)."""
    if not {roles.OFFICER, roles.SUPERVISOR} & roles.roles_of(viewer):
        return False
    return staff_scope(user=viewer).filter(pk=application.pk).exists()


def review_panel(application: Application, viewer: User) -> ReviewPanel | None:
    """Bills, payments and refunds of the application; None while it has no bill."""
    bills = _bills(application)
    if not bills:
        return None
    codes = {bill.pk: bill.billing_code for bill in bills}
    payments = _payments(application)
    refunds = sorted(
        (payment.refund for payment in payments if _has_refund(payment)),
        key=lambda refund: (refund.created_at, refund.pk),
        reverse=True,
    )
    waiting = any(refund.state == Refund.State.AWAITING_CHECK for refund in refunds)
    checkable = waiting and may_check_refunds_of(application=application, viewer=viewer)
    payment_rows = [
        PaymentRow(
            billing_code=codes.get(payment.bill_id, ""),
            amount=payment.amount,
            reference=payment.gateway_reference,
            via_label=payment.get_via_display(),
            applied=payment.disposition == Payment.Disposition.APPLIED,
            disposition_label=payment.get_disposition_display(),
            paid_at=payment.paid_at,
            received_at=payment.received_at,
        )
        for payment in payments
    ]
    refund_rows = [
        RefundRow(
            public_id=str(refund.public_id),
            amount=refund.amount,
            state=refund.state,
            state_label=refund.get_state_display(),
            reason_label=refund.get_reason_display(),
            holder_matches=refund.holder_matches_profile,
            holder=refund.account_holder,
            bank=BANKS.get(refund.bank, refund.bank),
            account_last4=refund.account_number_last4,
            created_at=refund.created_at,
            paid_at=refund.paid_at,
            bank_reference=refund.gateway_reference,
            checkable=checkable and refund.state == Refund.State.AWAITING_CHECK,
        )
        for refund in refunds
    ]
    return ReviewPanel(
        title=_("Bills and payments"),
        template_name=REVIEW_TEMPLATE,
        context={"bills": bills, "payments": payment_rows, "refunds": refund_rows},
        order=PANEL_ORDER,
    )


def is_supervisor(user: object) -> bool:
    return roles.SUPERVISOR in roles.roles_of(user)


def register_panels() -> None:
    """From ``PaymentsConfig.ready()``: the review panel and the supervisors' nav entry.
    Safe to call twice (tests call it too)."""
    from korlantas.lib import navigation

    register_review_panel(review_panel)
    with contextlib.suppress(ValueError):  # registered already
        navigation.register(
            navigation.NavItem("payments:settlement_report", _("Settlement report"), is_supervisor, order=23)
        )
