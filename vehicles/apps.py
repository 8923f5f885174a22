"""Vehicle registry, STNK endorsement and renewal, BPKB transfer and replacement, mutasi."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VehiclesConfig(AppConfig):
    name = "vehicles"
    verbose_name = _("Vehicles (STNK, BPKB)")

    def ready(self) -> None:
        from accounts import roles
        from korlantas.lib import navigation, seeding
        from vehicles import (
            bpkb_replacement,
            deletion,
            demo,
            endorsement,
            mutation,
            reminders,
            renewal,
            services,
            services_registry,
            shipping,
            transfer,
        )

        navigation.register(navigation.NavItem("vehicles:mine", _("My vehicles"), roles.is_citizen, order=14))
        navigation.register(
            navigation.NavItem(
                "vehicles:import",
                _("Vehicle import"),
                lambda user: bool(roles.roles_of(user) & {roles.OFFICER, roles.SUPERVISOR}),
                order=24,
            )
        )
        navigation.register(
            navigation.NavItem(
                "vehicles:deletion_cases",
                _("Registration deletions"),
                lambda user: bool(roles.roles_of(user) & {roles.OFFICER, roles.SUPERVISOR}),
                order=25,
            )
        )
        # Reference data (the data migration loads it too; a flushed test database gets it back).
        seeding.register("vehicles.region_codes", services.region_codes_load, order=40)
        seeding.register("vehicles.tax_reference", endorsement.tax_reference_load, order=45)
        services_registry.register()
        renewal.register()
        transfer.register()
        bpkb_replacement.register()
        mutation.register()
        deletion.register()
        shipping.register()
        reminders.register()
        # After the demo accounts (order 100): the vehicles are theirs by NIK.
        seeding.register("demo vehicles", demo.seed_demo_vehicles, order=120, demo=True)
