"""Office pages: print and pack, dispatch (issue 9, points 2 and 4)."""

from __future__ import annotations


def register() -> None:
    """Called once from DeliveryConfig.ready()."""
