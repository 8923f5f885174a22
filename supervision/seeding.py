"""After ``manage.py seed``: the public performance figures are computed once by a worker, so
``/kinerja/`` shows figures from the start instead of after the first 15-minute beat tick."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import transaction

from korlantas.lib import seeding


def _refresh_figures_soon() -> Iterator[str]:
    from supervision import tasks

    # The seeder runs in the seed command's transaction; the refresh runs in its own, on a
    # worker, once this one commits (a durable transaction cannot nest).
    transaction.on_commit(tasks.refresh_office_stats.delay, robust=True)
    yield "public performance figures: a refresh is queued for the worker"


def register() -> None:
    seeding.register("supervision figures", _refresh_figures_soon, order=900)
