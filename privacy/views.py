"""The citizen's data pages: what we hold and the download of it; closing the account.

Both the download and the erasure ask for the password again (allauth's re-authentication,
``ACCOUNT_REAUTHENTICATION_REQUIRED``; a recent sign-in counts for 5 minutes): the export holds
the whole NIK, and an erasure cannot be undone. A POST made without it is kept by allauth and
carried out after the password is given.
"""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.views import citizen_required
from audit.services import client_ip
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest
from privacy import exporters, selectors, services
from privacy.forms import ErasureConfirmForm


@citizen_required
@require_GET
def my_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/my_data.html",
        {"open_applications": services.open_applications_of(request.user)},
    )


@citizen_required
@require_POST
@reauthentication_required
@never_cache
def export_download(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if not ratelimit.consume(request, action="privacy_export", user=request.user):
        return render(request, "429.html", status=429)
    export = selectors.export_of(request.user)
    archive = exporters.write_zip(export)
    services.export_recorded(user=request.user, ip=client_ip(request), counts=export.counts)
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=f"korlantas-data-{clock.today():%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response


@citizen_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def erasure(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ErasureConfirmForm(request.POST or None, expected_email=request.user.email)
    open_count = services.open_applications_of(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.erasure_request(user=request.user, ip=client_ip(request))
        except services.ErasureRefused as refused:
            form.add_error(None, str(refused))
        else:
            logout(request)
            messages.success(
                request,
                _("Your account is closed. Your personal data is being erased as described on the page."),
            )
            return redirect("home")
    return render(
        request,
        "privacy/erasure.html",
        {"form": form, "open_applications": open_count},
    )
