"""The header navigation, filled per role by the apps that own the pages.

An app registers its entries in its ``AppConfig.ready()``; each entry says who sees it.
The context processor asks once per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    visible: Callable[[Any], bool]
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    if any(existing.url_name == item.url_name for existing in _items):
        raise ValueError(f"navigation entry {item.url_name!r} registered twice")
    _items.append(item)
    _items.sort(key=lambda entry: entry.order)


def items_for(user: Any) -> list[NavItem]:
    return [item for item in _items if item.visible(user)]


def everyone(user: Any) -> bool:
    return True
