"""Delivery's URLs. Included from korlantas/urls.py with ``path("", include("delivery.urls"))``.

Office pages under ``/staf/pengiriman/``, the courier's under ``/kurir/`` (both staff areas: MFA
applies), the citizen's under ``/warga/pengiriman/``, public tracking under ``/lacak/``."""

from django.urls import include, path

app_name = "delivery"

urlpatterns = [
    path("", include("delivery.urls_office")),
    path("", include("delivery.urls_courier")),
    path("", include("delivery.urls_citizen")),
]
