"""What payments shows on the applicant's own application page (``applications.events``).

The panel holds the application's latest bill (code, total, state, expiry, a link to the bill
page) and its refunds (each with its state and a link; "action needed" while the refund waits
for the citizen's account). Two queries whatever the number of bills and refunds.

``register_panels()`` is called from ``PaymentsConfig.ready()``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications import events
from applications.events import ReviewPanel
from korlantas.lib import clock
from payments import selectors
from payments.forms import grouped_code
from payments.models import Bill, Refund

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application

PANEL_ORDER = 40
CITIZEN_TEMPLATE = "payments/includes/citizen_panel.html"


@dataclass(frozen=True)
class BillSummary:
    code_grouped: str
    total: int
    state: str
    state_label: str | Promise
    expires_at: dt.datetime
    paid_at: dt.datetime | None
    payable: bool
    url: str


@dataclass(frozen=True)
class RefundRow:
    amount: int
    state: str
    state_label: str | Promise
    reason_label: str | Promise
    action_needed: bool
    url: str


def _bill_summary(bill: Bill, now: dt.datetime) -> BillSummary:
    lapsed = bill.state == Bill.State.OPEN and bill.expires_at <= now
    return BillSummary(
        code_grouped=grouped_code(bill.billing_code),
        total=bill.total,
        state=Bill.State.EXPIRED if lapsed else bill.state,
        state_label=Bill.State.EXPIRED.label if lapsed else bill.get_state_display(),
        expires_at=bill.expires_at,
        paid_at=bill.paid_at,
        payable=bill.state == Bill.State.OPEN and not lapsed,
        url=reverse("payments:bill", args=[bill.public_id]),
    )


def citizen_panel(application: Application, viewer: User) -> ReviewPanel | None:
    """The applicant's bill and refunds of this application; None when it has neither."""
    if application.applicant_id != viewer.pk:
        return None
    bill = selectors.latest_bill_of(application_id=application.pk)
    refunds = selectors.refunds_of_application(application_id=application.pk)
    if bill is None and not refunds:
        return None
    rows = [
        RefundRow(
            amount=refund.amount,
            state=refund.state,
            state_label=refund.get_state_display(),
            reason_label=refund.get_reason_display(),
            action_needed=refund.state == Refund.State.AWAITING_ACCOUNT,
            url=reverse("payments:refund", args=[refund.public_id]),
        )
        for refund in refunds
    ]
    return ReviewPanel(
        title=_("Payment"),
        template_name=CITIZEN_TEMPLATE,
        context={
            "bill": _bill_summary(bill, clock.now()) if bill is not None else None,
            "refunds": rows,
            "application_status": application.status,
        },
        order=PANEL_ORDER,
    )


def register_panels() -> None:
    """Called from ``PaymentsConfig.ready()`` (registering twice is harmless)."""
    events.register_citizen_panel(citizen_panel)
