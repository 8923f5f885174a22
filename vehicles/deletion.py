"""Registration deletion warnings and the officer's decision (Perpol 7/2021; issue 8, point 8)."""

from __future__ import annotations


def register() -> None:
    """Called once from VehiclesConfig.ready()."""
