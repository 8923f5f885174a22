"""Pages of the licensing app.

* ``/warga/sim/`` — a verified citizen's licences: class and what it covers, the number masked
  (never more than its last four digits), dates, issuing Satpas, state, and what can be done
  next (renew, replace, international licence), each leading to the start of that application
  with the licence preselected. An unverified citizen is told to verify their identity first:
  licences are found by the verified NIK only.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.selectors import verified_nik_index
from accounts.views import citizen_required
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest
from licensing import selectors


@citizen_required
@require_http_methods(["GET"])
def my_licences(request: AuthenticatedHttpRequest) -> HttpResponse:
    index = verified_nik_index(request.user)
    if index is None:
        return render(request, "licensing/my_licences.html", {"verified": False})
    today = clock.today()
    rows = selectors.licence_rows(selectors.licences_held(index), today)
    return render(
        request,
        "licensing/my_licences.html",
        {
            "verified": True,
            "rows": rows,
            "today": today,
            "new_url": selectors.start_path(selectors.SERVICE_NEW),
            # Every SIM service (new, upgrade, …) is on the services page.
            "other_class_url": reverse("applications:new"),
        },
    )
