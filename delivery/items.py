"""What travels for each service (issue 9, point 1): the services declare it from their apps'
``ready()`` (licensing and vehicles stand on delivery), delivery only reads it.

``register_items("sim_new", lambda application: (Item.SIM_CARD,))``. A service that declares
nothing ships nothing: its application completes at once on ``issue`` whatever the delivery
choice (as a digital-only one does).
"""

from __future__ import annotations

from collections.abc import Callable

from applications.models import Application

ItemsOf = Callable[[Application], tuple[str, ...]]

_items: dict[str, ItemsOf] = {}


def register_items(service_code: str, items_of: ItemsOf) -> None:
    existing = _items.get(service_code)
    if existing is not None and existing is not items_of:
        raise ValueError(f"the items of {service_code!r} are already declared")
    _items[service_code] = items_of


def unregister_items(service_code: str) -> None:
    """For tests that declare a throwaway service."""
    _items.pop(service_code, None)


def items_for(application: Application) -> tuple[str, ...]:
    items_of = _items.get(application.service_code)
    return tuple(dict.fromkeys(items_of(application))) if items_of is not None else ()


def services_with_items() -> list[str]:
    return sorted(_items)
