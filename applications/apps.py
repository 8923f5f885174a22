from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from accounts import roles
        from applications import appointments, events
        from korlantas.lib import navigation

        def reviews(user: object) -> bool:
            return bool(roles.roles_of(user) & {roles.OFFICER, roles.SUPERVISOR})

        navigation.register(
            navigation.NavItem("applications:mine", _("My applications"), roles.is_citizen, order=11)
        )
        navigation.register(navigation.NavItem("applications:queue", _("Review queue"), reviews, order=21))
        navigation.register(
            navigation.NavItem("applications:slots", _("Appointment slots"), reviews, order=22)
        )

        # Actions that end an application awaiting an appointment free its booked seat.
        for action in ("cancel", "lapse_appointment"):
            events.listen(action, appointments.release_booking_when_application_ends, phase="in_transaction")
