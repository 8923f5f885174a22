"""Supervision's URLs. Included from korlantas/urls.py with ``path("", include("supervision.urls"))``.

Under /staf/: StaffMFARequiredMiddleware applies. ``/kinerja/`` is public.
"""

from django.urls import path

from supervision.views import audit, dashboard, flags, public, second_checks

app_name = "supervision"

# One section per views module; keep each helper's lines within its own section.
urlpatterns = [
    # --- the supervisor's dashboard (views/dashboard.py)
    path("staf/pengawasan/", dashboard.dashboard, name="dashboard"),
    # --- fraud signals (views/flags.py)
    path("staf/pengawasan/tanda/", flags.flags, name="flags"),
    # --- second checks of approved applications (views/second_checks.py)
    path("staf/pengawasan/cek-ulang/", second_checks.second_checks, name="second_checks"),
    # --- the audit trail of the office (views/audit.py)
    path("staf/pengawasan/audit/", audit.audit_search, name="audit"),
    # --- public performance (views/public.py)
    path("kinerja/", public.performance, name="performance"),
]
