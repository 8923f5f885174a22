"""Thin tasks on the ``notifications`` queue (CELERY_TASK_ROUTES): load ids, call a service.

``send_message`` is retried with exponential backoff (and jitter) while the row says another
attempt is due; the row, not Celery, decides when it has failed for good
(``services.MAX_ATTEMPTS``), so a task the relay enqueued again continues the same count.
Tasks run eagerly in tests (CELERY_TASK_ALWAYS_EAGER): a retry then runs at once, with no delay.
"""

from __future__ import annotations

from celery import shared_task

from notifications import services

# Delays between attempts: 30 s, 60 s, 120 s, … capped at 5 minutes (below services.STUCK_AFTER,
# so the relay never takes a row whose retry is merely waiting).
RETRY_BACKOFF_SECONDS = 30
RETRY_BACKOFF_MAX_SECONDS = 300


@shared_task(
    name="notifications.tasks.send_message",
    autoretry_for=(services.DeliveryDeferred,),
    retry_backoff=RETRY_BACKOFF_SECONDS,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    # Never lower than the row's own limit: Celery must not give up before the row does.
    max_retries=services.MAX_ATTEMPTS,
)
def send_message(message_id: int) -> str:
    return services.message_deliver(message_id=message_id)


@shared_task(name="notifications.tasks.relay_stuck_messages")
def relay_stuck_messages() -> int:
    """Beat runs this every few minutes: rows a lost broker message left queued go out again."""
    return services.messages_relay_stuck()
