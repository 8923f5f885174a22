"""Office pages: print and pack, dispatch (issue 9, points 2 and 4).

``register()`` declares the two delivery document kinds (``delivery.labels``) and the office
roles' navigation entries. Pages: ``delivery.views_office``; services: ``delivery.labels``
(``shipment_pack``) and ``delivery.dispatch``; reads: ``delivery.selectors_office``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts import roles


def _office_staff(user: Any) -> bool:
    return bool(roles.roles_of(user) & roles.OFFICE_ROLES)


def _dispatchers(user: Any) -> bool:
    return bool(roles.roles_of(user) & {roles.DISPATCHER, roles.SUPERVISOR})


def register() -> None:
    """Called once from DeliveryConfig.ready()."""
    from delivery import labels
    from korlantas.lib import navigation

    labels.register()
    navigation.register(
        navigation.NavItem("delivery:office_print_pack", _("Print and pack"), _office_staff, order=30)
    )
    navigation.register(navigation.NavItem("delivery:office_dispatch", _("Dispatch"), _dispatchers, order=31))
