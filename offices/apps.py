"""Regions (Polda, Polres), offices (Satpas, Samsat, BPKB unit), holidays and appointment slots."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    name = "offices"
    verbose_name = _("Offices and regions")

    def ready(self) -> None:
        from korlantas.lib import clock, seeding
        from offices import services

        def holidays_this_and_next_year() -> list[str]:
            year = clock.today().year
            return services.holidays_load(years=(year, year + 1))

        # Reference data (not demo): regions first, offices need their cities.
        seeding.register("offices.regions", services.reference_regions_load, order=10)
        seeding.register("offices.offices", services.reference_offices_load, order=20)
        seeding.register("offices.holidays", holidays_this_and_next_year, order=30)
