"""Vehicles' URLs. Included from korlantas/urls.py with ``path("", include("vehicles.urls"))``.

Append new routes at the end, one section per area."""

from django.urls import include, path

from vehicles import views

app_name = "vehicles"

urlpatterns = [
    # --- citizen: my vehicles, possession proof
    path("warga/kendaraan/", views.my_vehicles, name="mine"),
    path("warga/kendaraan/<uuid:public_id>/", views.detail, name="detail"),
    path("warga/kendaraan/<uuid:public_id>/buka/", views.unlock, name="unlock"),
    # --- anyone: the STNK lookup (plate + last 5 chassis characters)
    path("stnk/cek/", views.lookup, name="lookup"),
    # --- staff of a Samsat: the CSV import (under /staf/: StaffMFARequiredMiddleware applies)
    path("staf/kendaraan/impor/", views.import_upload, name="import"),
    path("staf/kendaraan/impor/<uuid:public_id>/", views.import_report, name="import_report"),
    path("staf/kendaraan/impor/<uuid:public_id>/ditolak.csv", views.import_rejected, name="import_rejected"),
    # --- each vehicle service's own pages (physical checks, transfer codes, deletion, mutasi)
    path("", include("vehicles.urls_physical_checks")),
    path("", include("vehicles.urls_transfer")),
    path("", include("vehicles.urls_deletion")),
    path("", include("vehicles.urls_mutation")),
]
