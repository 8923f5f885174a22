"""Escalation of past-due applications (issue 10, point 3).

* In the officers' queue (``applications.views.queue``) a row due within one working day is
  marked "due soon"; a row past its due date "overdue".
* ``send_overdue_digests`` (Celery beat, hourly): on a working day, from 07:00 Jakarta, each
  office with applications in the queue's states (``applications.selectors.QUEUE_STATES``)
  whose due date is before today gets one ``EscalationDigest`` row per Jakarta day, and its
  supervisors — the office's own and the Polda-level ones of its Polda — one
  ``overdue_digest`` message each. The row is taken with ``get_or_create`` in its own
  transaction under the unique (office, day) constraint, so a second run, or two workers at
  once, send one digest.

The message carries ids only (``office_id``, ``day``); its builder loads the list when it is
sent: reference, service, due date and working days overdue, at most ``DIGEST_LIMIT`` rows and
"and N more", with a link to the queue filtered on past-due applications.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.functional import Promise

from applications.models import Application
from applications.registry import UnknownService, get_service
from applications.selectors import QUEUE_STATES
from korlantas.lib import clock
from notifications import catalogue
from notifications.models import Message
from notifications.services import notify
from offices.models import Holiday, Office
from offices.workdays import is_working_day, working_days_between_given
from supervision.models import EscalationDigest
from supervision.scope import supervisor_ids_of

logger = logging.getLogger("korlantas.supervision")

DIGEST_KEY = "overdue_digest"
DIGEST_LIMIT = 50
# The digest goes out at the first hourly run from this hour (Jakarta).
SEND_FROM = dt.time(7, 0)


def overdue_applications(*, office_id: int, day: dt.date) -> QuerySet[Application]:
    """The office's applications in the queue's states whose due date is before ``day``,
    the most overdue first (the order of the queue)."""
    return Application.objects.filter(
        handling_office_id=office_id, status__in=QUEUE_STATES, due_date__lt=day
    ).order_by("due_date", "created_at", "pk")


def send_overdue_digests() -> int:
    """One digest per office with past-due applications, once a Jakarta working day, from 07:00.
    Returns the number of digests created by this run."""
    local = clock.now().astimezone(clock.JAKARTA)
    today = local.date()
    if local.time() < SEND_FROM or not is_working_day(today):
        return 0
    already = EscalationDigest.objects.filter(office_id=OuterRef("handling_office_id"), day=today)
    counts = (
        Application.objects.filter(status__in=QUEUE_STATES, due_date__lt=today, handling_office__isnull=False)
        .exclude(Exists(already))
        .values("handling_office_id")
        .annotate(count=Count("pk"))
        .order_by("handling_office_id")
    )
    created = 0
    for row in counts:
        if _send_digest(office_id=row["handling_office_id"], day=today, count=row["count"]):
            created += 1
    return created


def _send_digest(*, office_id: int, day: dt.date, count: int) -> bool:
    with transaction.atomic():
        digest, created = EscalationDigest.objects.get_or_create(
            office_id=office_id, day=day, defaults={"application_count": count, "sent_at": clock.now()}
        )
        if not created:
            return False
        office = Office.objects.get(pk=office_id)
        recipients = supervisor_ids_of(office_id=office.pk, polda_id=office.polda_id)
        for user_id in recipients:
            notify(
                recipient=user_id,
                template_key=DIGEST_KEY,
                context_ids={"office_id": office_id, "day": day.isoformat()},
            )
    logger.info(
        "overdue digest %s: office %s, %s applications, %s recipients",
        digest.pk,
        office_id,
        count,
        len(recipients),
    )
    return True


# --- the message ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRow:
    reference: str
    service_name: str | Promise
    due_date: dt.date
    working_days_overdue: int


def _service_name(service_code: str) -> str | Promise:
    try:
        return get_service(service_code).name
    except UnknownService:
        return service_code


def digest_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    """The digest's templates' context, loaded when it is sent: three queries (four with more
    than ``DIGEST_LIMIT`` rows to count)."""
    office = Office.objects.get(pk=ids["office_id"])
    day = dt.date.fromisoformat(str(ids["day"]))
    overdue = overdue_applications(office_id=office.pk, day=day)
    listed = list(overdue.only("reference", "service_code", "due_date")[: DIGEST_LIMIT + 1])
    total = len(listed) if len(listed) <= DIGEST_LIMIT else overdue.count()
    listed = listed[:DIGEST_LIMIT]
    earliest = min((application.due_date for application in listed if application.due_date), default=day)
    holidays = set(Holiday.objects.filter(date__gt=earliest, date__lte=day).values_list("date", flat=True))
    rows = [
        DigestRow(
            reference=application.reference,
            service_name=_service_name(application.service_code),
            due_date=application.due_date,
            working_days_overdue=working_days_between_given(application.due_date, day, holidays),
        )
        for application in listed
        if application.due_date is not None
    ]
    link = f"{reverse('applications:queue')}?overdue=on"
    return {
        "office": office,
        "day": day,
        "rows": rows,
        "total": total,
        "more": total - len(rows),
        "link": link,
        "url": catalogue.absolute(link),
    }


def register() -> None:
    """Hook this module into the lifecycle (called from SupervisionConfig.ready)."""
    if DIGEST_KEY not in catalogue.registered_keys():
        # By e-mail: staff have no inbox in the portal (the in-app inbox is the citizens').
        catalogue.register(
            DIGEST_KEY,
            digest_context,
            channels=[Message.Channel.EMAIL],
            description="supervisors: the office's past-due applications, once a working day",
        )
