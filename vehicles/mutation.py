"""Move to another region, mutasi (service ``vehicle_mutation``; issue 8, point 7)."""

from __future__ import annotations


def register() -> None:
    """Called once from VehiclesConfig.ready()."""
