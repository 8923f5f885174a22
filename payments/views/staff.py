"""Staff pages of payments (issue 6, point 9). Under /staf/: the MFA middleware applies first.

* ``refund_check`` (POST, officers and supervisors): the decision about a refund whose account
  holder differs from the applicant's profile — approve, or ask the citizen for another
  account — from the review page's payments panel. A refund of an application outside the
  viewer's offices is a 404, as if it did not exist.
* ``settlement_report`` (GET, supervisors): the day's applied payments of the supervisor's
  office(s), by service, and the refunds paid that day; ``format=csv`` exports the day's
  lines (codes and references only, no personal data).
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.views import role_required
from applications.selectors import staff_scope
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest
from korlantas.lib.spreadsheet import safe_cell
from offices.models import Office
from payments import reports
from payments.models import Refund
from payments.refunds import RefundRefused, refund_account_check

DECISIONS = {"approve": True, "ask_again": False}

# --- refund checks ------------------------------------------------------------------------


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def refund_check(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    refund = (
        Refund.objects.select_related("application")
        .filter(public_id=public_id, application__in=staff_scope(user=request.user))
        .first()
    )
    if refund is None:
        raise Http404
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        return HttpResponseBadRequest()
    approve = DECISIONS[decision]
    try:
        refund_account_check(refund_id=refund.pk, officer=request.user, approve=approve)
    except RefundRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(
            request,
            _("The account is approved: the refund goes to the bank.")
            if approve
            else _("The applicant is asked for another account."),
        )
    return redirect("applications:review", public_id=refund.application.public_id)


# --- the settlement report ----------------------------------------------------------------


class ReportDayForm(forms.Form):
    date = forms.DateField(
        label=_("Day"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        input_formats=["%Y-%m-%d"],
    )

    def clean_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["date"]
        if day > clock.today():
            raise forms.ValidationError(_("Choose today or an earlier day."))
        return day


def _csv_response(offices: list[Office], day: dt.date) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="settlement-{day.isoformat()}.csv"'
    writer = csv.writer(response)
    writer.writerow(reports.CSV_HEADER)
    for row in reports.settlement_rows(offices=offices, day=day):
        writer.writerow(
            [
                row.kind,
                row.at.strftime("%Y-%m-%d %H:%M:%S"),
                row.office_code,
                row.service_code,
                row.billing_code,
                row.application_reference,
                safe_cell(row.bank_reference),
                row.amount,
            ]
        )
    return response


@role_required(roles.SUPERVISOR)
@require_GET
def settlement_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = clock.today()
    form = ReportDayForm(request.GET if "date" in request.GET else None, initial={"date": today})
    if form.is_bound and not form.is_valid():
        day = None
    else:
        day = form.cleaned_data["date"] if form.is_bound else today
    offices = reports.report_offices(user=request.user)
    if day is not None and request.GET.get("format") == "csv":
        return _csv_response(offices, day)
    report = reports.settlement_report(offices=offices, day=day) if day is not None and offices else None
    return render(
        request,
        "payments/settlement_report.html",
        {
            "form": form,
            "day": day,
            "offices": offices,
            "report": report,
            "previous_day": day - dt.timedelta(days=1) if day is not None else None,
            "next_day": day + dt.timedelta(days=1) if day is not None and day < today else None,
        },
    )
