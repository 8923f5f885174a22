"""The e-STNK: document kind ``stnk`` (issued by the renewal, the transfer and the move)."""

from __future__ import annotations


def register() -> None:
    """Called once from VehiclesConfig.ready()."""
