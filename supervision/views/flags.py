"""The supervisor's fraud flags (issue 10, point 4): signals shared by many applicants.

A flag explains itself in a sentence and lists the applications of the supervisor's own
scope that share it; it never blocks anyone. Queries are constant (see ``signals.flag_groups_for``).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import roles
from accounts.views import role_required
from korlantas.lib.http import AuthenticatedHttpRequest
from supervision import signals


@role_required(roles.SUPERVISOR)
@require_GET
def flags(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "supervision/flags.html",
        {
            "groups": signals.flag_groups_for(user=request.user),
            "min_applicants": signals.min_applicants(),
            "window_days": signals.window_days(),
            "max_groups": signals.MAX_GROUPS,
        },
    )
