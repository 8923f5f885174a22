"""Project-level pages: the public home page, health and the language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from korlantas import health
from korlantas.services_catalogue import SERVICES


@login_not_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    services = [(summary, summary.available_now()) for summary in SERVICES]
    return render(
        request,
        "home.html",
        {"services": services, "some_closed": not all(available for _summary, available in services)},
    )


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = health.run_checks()
    healthy = all(state == health.UP for state in checks.values())
    body = {
        "status": "ok" if healthy else "down",
        "checks": checks,
        "worker_heartbeat_seconds_ago": health.seconds_since_heartbeat(),
    }
    return JsonResponse(body, status=200 if healthy else 503)


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered on the account as well as in the cookie."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    user = request.user
    known = {code for code, _name in settings.LANGUAGES}
    if user.is_authenticated and language in known and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response
