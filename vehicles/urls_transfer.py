"""URLs of ``vehicles.views_transfer``, included by ``vehicles/urls.py`` into the ``vehicles`` namespace."""

from django.urls import URLPattern, path

from vehicles import views_transfer as views

urlpatterns: list[URLPattern] = [
    # --- the seller (citizen)
    path("warga/kendaraan/<uuid:public_id>/jual/", views.sell, name="transfer_sell"),
    path("warga/kendaraan/<uuid:public_id>/jual/kode/", views.code_create, name="transfer_code_create"),
    path(
        "warga/kendaraan/<uuid:public_id>/jual/<uuid:code_id>/cabut/",
        views.code_revoke,
        name="transfer_code_revoke",
    ),
    # --- the officer (under /staf/: the staff MFA middleware applies)
    path(
        "staf/kendaraan/balik-nama/<uuid:public_id>/kuitansi/",
        views.receipt_verify,
        name="transfer_receipt_verify",
    ),
]
