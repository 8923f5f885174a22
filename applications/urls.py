"""Applications' URLs. Included from korlantas/urls.py with ``path("", include("applications.urls"))``."""

from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    path("berkas/<uuid:public_id>/", views.attachment_download, name="attachment_download"),
    path("warga/permohonan/", views.my_applications, name="mine"),
    path("warga/permohonan/<uuid:public_id>/", views.application_detail, name="detail"),
    path("warga/permohonan/<uuid:public_id>/batal/", views.application_cancel, name="cancel"),
    # Under /staf/: StaffMFARequiredMiddleware applies.
    path("staf/antrean/", views.queue, name="queue"),
    path("staf/antrean/cari/", views.queue_search, name="queue_search"),
    path("staf/antrean/<uuid:public_id>/ambil/", views.queue_claim, name="queue_claim"),
    path("staf/antrean/<uuid:public_id>/lepas/", views.queue_release, name="queue_release"),
    path("staf/antrean/<uuid:public_id>/alihkan/", views.queue_reassign, name="queue_reassign"),
    path("staf/antrean/<uuid:public_id>/", views.review, name="review"),
    path("staf/antrean/<uuid:public_id>/putuskan/", views.decide, name="decide"),
]
