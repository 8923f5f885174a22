"""The citizen's inbox (``/warga/kotak-masuk/``) and notification settings (``/warga/notifikasi/``).

Someone else's message is a 404, as if it did not exist. Views stay thin: a selector to read,
a service to write.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.views import citizen_required
from korlantas.lib.http import AuthenticatedHttpRequest
from notifications import selectors, services
from notifications.forms import MarkReadForm, PreferencesForm

security_log = logging.getLogger("korlantas.security")

INBOX_PAGE_SIZE = 20


@citizen_required
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox_of(request.user), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "items": items, "any_unread": any(item.is_unread for item in items)},
    )


@citizen_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    if form.cleaned_data["all"]:
        services.inbox_mark_all_read(user=request.user)
        messages.success(request, _("All messages are marked as read."))
    elif not services.inbox_mark_read(user=request.user, public_id=form.cleaned_data["message"]):
        security_log.warning("inbox: user %s named a message that is not theirs", request.user.pk)
        raise Http404
    url = reverse("notifications:inbox")
    page = form.cleaned_data.get("page")
    return redirect(f"{url}?page={page}" if page and page > 1 else url)


@citizen_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = selectors.preferences_of(request.user)
    reach = selectors.reach_of(request.user.pk)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={"email_enabled": current.email_enabled, "sms_enabled": current.sms_enabled},
        phone_verified=reach.phone_verified,
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_save(
            user=request.user,
            email_enabled=form.cleaned_data["email_enabled"],
            sms_enabled=form.cleaned_data["sms_enabled"],
        )
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "reach": reach})
