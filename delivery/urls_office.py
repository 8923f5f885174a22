"""URLs of the delivery office pages (included into the ``delivery`` namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
