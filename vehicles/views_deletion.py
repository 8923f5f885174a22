"""The officer's deletion decisions (issue 8, point 8): pages under ``/staf/kendaraan/penghapusan/``.

Staff of a Samsat (under ``/staf/``: MFA first, then ``role_required``); officers and supervisors
of the registering Samsat, and supervisors of its Polda, see its cases (``deletion.deletion_offices``):

* ``/staf/kendaraan/penghapusan/`` — the open cases, oldest first, paginated.
* ``/staf/kendaraan/penghapusan/<id>/`` — one case: the vehicle, the warnings sent, and (POST)
  the decision: delete or keep, with a reason. Another Samsat's case: 404.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts import roles
from accounts.views import role_required
from korlantas.lib.http import AuthenticatedHttpRequest
from vehicles import deletion
from vehicles.models import DeletionCase

PAGE_SIZE = 25


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=DeletionCase.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose whether to delete or to keep the registration.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=deletion.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            'Recorded with the decision. E.g. "no reply to the three warnings", or, to keep it, '
            '"tax paid at the counter on 3 March".'
        ),
        error_messages={"required": gettext_lazy("Give the reason for the decision.")},
    )


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_GET
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    offices = deletion.deletion_offices(request.user)
    page = Paginator(deletion.open_cases(offices), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "vehicles/deletion_cases.html", {"page": page, "has_offices": bool(offices)})


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def case_detail(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    case = deletion.case_of(request.user, public_id)
    if case is None:
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and not case.decision and form.is_valid():
        try:
            deletion.deletion_decide(
                case_id=case.pk,
                officer=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except deletion.DeletionRefused as refused:
            form.add_error(None, str(refused.message))
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("vehicles:deletion_cases")
    return render(
        request,
        "vehicles/deletion_case.html",
        {"case": case, "vehicle": case.vehicle, "warnings": deletion.warnings_of(case), "form": form},
    )
