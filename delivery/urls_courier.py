"""URLs of the delivery courier pages (included into the ``delivery`` namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
