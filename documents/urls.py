"""Documents' URLs. Included from korlantas/urls.py with ``path("", include("documents.urls"))``."""

from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    # --- public: what a QR code printed on a document points at
    path("verify/<str:token>/", views.verify, name="verify"),
    # --- citizen: my documents
    path("warga/dokumen/", views.my_documents, name="mine"),
    path("warga/dokumen/<uuid:public_id>/", views.document_detail, name="detail"),
    path("warga/dokumen/<uuid:public_id>/unduh/", views.document_download, name="download"),
    # --- staff: revoking. Under /staf/: StaffMFARequiredMiddleware applies.
    path("staf/dokumen/<uuid:public_id>/cabut/", views.revoke, name="revoke"),
]
