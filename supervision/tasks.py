"""Supervision's periodic jobs: thin wrappers around the services, ids only, idempotent."""

from __future__ import annotations

from celery import shared_task

from supervision import escalation, snapshot


@shared_task
def refresh_office_stats() -> int:
    """Recompute the public performance figures of every office and service."""
    return snapshot.refresh_office_stats()


@shared_task
def send_overdue_digests() -> int:
    """Send each office's supervisors one message a day listing its past-due applications."""
    return escalation.send_overdue_digests()
