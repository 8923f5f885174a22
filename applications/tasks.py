"""Beat's periodic jobs of the application lifecycle; the work is in ``applications.jobs``."""

from __future__ import annotations

from celery import shared_task

from applications.jobs import applications_expire_unpaid, applications_lapse_revisions


@shared_task(name="applications.tasks.expire_unpaid_applications")
def expire_unpaid_applications() -> int:
    """Expire the applications whose payment window is over; returns how many."""
    return applications_expire_unpaid()


@shared_task(name="applications.tasks.lapse_unanswered_revisions")
def lapse_unanswered_revisions() -> int:
    """Reject the revision requests unanswered for 14 days; returns how many."""
    return applications_lapse_revisions()


@shared_task(name="applications.tasks.lapse_unbooked_appointments")
def lapse_unbooked_appointments() -> int:
    """Lapse applications left without a booking for 30 days; returns how many."""
    from applications.appointments import applications_lapse_unbooked

    return applications_lapse_unbooked()
