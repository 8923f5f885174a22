"""Error pages. They are public (an anonymous visitor can meet any of them) and say
nothing about the server: no traceback, path or setting ever reaches the page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults


@login_not_required
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.bad_request(request, exception, template_name="400.html")


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.permission_denied(request, exception, template_name="403.html")


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.page_not_found(request, exception, template_name="404.html")


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context: whatever failed may be in it.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
