"""What travels when a vehicle service issues (issue 9, delivery): declared to ``delivery.items``.

The annual endorsement is digital only (its printed proof by post is not built) and ships nothing.
"""

from __future__ import annotations

from applications.models import Application
from delivery.items import register_items


def _stnk_and_plates(application: Application) -> tuple[str, ...]:
    return ("stnk", "plates")


def _stnk_and_bpkb(application: Application) -> tuple[str, ...]:
    return ("stnk", "bpkb")


def _bpkb(application: Application) -> tuple[str, ...]:
    return ("bpkb",)


def register() -> None:
    """Called once from VehiclesConfig.ready()."""
    register_items("stnk_renewal", _stnk_and_plates)
    register_items("bpkb_transfer", _stnk_and_bpkb)
    register_items("bpkb_replacement", _bpkb)
    register_items("vehicle_mutation", _stnk_and_plates)
