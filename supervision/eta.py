"""Honest queue position and estimated decision date (issue 10, point 2).

The method, in one sentence (``METHOD``, shown to the citizen): the estimate comes from how many
applications of the same service are ahead of yours at the handling office and how many of
them the office decided per working day over the last 20 working days.

* **Position** — 1 + the applications of the same office and service that are still waiting
  for the office (``queued`` or ``in_review``) and come before it in the queue's order (due date,
  then creation time, then id; no due date last — ``applications.selectors._for_queue_rows``).
  ``revision_requested`` and ``awaiting_appointment`` do not count: they wait for the citizen
  (a correction, a booking), not for the office, and rejoin the queue at their own due date.
* **Rate** — the office's decisions (approve or reject by an officer: ``decided_by`` set, so
  approvals on payment are left out) of that service whose Jakarta date falls within the
  20 working days before today (``offices.workdays``), divided by 20.
* **Date** — ``add_working_days(today, ceil(position / rate))``: never today or earlier. With no
  decision in the window there is no date: the page says so instead of guessing.

The estimate given when an application joins a queue (``pay``; replaced on ``forward`` by the
next office's) is kept in ``QueueEstimate``; ``accuracy_for`` compares it with the decisions of
the last 30 days in one query (the working-day distance is counted in SQL).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction
from django.db.models import Avg, Count, Expression, F, IntegerField, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from applications import events
from applications.models import Application
from korlantas.lib import clock
from offices.models import Holiday
from offices.workdays import add_working_days
from supervision.models import QueueEstimate

logger = logging.getLogger("korlantas.supervision")

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

    from accounts.models import User

# The applications an office is working on: those a position counts.
WAITING_STATES = ("queued", "in_review")
# The throughput window, in working days before today.
WINDOW_WORKING_DAYS = 20
# How far back the holidays are read to walk the window back (20 working days are ~4 weeks;
# a long Lebaran leave fits comfortably).
_HOLIDAY_LOOKBACK = dt.timedelta(days=120)
# Accuracy is measured over the decisions of this period.
ACCURACY_WINDOW = dt.timedelta(days=30)

PANEL_TEMPLATE = "supervision/_eta_panel.html"
PANEL_ORDER = 30

METHOD = _(
    "Estimated from how many applications for this service are ahead of yours at this office and "
    "how many it decided per working day over the 20 full working days before today."
)
NO_ESTIMATE = _(
    "This office decided no application for this service in the 20 working days before today "
    "(about four weeks; decisions made today count from tomorrow), so there is no estimate yet."
)


@dataclass(frozen=True)
class Estimate:
    office_id: int
    service_code: str
    position: int
    decided_in_window: int  # decisions of the office and service in the last 20 working days
    estimated_date: dt.date | None  # None when there was no decision in the window


def window_start(today: dt.date) -> dt.date:
    """The first of the ``WINDOW_WORKING_DAYS`` working days before ``today`` (one query)."""
    holidays = set(
        Holiday.objects.filter(date__lt=today, date__gte=today - _HOLIDAY_LOOKBACK).values_list(
            "date", flat=True
        )
    )
    day = today
    remaining = WINDOW_WORKING_DAYS
    while remaining:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            remaining -= 1
    return day


def _jakarta_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.JAKARTA)


def _ahead_of(application: Application) -> Q:
    """Rows before ``application`` in the queue's order: due date (none last), created, id."""
    same_created_earlier = Q(created_at__lt=application.created_at) | Q(
        created_at=application.created_at, pk__lt=application.pk
    )
    if application.due_date is None:
        return Q(due_date__isnull=False) | (Q(due_date__isnull=True) & same_created_earlier)
    return Q(due_date__lt=application.due_date) | (Q(due_date=application.due_date) & same_created_earlier)


def position_of(application: Application) -> int:
    """1 + the waiting applications of the same office and service ahead of it (one query)."""
    ahead = (
        Application.objects.filter(
            handling_office_id=application.handling_office_id,
            service_code=application.service_code,
            status__in=WAITING_STATES,
        )
        .filter(_ahead_of(application))
        .exclude(pk=application.pk)
        .count()
    )
    return ahead + 1


def decisions_in_window(*, office_id: int, service_code: str, today: dt.date) -> int:
    """Officers' decisions of the office and service over the 20 working days before today."""
    return Application.objects.filter(
        handling_office_id=office_id,
        service_code=service_code,
        decided_at__gte=_jakarta_midnight(window_start(today)),
        decided_at__lt=_jakarta_midnight(today),
        decided_by__isnull=False,
    ).count()


def estimated_date(*, position: int, decided: int, today: dt.date) -> dt.date | None:
    """``add_working_days(today, ceil(position / (decided / 20)))``; None without decisions."""
    if decided <= 0:
        return None
    days = math.ceil(position * WINDOW_WORKING_DAYS / decided)
    return add_working_days(today, max(days, 1))


def estimate_for(application: Application) -> Estimate | None:
    """The application's estimate now; None when it has no handling office. At most 4 queries."""
    if application.handling_office_id is None:
        return None
    today = clock.today()
    position = position_of(application)
    decided = decisions_in_window(
        office_id=application.handling_office_id, service_code=application.service_code, today=today
    )
    return Estimate(
        office_id=application.handling_office_id,
        service_code=application.service_code,
        position=position,
        decided_in_window=decided,
        estimated_date=estimated_date(position=position, decided=decided, today=today),
    )


def estimate_record(*, application: Application) -> QueueEstimate | None:
    """Keep the estimate given as ``application`` joins its office's queue (idempotent).

    No date → no row (an earlier office's row is removed: it promised nothing about this one).
    """
    estimate = estimate_for(application)
    if estimate is None or estimate.estimated_date is None:
        QueueEstimate.objects.filter(application=application).delete()
        return None
    row, _created = QueueEstimate.objects.update_or_create(
        application=application,
        defaults={
            "office_id": estimate.office_id,
            "service_code": estimate.service_code,
            "estimated_at": clock.now(),
            "position": estimate.position,
            "estimated_date": estimate.estimated_date,
        },
    )
    return row


def _on_queue_entry(event: events.TransitionEvent) -> None:
    """In the transition's transaction. The estimate is advisory: a failure here is logged and
    undone on its own (a savepoint), never the payment or the forward that triggered it."""
    try:
        with transaction.atomic():
            estimate_record(application=event.application)
    except DatabaseError:
        logger.exception("queue estimate of application %s not recorded", event.application.pk)


# --- the citizen's panel ------------------------------------------------------------------


def citizen_panel(application: Application, viewer: User) -> events.ReviewPanel | None:
    """Position and estimated date while the application waits for its office (at most 4 queries)."""
    if application.applicant_id != viewer.pk or application.status not in WAITING_STATES:
        return None
    estimate = estimate_for(application)
    if estimate is None:
        return None
    return events.ReviewPanel(
        title=_("Your place in the queue"),
        template_name=PANEL_TEMPLATE,
        context={
            "position": estimate.position,
            "estimated_date": estimate.estimated_date,
            "due_date": application.due_date,
            "method": METHOD,
            "no_estimate": NO_ESTIMATE,
        },
        order=PANEL_ORDER,
    )


# --- accuracy -----------------------------------------------------------------------------


class WorkingDaysApart(Expression):
    """Working days (Monday–Friday without a ``Holiday`` row) d with min(a, b) < d <= max(a, b):
    ``offices.workdays.working_days_between`` in SQL, whichever of the two dates comes first."""

    output_field = IntegerField()

    def __init__(self, first: Any, second: Any) -> None:
        super().__init__()
        self.first = first
        self.second = second

    def get_source_expressions(self) -> list[Any]:
        return [self.first, self.second]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.first, self.second = exprs

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> _AsSqlType:
        first_sql, first_params = compiler.compile(self.first)
        second_sql, second_params = compiler.compile(self.second)
        holidays = connection.ops.quote_name(Holiday._meta.db_table)
        holiday_date = connection.ops.quote_name(Holiday._meta.get_field("date").column or "date")
        # Only quoted names and the compiled children's SQL are interpolated; values are params.
        sql = (
            "(SELECT count(*) FROM generate_series("  # noqa: S608  # nosec B608 # see the comment above
            f"(LEAST({first_sql}, {second_sql}) + 1)::timestamp, "
            f"GREATEST({first_sql}, {second_sql})::timestamp, interval '1 day') AS wd(day) "
            "WHERE extract(isodow FROM wd.day) < 6 "
            f"AND NOT EXISTS (SELECT 1 FROM {holidays} h WHERE h.{holiday_date} = wd.day::date))"
        )
        return sql, (*first_params, *second_params, *first_params, *second_params)


@dataclass(frozen=True)
class EtaAccuracy:
    """How the estimates given at queue entry compared with the decisions of the past 30 days."""

    measured: int  # decided applications that had an estimate
    on_time: int  # decided on or before the estimated date
    mean_abs_error_days: float | None  # working days between estimate and decision, averaged


def accuracy_for(*, office_ids: Sequence[int]) -> EtaAccuracy:
    """Estimates of these offices whose application was decided in the last 30 days. One query,
    whatever the data (an empty list too)."""
    ids = list(office_ids)
    # ``office_id__in=[]`` would skip the query altogether; keep the count of queries fixed.
    offices = Q(office_id__in=ids) if ids else Q(office_id__isnull=True)
    figures = (
        QueueEstimate.objects.filter(offices, application__decided_at__gte=clock.now() - ACCURACY_WINDOW)
        .annotate(decided_on=TruncDate("application__decided_at", tzinfo=clock.JAKARTA))
        .annotate(error=WorkingDaysApart(F("decided_on"), F("estimated_date")))
        .aggregate(
            measured=Count("pk"),
            on_time=Count("pk", filter=Q(decided_on__lte=F("estimated_date"))),
            mean_error=Avg("error"),
        )
    )
    mean: Decimal | float | None = figures["mean_error"]
    return EtaAccuracy(
        measured=figures["measured"],
        on_time=figures["on_time"],
        mean_abs_error_days=float(mean) if mean is not None else None,
    )


def register() -> None:
    """Hook this module into the lifecycle (called from SupervisionConfig.ready)."""
    for action in ("pay", "forward"):
        if _on_queue_entry not in events.in_transaction_listeners(action):
            events.listen(action, _on_queue_entry, phase="in_transaction")
    events.register_citizen_panel(citizen_panel)
