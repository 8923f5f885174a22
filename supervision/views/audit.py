"""Placeholder: filled in by the issue 10 work."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from accounts import roles
from accounts.views import role_required
from korlantas.lib.http import AuthenticatedHttpRequest


@role_required(roles.SUPERVISOR)
@require_GET
def audit_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    return HttpResponse("")
