"""Root URLs. Every view needs a signed-in user unless it is marked public with
``login_not_required``; tests/korlantas/test_public_urls.py holds the allow-list of public URLs."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from korlantas import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("akun/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("applications.urls")),
    path("", include("documents.urls")),
    path("", include("notifications.urls")),
    path("", include("payments.urls")),
    path("", include("licensing.urls")),
    path("", include("vehicles.urls")),
    path("", include("delivery.urls")),
    path("", include("supervision.urls")),
    path("", include("privacy.urls")),
    # The admin signs in through allauth, where rate limits and the second factor apply.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="account_login", query_string=True)),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
]

handler400 = "korlantas.errors.bad_request"
handler403 = "korlantas.errors.permission_denied"
handler404 = "korlantas.errors.page_not_found"
handler500 = "korlantas.errors.server_error"
