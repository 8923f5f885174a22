"""Supervision and transparency: office dashboards, queue estimates, escalation, fraud signals,
second checks, the audit viewer for supervisors and the public performance page.

Stands on the core (``applications``) and reads what ``payments`` and ``delivery`` record;
nothing below it imports it. It listens to the lifecycle through ``applications.events``.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from supervision import escalation, eta, second_checks, seeding, signals

        seeding.register()
        eta.register()
        escalation.register()
        signals.register()
        second_checks.register()
