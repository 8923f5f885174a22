from __future__ import annotations

from collections.abc import Callable

import pytest

from korlantas.lib import seeding

OFFICES_SEEDERS = ("offices.regions", "offices.offices", "offices.holidays")


def run_offices_seeders(*names: str) -> dict[str, list[str]]:
    """Run this app's registered seeders (all, or those named) in their registered order."""
    wanted = set(names or OFFICES_SEEDERS)
    return {s.name: list(s.run()) for s in seeding.seeders(include_demo=False) if s.name in wanted}


@pytest.fixture
def seed_offices(db: None) -> Callable[..., dict[str, list[str]]]:
    return run_offices_seeders


@pytest.fixture
def reference_offices(db: None) -> None:
    """Regions and offices loaded (no holidays)."""
    run_offices_seeders("offices.regions", "offices.offices")
