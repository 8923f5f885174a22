"""Thin beat tasks of the vehicles app; idempotent (a second run finds the work done)."""

from __future__ import annotations

from celery import shared_task

from vehicles import reminders


@shared_task(name="vehicles.tasks.remind_endorsements")
def remind_endorsements() -> int:
    return reminders.endorsements_remind()
