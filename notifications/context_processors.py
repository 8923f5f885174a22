"""The inbox link in the header, with the number of unread messages (citizens only).

The count is asked for only when a template shows it: one query per page for a citizen,
none for staff or visitors.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import cached_property

from accounts import roles
from notifications import selectors


class InboxBadge:
    def __init__(self, user: Any) -> None:
        self._user = user

    @cached_property
    def unread(self) -> int:
        return selectors.unread_count(self._user)


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not roles.is_citizen(user):
        return {}
    return {"notifications_inbox": InboxBadge(user)}
