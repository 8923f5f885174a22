from celery import shared_task

from korlantas import health


@shared_task(name="korlantas.tasks.record_worker_heartbeat", ignore_result=True)
def record_worker_heartbeat() -> None:
    """Beat runs this every minute; /healthz reports how long ago a worker last did."""
    health.record_heartbeat()
