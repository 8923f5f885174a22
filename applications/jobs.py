"""The scheduled time limits of the application lifecycle (issue 4 point 10).

Beat runs these through ``applications.tasks``. Each job picks its candidates with one
query, then takes the workflow action on every candidate through
``application_transition`` (the only writer of a status), one application per transaction:

* ``applications_expire_unpaid``: ``pending_payment`` past its service's payment window
  (``ServiceDefinition.payment_window_days`` after ``submitted_at``) → ``expire``.
* ``applications_lapse_revisions``: ``revision_requested`` past the open revision request's
  deadline (``guards.REVISION_DEADLINE``, 14 days after the request) → ``lapse_revision``.

The transition's own guards have the last word (``payment_window_over`` for ``expire``, the
service's ``revision_deadline_passed`` for ``lapse_revision``): a refused candidate is
logged by the transition and skipped. An application another transaction is holding (a
payment callback, a citizen resubmitting) is skipped too, not waited for: the other
transaction decides, and if the application is still a candidate the next run takes it.
So both jobs are idempotent and safe to run concurrently with anything.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q

from applications.models import Application
from applications.registry import all_services
from applications.services import StaleApplication, TransitionRefused, application_transition
from korlantas.lib import clock

logger = logging.getLogger("korlantas.applications")


def applications_expire_unpaid(now: dt.datetime | None = None) -> int:
    """Expire every application whose payment window is over; returns how many were expired."""
    now = now if now is not None else clock.now()
    windows = Q()
    for service in all_services():
        windows |= Q(
            service_code=service.code,
            submitted_at__lte=now - dt.timedelta(days=service.payment_window_days),
        )
    if not windows:
        return 0
    candidates = list(
        Application.objects.filter(windows, status="pending_payment")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return _act_on_each(candidates, action="expire", status="pending_payment")


def applications_lapse_revisions(now: dt.datetime | None = None) -> int:
    """Reject every revision request left unanswered past its deadline; returns how many lapsed."""
    now = now if now is not None else clock.now()
    candidates = list(
        Application.objects.filter(
            status="revision_requested",
            service_code__in=[s.code for s in all_services()],
            revision_requests__resolved_at__isnull=True,
            revision_requests__deadline__lte=now,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    return _act_on_each(candidates, action="lapse_revision", status="revision_requested")


def _act_on_each(application_ids: list[int], *, action: str, status: str) -> int:
    changed = 0
    for application_id in application_ids:
        try:
            with transaction.atomic(durable=True):
                # Lock it here without waiting: held elsewhere (or no longer in ``status``),
                # it is left to whoever holds it; the transition below re-reads it locked.
                free = list(
                    Application.objects.select_for_update(of=("self",), skip_locked=True)
                    .filter(pk=application_id, status=status)
                    .values_list("pk", flat=True)
                )
                if not free:
                    logger.info(
                        "application %s: %s skipped (held or already changed)", application_id, action
                    )
                    continue
                application_transition(application_id=application_id, action=action, actor=None)
        except (TransitionRefused, StaleApplication):
            continue  # logged by the transition, with its reason
        changed += 1
    if application_ids:
        logger.info("%s: %d of %d candidates changed", action, changed, len(application_ids))
    return changed
