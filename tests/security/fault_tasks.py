"""The worker side of tests/security/test_faults_sigkill.py — never imported by the test process.

``celery -A tests.security.fault_tasks worker …`` loads the project's Celery app with the test
settings (acks_late, reject_on_worker_lost, prefetch 1: nothing is changed there) and only two
things a test needs on top:

* the database of the running test session (``KORLANTAS_FAULT_DATABASE``): the worker records
  what it does where the test can look;
* a visibility timeout of a few seconds (``KORLANTAS_FAULT_VISIBILITY_TIMEOUT``) and an unacked
  sweep every second, so a message a dead worker held comes back within the test's time rather
  than after the production two hours.

``slow_effect`` marks each start in ``fault_task_starts``, sleeps, then writes its one effect
idempotently (a unique key in ``fault_task_effects``) and counts the runs that reached the end.
The test creates and drops both tables.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from django.conf import settings

if os.environ.get("KORLANTAS_FAULT_DATABASE"):
    settings.DATABASES["default"]["NAME"] = os.environ["KORLANTAS_FAULT_DATABASE"]

from korlantas.celery import app

# Only in the worker the test starts (it sets the variable): imported anywhere else, this module
# leaves the shared app's configuration alone.
if os.environ.get("KORLANTAS_FAULT_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": int(os.environ["KORLANTAS_FAULT_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

TASK_NAME = "tests.security.fault_tasks.slow_effect"


@app.task(name=TASK_NAME)
def slow_effect(key: str, seconds: float) -> str:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO fault_task_starts (key, pid) VALUES (%s, %s)", [key, os.getpid()])
    time.sleep(seconds)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO fault_task_effects (key, completions) VALUES (%s, 1) "
            "ON CONFLICT (key) DO UPDATE SET completions = fault_task_effects.completions + 1",
            [key],
        )
    return key
