"""URLs of the delivery citizen pages (included into the ``delivery`` namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
