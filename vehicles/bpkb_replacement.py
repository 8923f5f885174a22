"""BPKB replacement, lost or damaged (service ``bpkb_replacement``; issue 8, point 6)."""

from __future__ import annotations


def register() -> None:
    """Called once from VehiclesConfig.ready()."""
