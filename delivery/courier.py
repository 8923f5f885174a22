"""The courier's phone pages and proof of delivery (issue 9, points 5 and 6)."""

from __future__ import annotations


def register() -> None:
    """Called once from DeliveryConfig.ready()."""
