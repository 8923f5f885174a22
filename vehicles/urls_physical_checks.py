"""URLs of ``vehicles.views_physical_checks`` (included into the ``vehicles`` namespace; under
``/staf/``, so the staff MFA middleware applies)."""

from django.urls import URLPattern, path

from vehicles import views_physical_checks as views

urlpatterns: list[URLPattern] = [
    path(
        "staf/kendaraan/cek-fisik/<uuid:public_id>/", views.physical_check_record_page, name="physical_check"
    ),
    path(
        "staf/kendaraan/cek-fisik/hasil/<uuid:public_id>/rangka/",
        views.physical_check_rubbing,
        {"which": "chassis"},
        name="physical_check_chassis_rubbing",
    ),
    path(
        "staf/kendaraan/cek-fisik/hasil/<uuid:public_id>/mesin/",
        views.physical_check_rubbing,
        {"which": "engine"},
        name="physical_check_engine_rubbing",
    ),
]
