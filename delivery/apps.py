"""Shipments of issued items: print and pack, dispatch, couriers, proof of delivery, collection."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("Delivery")

    def ready(self) -> None:
        from delivery import citizen, courier, office, services

        services.register()
        office.register()
        courier.register()
        citizen.register()
