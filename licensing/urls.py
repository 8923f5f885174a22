"""Licensing's URLs. Included from korlantas/urls.py with ``path("", include("licensing.urls"))``.

Append new routes at the end, one section per views module."""

from django.urls import path

from licensing import views, views_exams

app_name = "licensing"

urlpatterns = [
    # --- citizen: my licences (views.py)
    path("warga/sim/", views.my_licences, name="mine"),
    # --- staff: exam results (views_exams.py; under /staf/: StaffMFARequiredMiddleware applies)
    path("staf/sim/ujian/<uuid:public_id>/", views_exams.exam_result, name="exam_result"),
]
