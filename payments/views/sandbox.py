"""The sandbox bank's teller page (``/sandbox/bank/``): development, demos and tests only.

It plays a bank, so no sign-in: whoever has a billing code may pay it. A code is looked up,
then paid in one of three ways — with the callback (as a bank does), with the callback
dropped (only "check payment" or the reconcile job will find the money), or with the callback
sent twice (the portal must count the payment once). Without ``settings.SANDBOX_PROVIDERS``
every request is a 404, as if the page did not exist. POSTs are rate-limited per client.

After paying, the page redirects to itself with the transfer's reference (a bank's own id,
no personal data), so reloading the receipt never pays twice.
"""

from __future__ import annotations

from allauth.core import ratelimit
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from korlantas.lib import clock
from payments.forms import TellerLookupForm, TellerPayForm
from payments.gateways.sandbox import SandboxRefused, sandbox_bill, sandbox_pay
from payments.models import SandboxBill, SandboxTransfer

# allauth's limiter, configured in settings.ACCOUNT_RATE_LIMITS (per client address).
PAY_RATE_LIMIT = "sandbox_pay"

REFUSALS: dict[str, Promise] = {
    "unknown_code": _("This bank does not know this billing code."),
    "expired": _("This billing code has expired; the bank no longer accepts it."),
}

# What happens after each way of paying.
OUTCOMES: dict[str, Promise] = {
    SandboxTransfer.Callback.ONCE: _(
        "The bank is calling the portal's webhook now, as a real bank would. The application "
        "moves on within moments."
    ),
    SandboxTransfer.Callback.DROP: _(
        "The money is taken but the bank will not call the portal. The bill stays unpaid until the "
        "citizen presses “Check payment” or the reconcile job asks the bank (every 10 minutes)."
    ),
    SandboxTransfer.Callback.TWICE: _(
        "The bank calls the portal's webhook twice with the same event. The portal must record "
        "one payment and move the application once."
    ),
}


def _found(bill: SandboxBill) -> dict[str, object]:
    return {
        "found": bill,
        "expired": bill.expires_at <= clock.now(),
        "paid_before": SandboxTransfer.objects.filter(billing_code=bill.billing_code).count(),
        "callbacks": SandboxTransfer.Callback.choices,
    }


@login_not_required
@require_http_methods(["GET", "POST"])
def teller(request: HttpRequest) -> HttpResponse:
    if not settings.SANDBOX_PROVIDERS:
        raise Http404
    context: dict[str, object] = {}
    form: TellerLookupForm
    if request.method == "POST":
        if not ratelimit.consume(request, action=PAY_RATE_LIMIT):
            return render(request, "429.html", status=429)
        if request.POST.get("action") == "pay":
            form = TellerPayForm(request.POST)
            if form.is_valid():
                try:
                    transfer = sandbox_pay(
                        billing_code=form.cleaned_data["billing_code"], callback=form.cleaned_data["callback"]
                    )
                except SandboxRefused as refused:
                    form.add_error("billing_code", str(REFUSALS[refused.code]))
                else:
                    query = urlencode({"paid": transfer.reference})
                    return redirect(f"{reverse('payments:sandbox_teller')}?{query}")
        else:
            form = TellerLookupForm(request.POST)
            if form.is_valid():
                bill = sandbox_bill(form.cleaned_data["billing_code"])
                if bill is None:
                    form.add_error("billing_code", str(REFUSALS["unknown_code"]))
                else:
                    context.update(_found(bill))
    else:
        form = TellerLookupForm(initial={"billing_code": request.GET.get("code", "")[:30]})
        reference = request.GET.get("paid", "")[:64]
        if reference:
            paid = SandboxTransfer.objects.filter(reference=reference).first()
            if paid is not None:
                context.update({"transfer": paid, "outcome": OUTCOMES.get(paid.callback, "")})
    context["form"] = form
    return render(request, "payments/sandbox_teller.html", context)
