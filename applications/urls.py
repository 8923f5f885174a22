"""Applications' URLs. Included from korlantas/urls.py with ``path("", include("applications.urls"))``."""

from django.urls import path

from applications.views import attachments, booking, citizen, drafts, queue, review

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
    path("warga/permohonan/baru/", drafts.service_list, name="new"),
    path("warga/permohonan/baru/<str:service_code>/", drafts.draft_start, name="start"),
    path("warga/permohonan/<uuid:public_id>/ubah/", drafts.draft_edit, name="edit"),
    path("warga/permohonan/<uuid:public_id>/dokumen/", drafts.draft_documents, name="documents"),
    path("warga/permohonan/<uuid:public_id>/ajukan/", drafts.draft_submit, name="submit"),
    path("warga/permohonan/<uuid:public_id>/kirim-ulang/", drafts.revision_resubmit, name="resubmit"),
    # --- citizen: appointments (views/booking.py)
    path("warga/permohonan/<uuid:public_id>/jadwal/", booking.booking_choose, name="booking"),
    path("warga/permohonan/<uuid:public_id>/jadwal/batal/", booking.booking_cancel, name="booking_cancel"),
    # (and the offices' side of it; under /staf/: StaffMFARequiredMiddleware applies)
    path("staf/jadwal/", booking.slots, name="slots"),
    path("staf/jadwal/<uuid:public_id>/", booking.slot_detail, name="slot_detail"),
    # --- staff: the queue. Under /staf/: StaffMFARequiredMiddleware applies.
    path("staf/antrean/", queue.queue, name="queue"),
    path("staf/antrean/cari/", queue.queue_search, name="queue_search"),
    path("staf/antrean/<uuid:public_id>/ambil/", queue.queue_claim, name="queue_claim"),
    path("staf/antrean/<uuid:public_id>/lepas/", queue.queue_release, name="queue_release"),
    path("staf/antrean/<uuid:public_id>/alihkan/", queue.queue_reassign, name="queue_reassign"),
    path("staf/antrean/klaim/", queue.claims, name="claims"),
    # --- staff: the review page (views/review.py)
    path("staf/antrean/<uuid:public_id>/", review.review, name="review"),
    path("staf/antrean/<uuid:public_id>/putuskan/", review.decide, name="decide"),
    path("staf/antrean/<uuid:public_id>/hadir/", review.record_attendance, name="record_attendance"),
    path("staf/antrean/<uuid:public_id>/nik/", review.reveal_nik, name="reveal_nik"),
]
