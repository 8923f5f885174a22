"""Applications' URLs. Included from korlantas/urls.py with ``path("", include("applications.urls"))``."""

from django.urls import path

from applications.views import attachments, citizen, queue, review

app_name = "applications"

# One section per views module; keep each helper's lines within its own section.
urlpatterns = [
    # --- attachments
    path("berkas/<uuid:public_id>/", attachments.attachment_download, name="attachment_download"),
    # --- citizen: my applications
    path("warga/permohonan/", citizen.my_applications, name="mine"),
    path("warga/permohonan/<uuid:public_id>/", citizen.application_detail, name="detail"),
    path("warga/permohonan/<uuid:public_id>/batal/", citizen.application_cancel, name="cancel"),
    # --- citizen: drafts, uploads, submitting, corrections (views/drafts.py)
    # --- citizen: appointments (views/booking.py)
    # --- staff: the queue. Under /staf/: StaffMFARequiredMiddleware applies.
    path("staf/antrean/", queue.queue, name="queue"),
    path("staf/antrean/cari/", queue.queue_search, name="queue_search"),
    path("staf/antrean/<uuid:public_id>/ambil/", queue.queue_claim, name="queue_claim"),
    path("staf/antrean/<uuid:public_id>/lepas/", queue.queue_release, name="queue_release"),
    path("staf/antrean/<uuid:public_id>/alihkan/", queue.queue_reassign, name="queue_reassign"),
    # --- staff: the review page (views/review.py)
    path("staf/antrean/<uuid:public_id>/", review.review, name="review"),
    path("staf/antrean/<uuid:public_id>/putuskan/", review.decide, name="decide"),
]
