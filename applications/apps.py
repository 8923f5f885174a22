from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from applications import appointments, events

        # Actions that end an application awaiting an appointment free its booked seat.
        for action in ("cancel", "lapse_appointment"):
            events.listen(action, appointments.release_booking_when_application_ends, phase="in_transaction")
