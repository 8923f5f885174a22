"""Placeholder: filled in by the issue 10 work."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def performance(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")
