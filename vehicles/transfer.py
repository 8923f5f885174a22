"""BPKB transfer of ownership: transfer codes and the service ``bpkb_transfer`` (issue 8, point 5)."""

from __future__ import annotations


def register() -> None:
    """Called once from VehiclesConfig.ready()."""
