from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = _("Driving licences (SIM)")

    def ready(self) -> None:
        from licensing import card, exam_citizen, exams, reminders, rules, services_registry

        rules.register()
        exams.register()
        exam_citizen.register()
        card.register()
        services_registry.register()
        reminders.register()
