"""The privacy app's URLs, included from korlantas/urls.py. Citizens' pages under /warga/."""

from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("warga/data-saya/", views.my_data, name="my_data"),
    path("warga/data-saya/unduh/", views.export_download, name="export"),
    path("warga/data-saya/hapus-akun/", views.erasure, name="erasure"),
]
