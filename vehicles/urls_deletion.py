"""URLs of ``vehicles.views_deletion``, included by ``vehicles/urls.py`` into the ``vehicles`` namespace."""

from django.urls import URLPattern, path

from vehicles import views_deletion

urlpatterns: list[URLPattern] = [
    path("staf/kendaraan/penghapusan/", views_deletion.case_list, name="deletion_cases"),
    path("staf/kendaraan/penghapusan/<uuid:public_id>/", views_deletion.case_detail, name="deletion_case"),
]
