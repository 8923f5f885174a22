"""The citizen's bills and refunds (``/warga/tagihan/…``, ``/warga/pengembalian/…``).

Only the applicant sees their bill or refund: to anyone else, staff included, it does not
exist (404), as with the application's own pages (``applications.views.common.own_application``).
The writes are the services': ``reconcile.bill_check`` ("check payment", rate-limited),
``billing.bill_replace`` (a new bill after one expired) and ``refunds.refund_account_give``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from applications.models import Application
from applications.registry import UnknownService, get_service
from applications.views.common import own_application, service_name
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest
from payments import billing, reconcile, selectors
from payments.forms import RefundAccountForm, grouped_code
from payments.models import Bill, Refund
from payments.refunds import BANKS, RefundRefused, refund_account_give

# allauth's limiter, configured in settings.ACCOUNT_RATE_LIMITS (per user).
CHECK_RATE_LIMIT = "check_payment"

# What the citizen can expect, per state of the refund.
REFUND_EXPLANATIONS: dict[str, Promise] = {
    Refund.State.AWAITING_ACCOUNT: _("Tell us the bank account the money should go back to."),
    Refund.State.AWAITING_CHECK: _(
        "The account holder's name differs from the name on your profile, so an officer checks it "
        "before the money is sent. If the account cannot be used, we will ask you for another one."
    ),
    Refund.State.QUEUED: _("The refund is being sent to your bank. This usually takes a few minutes."),
    Refund.State.PAID: _(
        "The money was sent to your account. Banks may take up to a working day to show it."
    ),
    Refund.State.FAILED: _(
        "The bank did not accept the refund. An officer of the handling office will contact you; "
        "nothing is lost."
    ),
}


def _is_expired(bill: Bill, now: dt.datetime) -> bool:
    """Closed by expiry, or past it and not yet closed by the periodic job."""
    return bill.state == Bill.State.EXPIRED or (bill.state == Bill.State.OPEN and bill.expires_at <= now)


def _may_replace(application: Application, now: dt.datetime) -> bool:
    if application.status != "pending_payment":
        return False
    try:
        service = get_service(application.service_code)
    except UnknownService:
        return False
    return now < billing.payment_window_end(application, service)


def _own_bill(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> Bill:
    bill = selectors.bill_of(applicant=request.user, public_id=public_id)
    if bill is None:
        raise Http404
    return bill


@dataclass(frozen=True)
class OtherBill:
    bill: Bill
    expired: bool


@require_GET
def bill_detail(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    bill = _own_bill(request, public_id)
    application = bill.application
    now = clock.now()
    bills = selectors.bills_of_application(application_id=application.pk)
    newest = bills[0] if bills else bill
    is_newest = newest.pk == bill.pk
    expired = _is_expired(bill, now)
    payable = bill.state == Bill.State.OPEN and not expired
    receipt = selectors.receipt_of(application_id=application.pk) if bill.state == Bill.State.PAID else None
    sandbox_url = ""
    if payable and settings.SANDBOX_PROVIDERS:
        sandbox_url = reverse("payments:sandbox_teller") + "?" + urlencode({"code": bill.billing_code})
    return render(
        request,
        "payments/bill.html",
        {
            "bill": bill,
            "application": application,
            "service_name": service_name(application),
            "code_grouped": grouped_code(bill.billing_code),
            "lines": selectors.lines_of(bill=bill),
            "expired": expired,
            "payable": payable,
            # The money may be at the bank though our side has not heard: worth asking.
            "can_check": bill.state in (Bill.State.OPEN, Bill.State.EXPIRED),
            "can_replace": expired and is_newest and _may_replace(application, now),
            "newest": None if is_newest else newest,
            "others": [
                OtherBill(bill=other, expired=_is_expired(other, now))
                for other in bills
                if other.pk != bill.pk
            ],
            "receipt": receipt,
            "sandbox_url": sandbox_url,
        },
    )


@require_POST
def bill_check(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    bill = _own_bill(request, public_id)
    if not ratelimit.consume(request, action=CHECK_RATE_LIMIT, user=request.user):
        messages.warning(
            request,
            _("You have asked several times in a short while. Please wait a few minutes and try again."),
        )
        return redirect("payments:bill", public_id=bill.public_id)
    try:
        new = reconcile.bill_check(bill=bill)
    except reconcile.GatewayUnreachable:
        messages.warning(request, str(billing.BillRefused.MESSAGES["gateway_unavailable"]))
        return redirect("payments:bill", public_id=bill.public_id)
    state = Bill.objects.filter(pk=bill.pk).values_list("state", flat=True).get()
    if state == Bill.State.PAID:
        messages.success(request, _("Payment received."))
    elif new:
        messages.info(
            request,
            _(
                "A payment for this bill reached us, but it cannot be used for the application: "
                "it will be refunded."
            ),
        )
    else:
        messages.info(request, _("No payment has reached us yet; banks can take a few minutes."))
    return redirect("payments:bill", public_id=bill.public_id)


@require_POST
def bill_replace(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = own_application(request, public_id)
    try:
        bill = billing.bill_replace(application_id=application.pk, applicant_id=request.user.pk)
    except Application.DoesNotExist:
        raise Http404 from None
    except billing.BillRefused as refused:
        messages.error(request, str(refused.message))
        latest = selectors.latest_bill_of(application_id=application.pk)
        if latest is not None:
            return redirect("payments:bill", public_id=latest.public_id)
        return redirect("applications:detail", public_id=application.public_id)
    messages.success(request, _("Here is your new bill. Pay it before it expires."))
    return redirect("payments:bill", public_id=bill.public_id)


@require_http_methods(["GET", "POST"])
def refund_detail(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    refund = selectors.refund_of(applicant=request.user, public_id=public_id)
    if refund is None:
        raise Http404
    wants_account = refund.state == Refund.State.AWAITING_ACCOUNT
    form = RefundAccountForm()
    if request.method == "POST":
        if not wants_account:
            messages.error(request, str(RefundRefused.MESSAGES["not_awaiting_account"]))
            return redirect("payments:refund", public_id=refund.public_id)
        form = RefundAccountForm(request.POST)
        if form.is_valid():
            try:
                given = refund_account_give(
                    refund_public_id=refund.public_id,
                    user=request.user,
                    bank=form.cleaned_data["bank"],
                    account_number=form.cleaned_data["account_number"],
                    holder=form.cleaned_data["holder"],
                )
            except Refund.DoesNotExist:
                raise Http404 from None
            except RefundRefused as refused:
                messages.error(request, str(refused.message))
            else:
                if given.sent:
                    messages.success(request, _("Thank you. The refund is on its way to your account."))
                else:
                    messages.info(
                        request,
                        _(
                            "Thank you. An officer checks the account holder's name before the refund "
                            "is sent."
                        ),
                    )
            return redirect("payments:refund", public_id=refund.public_id)
    profile = account_selectors.profile_of(request.user)
    return render(
        request,
        "payments/refund.html",
        {
            "refund": refund,
            "application": refund.application,
            "service_name": service_name(refund.application),
            "explanation": REFUND_EXPLANATIONS.get(refund.state, ""),
            "form": form if wants_account else None,
            "expected_holder": profile.full_name if profile is not None else "",
            "bank_name": BANKS.get(refund.bank, refund.bank),
        },
    )
