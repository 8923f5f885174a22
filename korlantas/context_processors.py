"""What every page's chrome (``base.html`` and its header) reads from the context.

Nothing here runs a query or reverses a URL until a template asks: a page that does not show
the header (an htmx fragment, the 429 page) pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise

from korlantas.lib import navigation

# Reversed header URLs per (urlconf, script prefix, name): names without arguments, so the
# answer is the same for every request of a process (there are no language-prefixed URLs).
_nav_urls: dict[tuple[Any, str, str], str] = {}


def nav_url(url_name: str) -> str:
    key = (get_urlconf(), get_script_prefix(), url_name)
    url = _nav_urls.get(key)
    if url is None:
        url = _nav_urls[key] = reverse(url_name)
    return url


@dataclass(frozen=True)
class NavLink:
    url: str
    label: Promise
    current: bool  # the page being shown: marked active, with aria-current="page"


class NavLinks:
    """The header's links for this request, worked out the first time a template reads them."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def _links(self) -> list[NavLink]:
        path = self._request.path
        links = []
        for item in navigation.items_for(getattr(self._request, "user", None)):
            url = nav_url(item.url_name)
            links.append(NavLink(url=url, label=item.label, current=url == path))
        return links

    def __iter__(self) -> Iterator[NavLink]:
        return iter(self._links)

    def __len__(self) -> int:
        return len(self._links)

    def __bool__(self) -> bool:
        return bool(self._links)


def portal(request: HttpRequest) -> dict[str, Any]:
    return {"nav_items": NavLinks(request)}
