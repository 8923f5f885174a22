from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KorlantasConfig(AppConfig):
    """The project package as an app: its management commands, tasks and templates."""

    name = "korlantas"
    verbose_name = _("Korlantas Digital")

    def ready(self) -> None:
        from korlantas import middleware  # noqa: F401 - connects the login signal
        from korlantas.lib import navigation

        navigation.register(
            navigation.NavItem(url_name="home", label=_("Home"), visible=navigation.everyone, order=0)
        )
