"""The e-BPKB: document kind ``bpkb`` with the ownership history (transfer, replacement, move)."""

from __future__ import annotations


def register() -> None:
    """Called once from VehiclesConfig.ready()."""
