from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from korlantas.lib import navigation


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_items": navigation.items_for(user)}
