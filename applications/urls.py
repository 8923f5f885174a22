"""Applications' URLs. Included from korlantas/urls.py with ``path("", include("applications.urls"))``."""

from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    path("berkas/<uuid:public_id>/", views.attachment_download, name="attachment_download"),
]
