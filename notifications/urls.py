"""Notifications' URLs. Included from korlantas/urls.py with ``path("", include("notifications.urls"))``."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("warga/kotak-masuk/", views.inbox, name="inbox"),
    # The message is named in the POST body, so no message id appears in a URL.
    path("warga/kotak-masuk/dibaca/", views.mark_read, name="mark_read"),
    path("warga/notifikasi/", views.preferences, name="preferences"),
]
