"""The privacy app's Celery tasks: thin, ids only, idempotent."""

from __future__ import annotations

from celery import shared_task

from privacy import retention, services


@shared_task
def process_erasure(request_id: int) -> bool:
    """Carry out one erasure request (enqueued on commit of the request)."""
    return services.erasure_process(request_id=request_id)


@shared_task
def apply_retention() -> dict[str, int]:
    """Hourly: carry out pending erasures, then delete what is past its retention period."""
    counts = {"erasures": services.process_pending_erasures()}
    counts.update(retention.apply_retention_rules())
    return counts
