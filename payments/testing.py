"""For tests only: put the seeded fee schedule back after a test flushed the tables."""

from __future__ import annotations

import importlib

from django.apps import apps as global_apps

from payments.models import FeeSchedule

_seed = importlib.import_module("payments.migrations.0002_seed_pp_76_2020")


def ensure_seed_schedule() -> None:
    if not FeeSchedule.objects.filter(effective_from=_seed.FROM).exists():
        _seed.seed(global_apps, None)
