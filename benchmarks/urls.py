"""The portal's URLs plus the floor view (``/bench/floor/``); used only by benchmarks.settings."""

from django.urls import path

from benchmarks import views
from korlantas import urls as portal_urls

urlpatterns = [path("bench/floor/", views.floor, name="bench_floor"), *portal_urls.urlpatterns]

handler400 = portal_urls.handler400
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500
