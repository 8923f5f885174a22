"""Thin beat tasks of the delivery app; idempotent (a second run finds the work done)."""

from __future__ import annotations

from celery import shared_task

from delivery import reminders


@shared_task(name="delivery.tasks.remind_unconfirmed_addresses")
def remind_unconfirmed_addresses() -> dict[str, int]:
    result = reminders.shipments_remind()
    return {"reminded": result.reminded, "switched": result.switched, "notices": result.notices}
