"""URLs of ``vehicles.views_physical_checks`` (included into the ``vehicles`` namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
