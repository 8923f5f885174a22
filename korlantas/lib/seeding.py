"""Reference and demo data, loaded idempotently by ``manage.py seed``.

Each app registers its seeders in ``AppConfig.ready()``; a seeder must be safe to run any
number of times (update_or_create on natural keys), and returns lines to print (for demo
accounts: how to sign in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Seeder:
    name: str
    run: Callable[[], Iterable[str]]
    order: int
    demo: bool  # demo data (accounts, sample records) rather than reference data


_seeders: dict[str, Seeder] = {}


def register(name: str, run: Callable[[], Iterable[str]], *, order: int, demo: bool = False) -> None:
    if name in _seeders:
        raise ValueError(f"seeder {name!r} registered twice")
    _seeders[name] = Seeder(name=name, run=run, order=order, demo=demo)


def seeders(*, include_demo: bool) -> list[Seeder]:
    chosen = [s for s in _seeders.values() if include_demo or not s.demo]
    return sorted(chosen, key=lambda s: (s.order, s.name))
