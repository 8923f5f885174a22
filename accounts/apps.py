from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts import demo, receivers, roles  # noqa: F401 - receivers connect on import
        from korlantas.lib import navigation, seeding

        navigation.register(
            navigation.NavItem("accounts:citizen_home", _("My account"), roles.is_citizen, order=10)
        )
        navigation.register(
            navigation.NavItem(
                "accounts:staff_home",
                _("Office dashboard"),
                lambda user: bool(roles.roles_of(user) & roles.OFFICE_ROLES),
                order=20,
            )
        )
        seeding.register("demo accounts", demo.seed_demo_accounts, order=100, demo=True)
