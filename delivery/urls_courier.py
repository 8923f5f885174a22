"""URLs of the delivery courier pages (included into the ``delivery`` namespace), and the
dispatcher's "new delivery code" button (``delivery:shipment_code_reissue``)."""

from django.urls import URLPattern, path

from delivery import views_courier

urlpatterns: list[URLPattern] = [
    path("kurir/kiriman/", views_courier.courier_run_page, name="courier_run"),
    path("kurir/kiriman/<uuid:public_id>/", views_courier.courier_shipment_page, name="courier_shipment"),
    path("kurir/kiriman/<uuid:public_id>/ambil/", views_courier.courier_pickup, name="courier_pickup"),
    path("kurir/kiriman/<uuid:public_id>/berangkat/", views_courier.courier_go_out, name="courier_go_out"),
    path("kurir/kiriman/<uuid:public_id>/serahkan/", views_courier.courier_deliver, name="courier_deliver"),
    path("kurir/kiriman/<uuid:public_id>/gagal/", views_courier.courier_fail, name="courier_fail"),
    path(
        "staf/pengiriman/<uuid:public_id>/kode-baru/",
        views_courier.shipment_code_reissue,
        name="shipment_code_reissue",
    ),
]
