"""Placeholder: filled in by the issue 10 work."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.views import role_required
from korlantas.lib.http import AuthenticatedHttpRequest


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def second_checks(request: AuthenticatedHttpRequest) -> HttpResponse:
    return HttpResponse("")
