"""URLs of the delivery office pages (included into the ``delivery`` namespace)."""

from django.urls import URLPattern, path

from delivery import views_office as views

urlpatterns: list[URLPattern] = [
    path("staf/pengiriman/", views.print_pack, name="office_print_pack"),
    path("staf/pengiriman/<uuid:public_id>/cetak/", views.mark_printed, name="office_mark_printed"),
    path("staf/pengiriman/<uuid:public_id>/kemas/", views.mark_packed, name="office_mark_packed"),
    path("staf/pengiriman/<uuid:public_id>/dokumen.pdf", views.printed_document, name="office_document"),
    path("staf/pengiriman/<uuid:public_id>/label.pdf", views.label_pdf, name="office_label"),
    path("staf/pengiriman/kirim/", views.dispatch_page, name="office_dispatch"),
    path("staf/pengiriman/kirim/area/", views.courier_areas, name="office_courier_areas"),
    path("staf/pengiriman/rute/<uuid:public_id>/", views.run_detail, name="office_run"),
    path("staf/pengiriman/rute/<uuid:public_id>/manifes.pdf", views.run_manifest, name="office_manifest"),
    path("staf/pengiriman/rute/<uuid:public_id>/lepas/", views.run_unassign, name="office_run_unassign"),
]
