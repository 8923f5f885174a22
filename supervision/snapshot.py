"""The public performance figures (issue 10, point 6): refreshed by a periodic job, read by
``/kinerja/``.

``refresh_office_stats`` recomputes ``OfficeServiceStat`` for every office and service with
three grouped queries over all offices at once — never one query per office — so it stays
cheap with a million applications (indexes ``applications_queue``/``applications_service_queue``
for the open work, ``applications_decided`` for the decisions, ``delivery_shipment`` office and
status for the shipments):

* open work now: applications in ``applications.selectors.QUEUE_STATES``, per handling office
  and service, and those of them past their due date (Jakarta's today);
* decisions of the last 90 days (``decided_at`` in the window: approved, rejected, and what
  was issued or completed since): how many, how many on or before their due date (the Jakarta
  date of the decision against ``due_date``), and the median time from payment to decision in
  whole hours (``percentile_cont``; applications never paid are left out);
* courier shipments that ended in the last 90 days: delivered (``handed_over_at`` in the window)
  or returned to the office after failed attempts (``returned_at`` in the window), per
  shipment office and the application's service, and those delivered at the first attempt.

All rows are written by one upsert and the pairs without any figure left are deleted, in one
transaction: running it twice gives the same rows. The moment of the refresh is published to
the cache once committed (``FIGURES_VERSION_KEY``) so the public page's cached copies change
with it.

Only counts leave this module: no application, person or reference.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from applications.models import Application
from applications.selectors import QUEUE_STATES
from delivery.models import Shipment
from korlantas.lib import clock
from korlantas.lib.aggregates import EpochSeconds, PercentileCont
from supervision.models import OfficeServiceStat

logger = logging.getLogger(__name__)

WINDOW_DAYS = 90
# The moment of the latest refresh, for the public page's cache keys (an ISO timestamp).
FIGURES_VERSION_KEY = "supervision:kinerja:version"
# Longer than the beat period (15 minutes): a missing key only costs the page one query.
FIGURES_VERSION_TIMEOUT = 60 * 60

FIGURE_FIELDS = (
    "backlog",
    "overdue",
    "decided_90d",
    "within_standard_90d",
    "median_decision_hours_90d",
    "shipments_ended_90d",
    "delivered_90d",
    "delivered_first_attempt_90d",
)

Pair = tuple[int, str]


def _open_work(today: dt.date) -> Iterable[Mapping[str, Any]]:
    return (
        Application.objects.filter(status__in=QUEUE_STATES, handling_office__isnull=False)
        .values("handling_office_id", "service_code")
        .annotate(backlog=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .order_by()
    )


def _decisions(since: dt.datetime) -> Iterable[Mapping[str, Any]]:
    decided_day = TruncDate("decided_at", tzinfo=clock.JAKARTA)
    return (
        Application.objects.filter(decided_at__gte=since, handling_office__isnull=False)
        .values("handling_office_id", "service_code")
        .annotate(
            decided=Count("pk"),
            # A null due date never counts as within the standard (the comparison is null).
            within=Count("pk", filter=Q(due_date__gte=decided_day)),
            # Null when paid_at is null: percentile_cont ignores those rows.
            median_seconds=PercentileCont(EpochSeconds(F("decided_at") - F("paid_at")), 0.5),
        )
        .order_by()
    )


def _deliveries(since: dt.datetime) -> Iterable[Mapping[str, Any]]:
    delivered = Q(status="delivered", handed_over_at__gte=since)
    returned = Q(returned_at__gte=since)
    return (
        Shipment.objects.filter(delivered | returned)
        .values("office_id", service_code=F("application__service_code"))
        .annotate(
            delivered=Count("pk", filter=delivered),
            returned=Count("pk", filter=returned),
            first_attempt=Count("pk", filter=delivered & Q(attempts=1)),
        )
        .order_by()
    )


def _whole_hours(seconds: float | None) -> int | None:
    """Rounded half up; a negative interval (paid after a decision on payment) counts as 0."""
    if seconds is None:
        return None
    return max(0, math.floor(seconds / 3600 + 0.5))


def compute_office_stats(*, now: dt.datetime, today: dt.date) -> dict[Pair, dict[str, int | None]]:
    """The figures of every (office id, service code) pair that has any, from three queries."""
    since = now - dt.timedelta(days=WINDOW_DAYS)
    figures: dict[Pair, dict[str, int | None]] = {}

    def pair(office_id: int, service_code: str) -> dict[str, int | None]:
        return figures.setdefault(
            (office_id, service_code),
            {name: (None if name == "median_decision_hours_90d" else 0) for name in FIGURE_FIELDS},
        )

    for row in _open_work(today):
        entry = pair(row["handling_office_id"], row["service_code"])
        entry["backlog"], entry["overdue"] = row["backlog"], row["overdue"]
    for row in _decisions(since):
        entry = pair(row["handling_office_id"], row["service_code"])
        entry["decided_90d"], entry["within_standard_90d"] = row["decided"], row["within"]
        entry["median_decision_hours_90d"] = _whole_hours(row["median_seconds"])
    for row in _deliveries(since):
        entry = pair(row["office_id"], row["service_code"])
        entry["delivered_90d"] = row["delivered"]
        entry["shipments_ended_90d"] = row["delivered"] + row["returned"]
        entry["delivered_first_attempt_90d"] = row["first_attempt"]
    return figures


def _publish_version(computed_at: dt.datetime) -> None:
    try:
        cache.set(FIGURES_VERSION_KEY, computed_at.isoformat(), FIGURES_VERSION_TIMEOUT)
    except Exception:  # the cache is an optimisation: the page falls back to the table
        logger.warning("performance figures: could not publish the version to the cache", exc_info=True)


def refresh_office_stats() -> int:
    """Recompute every office's figures; return the number of rows written."""
    now = clock.now()
    figures = compute_office_stats(now=now, today=clock.today())
    rows = [
        OfficeServiceStat(office_id=office_id, service_code=service_code, computed_at=now, **values)
        for (office_id, service_code), values in sorted(figures.items())
    ]
    with transaction.atomic(durable=True):
        if rows:
            # PostgreSQL returns the id of every row, inserted or updated.
            OfficeServiceStat.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["office", "service_code"],
                update_fields=["computed_at", *FIGURE_FIELDS],
            )
        # The pairs not written above have no figure left.
        OfficeServiceStat.objects.exclude(pk__in=[row.pk for row in rows]).delete()
        transaction.on_commit(lambda: _publish_version(now))
    logger.info("performance figures refreshed", extra={"rows": len(rows)})
    return len(rows)


# --- reading, for the public page ---------------------------------------------------------------


@dataclass(frozen=True)
class FigureRow:
    """One office and service as the public page shows it: public names and counts only."""

    polda_code: str
    polda_name: str
    office_id: int
    office_name: str
    service_code: str
    backlog: int
    overdue: int
    decided_90d: int
    within_standard_90d: int
    median_decision_hours_90d: int | None
    shipments_ended_90d: int
    delivered_90d: int
    delivered_first_attempt_90d: int


@dataclass(frozen=True)
class PublicFigures:
    """Everything the public page needs, independent of the language (cached as it is)."""

    computed_at: dt.datetime | None
    rows: tuple[FigureRow, ...]
    # (code, name) of the Poldas that have figures, by name.
    poldas: tuple[tuple[str, str], ...]


def public_figures() -> PublicFigures:
    """Every stored figure with its office and Polda: one query."""
    stats = OfficeServiceStat.objects.select_related("office__polda").order_by(
        F("office__polda__name").asc(nulls_last=True), "office__name", "office_id", "service_code"
    )
    rows = []
    latest: dt.datetime | None = None
    poldas: dict[str, str] = {}
    for stat in stats:
        polda = stat.office.polda
        code, name = (polda.code, polda.name) if polda is not None else ("", "")
        if code:
            poldas[code] = name
        latest = stat.computed_at if latest is None else max(latest, stat.computed_at)
        rows.append(
            FigureRow(
                polda_code=code,
                polda_name=name,
                office_id=stat.office_id,
                office_name=stat.office.name,
                service_code=stat.service_code,
                **{field: getattr(stat, field) for field in FIGURE_FIELDS},
            )
        )
    return PublicFigures(
        computed_at=latest,
        rows=tuple(rows),
        poldas=tuple(sorted(poldas.items(), key=lambda item: item[1])),
    )
