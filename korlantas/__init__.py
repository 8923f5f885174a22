"""Korlantas Digital project package: settings, URLs, Celery app and shared code (lib/)."""

from korlantas.celery import app as celery_app

__all__ = ["celery_app"]
