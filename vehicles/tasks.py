"""Thin beat tasks of the vehicles app; idempotent (a second run finds the work done)."""

from __future__ import annotations

from celery import shared_task

from vehicles import deletion, reminders


@shared_task(name="vehicles.tasks.remind_endorsements")
def remind_endorsements() -> int:
    return reminders.endorsements_remind()


@shared_task(name="vehicles.tasks.send_deletion_warnings")
def send_deletion_warnings() -> int:
    return deletion.deletion_warnings_send()
