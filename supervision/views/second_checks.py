"""The queue of second checks (issue 10, point 4): sampled approvals waiting for another officer.

GET lists the checks waiting in the viewer's scope (oldest first) and, below, those recorded in
the last 30 days. POST records one check (its public_id in the body) through
``second_checks.second_check_record`` and redirects back (PRG); bad input re-renders the page
with the message next to the field and saves nothing. A check outside the viewer's scope → 404.
Queries are constant whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.views import role_required
from korlantas.forms import PortalFormMixin
from korlantas.lib.http import AuthenticatedHttpRequest
from supervision import second_checks as service
from supervision.models import SecondCheck
from supervision.signals import service_name


class SecondCheckForm(PortalFormMixin, forms.Form):
    check = forms.UUIDField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Your finding"),
        choices=SecondCheck.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you confirm the decision or raise a concern.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a concern: what should the supervisor look at?"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("outcome") == SecondCheck.Outcome.CONCERN and not str(cleaned.get("note", "")).strip():
            self.add_error("note", _("Say what the concern is."))
        return cleaned


def _form_for(check: SecondCheck, data: Any = None) -> SecondCheckForm:
    # One form per row: the field names are the same, the ids carry the check's id.
    return SecondCheckForm(data, initial={"check": check.public_id}, auto_id=f"id_%s_{check.public_id}")


@dataclass(frozen=True)
class PendingRow:
    check: SecondCheck
    service_name: str
    decided_by: str
    mine: bool
    form: SecondCheckForm | None


@dataclass(frozen=True)
class RecordedRow:
    check: SecondCheck
    service_name: str
    decided_by: str
    checker: str
    concern: bool


def _decided_by(check: SecondCheck) -> str:
    return str(getattr(check, "decided_by_name", "") or getattr(check, "decided_by_email", "") or "—")


def _checker(check: SecondCheck) -> str:
    checker = check.checker
    if checker is None:
        return "—"
    membership = getattr(checker, "staff_membership", None)
    return (membership.display_name if membership is not None else "") or checker.email


def _page(
    request: AuthenticatedHttpRequest, *, bound: SecondCheckForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    bound_id = str(bound.data.get("check", "")) if bound is not None else ""
    in_scope = service.checks_in_scope(user=user)
    pending = []
    for check in service.pending_checks(in_scope=in_scope):
        mine = check.decided_by_id == user.pk
        form = None
        if not mine:
            form = bound if bound is not None and bound_id == str(check.public_id) else _form_for(check)
        pending.append(
            PendingRow(
                check=check,
                service_name=service_name(check.application),
                decided_by=_decided_by(check),
                mine=mine,
                form=form,
            )
        )
    recorded = [
        RecordedRow(
            check=check,
            service_name=service_name(check.application),
            decided_by=_decided_by(check),
            checker=_checker(check),
            concern=check.outcome == SecondCheck.Outcome.CONCERN,
        )
        for check in service.recent_checks(in_scope=in_scope)
    ]
    context = {
        "pending": pending,
        "actionable": sum(1 for row in pending if not row.mine),
        "recorded": recorded,
        "recent_days": service.RECENT_DAYS,
        "per_cent": service.per_mille() / 10,
        "is_supervisor": roles.SUPERVISOR in roles.roles_of(user),
    }
    return render(request, "supervision/second_checks.html", context, status=status)


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def second_checks(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = SecondCheckForm(request.POST, auto_id=f"id_%s_{request.POST.get('check', '')}")
    if not form.is_valid():
        if "check" in form.errors:
            raise Http404("no such check")
        in_scope = service.checks_in_scope(user=request.user)
        check = in_scope.filter(public_id=form.cleaned_data["check"]).first()
        if check is None:
            raise Http404("no such check")
        if check.checked_at is not None or check.decided_by_id == request.user.pk:
            # No form of this check is on the page to show the errors next to: say why instead.
            messages.error(request, _("This check is not yours to record: it is recorded or you decided it."))
            return redirect("supervision:second_checks")
        return _page(request, bound=form, status=400)
    try:
        service.second_check_record(
            check_public_id=form.cleaned_data["check"],
            checker=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except service.SecondCheckNotFound:
        raise Http404("no such check") from None
    except service.SecondCheckRefused as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("The second check is recorded."))
    return redirect("supervision:second_checks")
