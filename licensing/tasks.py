"""Thin beat tasks of the licensing app; both are idempotent (a second run finds the work done)."""

from __future__ import annotations

from celery import shared_task

from licensing import reminders, services


@shared_task(name="licensing.tasks.remind_expiring_licences")
def remind_expiring_licences() -> int:
    return reminders.licences_remind()


@shared_task(name="licensing.tasks.mark_expired_licences")
def mark_expired_licences() -> int:
    return services.licences_mark_expired()
