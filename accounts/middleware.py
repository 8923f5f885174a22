"""Staff areas demand a second factor used in this very session."""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import roles

# Everything under these prefixes is for staff or administrators only.
STAFF_AREAS = ("/staf/", "/kurir/", "/admin/")
# Pages citizens use too, which staff reach only with the second factor: the applicants' files
# (a KTP scan is personal data whatever page links to it).
SHARED_AREAS_WITH_STAFF_DATA = ("/berkas/",)
MFA_AREAS = STAFF_AREAS + SHARED_AREAS_WITH_STAFF_DATA
SESSION_MFA_METHOD = "mfa"


def used_mfa_this_session(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == SESSION_MFA_METHOD for record in records)


class StaffMFARequiredMiddleware:
    """A staff member or administrator reaches no staff page — nor the Django admin, nor an
    applicant's file — until they have enrolled TOTP and used it in this session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(MFA_AREAS) and roles.needs_mfa(request.user):
            if request.path == reverse("admin:login"):
                return self.get_response(request)
            if not used_mfa_this_session(request):
                has_totp = Authenticator.objects.filter(
                    user=request.user, type=Authenticator.Type.TOTP
                ).exists()
                if not has_totp:
                    messages.warning(request, _("Staff must set up an authenticator app before continuing."))
                    target = reverse("mfa_activate_totp")
                else:
                    messages.info(request, _("Confirm with your authenticator app to open staff pages."))
                    target = reverse("mfa_reauthenticate")
                return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
