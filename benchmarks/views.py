"""The floor of `make bench`: a trivial template through the portal's whole middleware stack.

Served only by ``benchmarks.urls`` (the bench settings' ROOT_URLCONF); the portal's own
urlconf never includes it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from korlantas.lib import clock


@login_not_required
@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    return render(request, "benchmarks/floor.html", {"now": clock.now()})
