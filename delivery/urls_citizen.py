"""URLs of the delivery citizen pages, the collection desk and public tracking (included into
the ``delivery`` namespace)."""

from django.urls import URLPattern, path

from delivery import views_citizen, views_collection

urlpatterns: list[URLPattern] = [
    # The holder's shipments.
    path("warga/pengiriman/", views_citizen.citizen_shipments, name="citizen_shipments"),
    path("warga/pengiriman/<uuid:public_id>/", views_citizen.citizen_shipment, name="citizen_shipment"),
    path("warga/pengiriman/<uuid:public_id>/alamat/", views_citizen.citizen_address, name="citizen_address"),
    path(
        "warga/pengiriman/<uuid:public_id>/ambil-di-kantor/",
        views_citizen.citizen_collect_instead,
        name="citizen_collect_instead",
    ),
    path(
        "warga/pengiriman/<uuid:public_id>/jadwal/",
        views_citizen.citizen_reschedule,
        name="citizen_reschedule",
    ),
    # The collection desk (office staff) and the register of returned documents.
    path("staf/pengiriman/ambil/", views_collection.desk, name="collection_desk"),
    path("staf/pengiriman/ambil/pindai-kembali/", views_collection.scan_in, name="collection_scan_in"),
    path("staf/pengiriman/ambil/<uuid:public_id>/", views_collection.handover, name="collection_handover"),
    # Public tracking by label code.
    path("lacak/", views_citizen.tracking, name="tracking"),
    path("lacak/<str:label_code>/", views_citizen.tracking_detail, name="tracking_detail"),
]
