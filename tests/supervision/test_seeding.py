"""``manage.py seed`` queues one refresh of the public figures, run when the seed commits."""

from __future__ import annotations

from typing import Any

import pytest

from korlantas.lib import seeding
from supervision import tasks

pytestmark = pytest.mark.django_db


def test_the_seeder_queues_one_refresh_on_commit(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.refresh_office_stats, "delay", lambda *args: queued.append(args))
    (seeder,) = [s for s in seeding.seeders(include_demo=False) if s.name == "supervision figures"]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lines = list(seeder.run())

    assert queued == []  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [()]
    assert lines == ["public performance figures: a refresh is queued for the worker"]
