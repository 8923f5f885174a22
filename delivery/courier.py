"""The courier's phone pages and proof of delivery (issue 9, points 5 and 6).

``register()`` wires the ``deliver`` step's guards and effect, the ``go_out`` listener that
sends each attempt's delivery code (``delivery.handover``), the ``delivery_code`` message and
the courier's navigation entry. The pages are in ``delivery.views_courier``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _


def delivery_code_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    """The ``delivery_code`` message: which item is on its way, how long the code is valid.
    The code itself comes from ``code_for`` when the message is sent."""
    from delivery.models import Shipment

    shipment = Shipment.objects.only("item").get(pk=ids["shipment_id"])
    return {"item": shipment.get_item_display(), "valid_hours": ids.get("valid_hours")}


def register() -> None:
    """Called once from DeliveryConfig.ready()."""
    from accounts import roles
    from delivery import handover, services
    from korlantas.lib import navigation
    from notifications import catalogue
    from notifications.models import Message

    services.register_guard("delivery_code_valid", handover.delivery_code_valid)
    services.register_guard("recipient_recorded", handover.recipient_recorded)
    services.register_effect("deliver", handover.record_handover)
    services.listen("go_out", handover.send_code_when_out)
    catalogue.register(
        handover.TEMPLATE_KEY,
        delivery_code_context,
        critical=True,
        # Never the inbox: its text is stored, and a code must not be.
        channels=(Message.Channel.EMAIL, Message.Channel.SMS),
        description="the recipient's one-time delivery code (context: shipment_id, valid_hours, code_for)",
    )

    def is_courier(user: object) -> bool:
        return roles.COURIER in roles.roles_of(user)

    navigation.register(navigation.NavItem("delivery:courier_run", _("Today's run"), is_courier, order=41))
