"""STNK 5-year renewal (service ``stnk_renewal``; issue 8, point 4)."""

from __future__ import annotations


def register() -> None:
    """Called once from VehiclesConfig.ready()."""
