"""The Celery application. Configuration lives in settings (CELERY_* names)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "korlantas.settings")

app = Celery("korlantas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
