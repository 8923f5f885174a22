"""The citizen's side: address, reschedule, collection, returns, tracking (issue 9, points 3, 7–9)."""

from __future__ import annotations


def register() -> None:
    """Called once from DeliveryConfig.ready()."""
