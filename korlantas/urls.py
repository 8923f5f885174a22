"""Root URLs. Every view needs a signed-in user unless it is marked public with
``login_not_required``; tests/test_public_urls.py holds the allow-list of public URLs."""

from django.contrib import admin
from django.urls import include, path

from korlantas import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("akun/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "korlantas.errors.bad_request"
handler403 = "korlantas.errors.permission_denied"
handler404 = "korlantas.errors.page_not_found"
handler500 = "korlantas.errors.server_error"
