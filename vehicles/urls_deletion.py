"""URLs of ``vehicles.views_deletion``, included by ``vehicles/urls.py`` into the ``vehicles`` namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
