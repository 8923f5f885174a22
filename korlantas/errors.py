"""Error pages. They are public (an anonymous visitor can meet any of them) and say
nothing about the server: no traceback, path or setting ever reaches the page."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

# A signed-in person asking for what does not exist — or is not theirs, which looks the same to
# them — leaves a security record with who asked (an id) and the path (opaque ids only), for the
# pattern of someone walking through other people's objects (SECURITY.md §8 item 1).
security_logger = logging.getLogger("korlantas.security")


@login_not_required
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.bad_request(request, exception, template_name="400.html")


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.permission_denied(request, exception, template_name="403.html")


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        security_logger.warning("not found for user %s: %s %s", user.pk, request.method, request.path)
    return defaults.page_not_found(request, exception, template_name="404.html")


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context: whatever failed may be in it.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
