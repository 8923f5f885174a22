"""URLs of ``vehicles.views_transfer``, included by ``vehicles/urls.py`` into the ``vehicles`` namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
