"""The supervisor dashboard's figures: named reads, each one query (two for the past-due list).

Every read takes the office ids first (the supervisor's scope, ``supervision.scope``) and a
``Window`` (the last 30 Jakarta days up to ``today``), and filters on the indexes built for
them: Application (handling_office, status, due_date), (handling_office, service_code, status,
due_date) and (handling_office, decided_at); Bill (office, paid_at); Shipment (office, status).
Nothing reads a whole table, so the page costs the same at a thousand applications or a million.

Durations are seconds (floats) from PostgreSQL's ``percentile_cont`` (linear interpolation);
days are Jakarta dates (``settings.TIME_ZONE``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate

from applications.models import Application
from applications.selectors import QUEUE_STATES
from delivery.models import Shipment
from korlantas.lib.aggregates import EpochSeconds, PercentileCont
from korlantas.lib.clock import JAKARTA
from offices.models import Holiday
from offices.workdays import working_days_between_given
from payments.models import Bill

WINDOW_DAYS = 30
OVERDUE_LIMIT = 100  # rows listed; the total past due is counted in full
DECIDED_STATES_REJECTED = "rejected"
RETURNED_AWAITING = ("returned_to_office", "ready_for_collection")
HANDED_OVER = ("delivered", "collected")


@dataclass(frozen=True)
class Window:
    """The last ``days`` Jakarta dates, ``today`` included."""

    today: dt.date
    days: int = WINDOW_DAYS

    @property
    def first_day(self) -> dt.date:
        return self.today - dt.timedelta(days=self.days - 1)

    @property
    def since(self) -> dt.datetime:
        """Midnight in Jakarta at the start of the window's first day (aware)."""
        return dt.datetime.combine(self.first_day, dt.time.min, tzinfo=JAKARTA)

    def dates(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=offset) for offset in range(self.days)]


# --- backlog -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BacklogCount:
    office_id: int
    service_code: str
    status: str
    count: int
    overdue: int  # of ``count``, due before today


def backlog(office_ids: Sequence[int], today: dt.date) -> list[BacklogCount]:
    """Open applications now, per office, service and queue state, with those past due. One query."""
    rows = (
        Application.objects.filter(handling_office_id__in=list(office_ids), status__in=QUEUE_STATES)
        .values("handling_office_id", "service_code", "status")
        .annotate(count=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .order_by("handling_office_id", "service_code", "status")
    )
    return [
        BacklogCount(
            office_id=row["handling_office_id"],
            service_code=row["service_code"],
            status=row["status"],
            count=row["count"],
            overdue=row["overdue"],
        )
        for row in rows
    ]


@dataclass
class ServiceBacklog:
    service_code: str
    by_status: dict[str, int] = field(default_factory=dict)
    total: int = 0
    overdue: int = 0


def backlog_by_service(counts: Sequence[BacklogCount]) -> list[ServiceBacklog]:
    """``backlog``'s counts summed over offices, one entry per service (by code). No query."""
    services: dict[str, ServiceBacklog] = {}
    for count in counts:
        entry = services.setdefault(count.service_code, ServiceBacklog(service_code=count.service_code))
        state = count.status  # a key read, not a status write (tests/applications/test_single_writer.py)
        entry.by_status[state] = entry.by_status.get(state, 0) + count.count
        entry.total += count.count
        entry.overdue += count.overdue
    return [services[code] for code in sorted(services)]


# --- past due ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueItem:
    public_id: str
    reference: str
    office_id: int
    service_code: str
    status: str
    due_date: dt.date
    officer_email: str
    working_days_overdue: int


def overdue_items(office_ids: Sequence[int], today: dt.date, limit: int = OVERDUE_LIMIT) -> list[OverdueItem]:
    """Open applications due before ``today``, longest overdue first, with the working days they
    are late. Two queries: the rows, then the holidays of their span (not one per row)."""
    rows = list(
        Application.objects.filter(
            handling_office_id__in=list(office_ids), status__in=QUEUE_STATES, due_date__lt=today
        )
        .order_by("due_date", "pk")
        .values(
            "public_id",
            "reference",
            "handling_office_id",
            "service_code",
            "status",
            "due_date",
            "assigned_officer__email",
        )[:limit]
    )
    earliest = rows[0]["due_date"] if rows else today
    holidays = frozenset(
        Holiday.objects.filter(date__gt=earliest, date__lte=today).values_list("date", flat=True)
    )
    items = []
    for row in rows:
        due_date = row["due_date"]
        if due_date is None:  # pragma: no cover - filtered on due_date < today
            continue
        items.append(
            OverdueItem(
                public_id=str(row["public_id"]),
                reference=row["reference"],
                office_id=row["handling_office_id"],
                service_code=row["service_code"],
                status=row["status"],
                due_date=due_date,
                officer_email=row["assigned_officer__email"] or "",
                working_days_overdue=working_days_between_given(due_date, today, holidays),
            )
        )
    return items


# --- throughput ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayThroughput:
    day: dt.date
    decided: int
    approved: int
    rejected: int


def throughput(office_ids: Sequence[int], window: Window) -> list[DayThroughput]:
    """Decisions (approve or reject) per Jakarta day of the window, every day listed. One query."""
    rows = (
        Application.objects.filter(handling_office_id__in=list(office_ids), decided_at__gte=window.since)
        .annotate(day=TruncDate("decided_at", tzinfo=JAKARTA))
        .values("day")
        .annotate(decided=Count("pk"), rejected=Count("pk", filter=Q(status=DECIDED_STATES_REJECTED)))
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    days = []
    for day in window.dates():
        row = by_day.get(day)
        decided = row["decided"] if row else 0
        rejected = row["rejected"] if row else 0
        days.append(DayThroughput(day=day, decided=decided, approved=decided - rejected, rejected=rejected))
    return days


# --- durations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duration:
    service_code: str
    count: int
    median_seconds: float | None
    p90_seconds: float | None


def payment_to_decision(office_ids: Sequence[int], window: Window) -> list[Duration]:
    """Per service, over the paid applications decided in the window: median and 90th percentile
    of decided_at − paid_at. One query."""
    elapsed = EpochSeconds(F("decided_at") - F("paid_at"))
    rows = (
        Application.objects.filter(
            handling_office_id__in=list(office_ids), decided_at__gte=window.since, paid_at__isnull=False
        )
        .values("service_code")
        .annotate(count=Count("pk"), median=PercentileCont(elapsed, 0.5), p90=PercentileCont(elapsed, 0.9))
        .order_by("service_code")
    )
    return [Duration(row["service_code"], row["count"], row["median"], row["p90"]) for row in rows]


def payment_to_delivery(office_ids: Sequence[int], window: Window) -> list[Duration]:
    """Per service, over the shipments handed over (delivered or collected) in the window:
    median and 90th percentile of handed_over_at − the application's paid_at. One query."""
    elapsed = EpochSeconds(F("handed_over_at") - F("application__paid_at"))
    rows = (
        Shipment.objects.filter(
            office_id__in=list(office_ids),
            status__in=HANDED_OVER,
            handed_over_at__gte=window.since,
            application__paid_at__isnull=False,
        )
        .values("application__service_code")
        .annotate(count=Count("pk"), median=PercentileCont(elapsed, 0.5), p90=PercentileCont(elapsed, 0.9))
        .order_by("application__service_code")
    )
    return [
        Duration(row["application__service_code"], row["count"], row["median"], row["p90"]) for row in rows
    ]


# --- officers ------------------------------------------------------------------------------------


@dataclass
class OfficerFigures:
    user_id: int
    name: str
    open_claims: int = 0
    decisions: int = 0


def officers(office_ids: Sequence[int], window: Window) -> list[OfficerFigures]:
    """Per officer: applications in review they claimed now, and decisions they took in the
    window (automatic approvals have no officer). One query, grouped by (claimant, decider), the
    names read with the counts."""
    claimed = Q(status="in_review", assigned_officer_id__isnull=False)
    decided = Q(decided_at__gte=window.since, decided_by_id__isnull=False)
    rows = (
        Application.objects.filter(Q(handling_office_id__in=list(office_ids)) & (claimed | decided))
        .values(
            "assigned_officer_id",
            "assigned_officer__email",
            "assigned_officer__staff_membership__display_name",
            "decided_by_id",
            "decided_by__email",
            "decided_by__staff_membership__display_name",
        )
        .annotate(claims=Count("pk", filter=claimed), decisions=Count("pk", filter=decided))
        .order_by()
    )
    people: dict[int, OfficerFigures] = {}

    def person(user_id: int, display_name: str | None, email: str) -> OfficerFigures:
        return people.setdefault(user_id, OfficerFigures(user_id, display_name or email))

    for row in rows:
        if row["claims"] and row["assigned_officer_id"] is not None:
            person(
                row["assigned_officer_id"],
                row["assigned_officer__staff_membership__display_name"],
                row["assigned_officer__email"],
            ).open_claims += row["claims"]
        if row["decisions"] and row["decided_by_id"] is not None:
            person(
                row["decided_by_id"],
                row["decided_by__staff_membership__display_name"],
                row["decided_by__email"],
            ).decisions += row["decisions"]
    return sorted(people.values(), key=lambda entry: (entry.name.casefold(), entry.user_id))


# --- payments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentTotal:
    service_code: str
    bills: int
    total: int  # rupiah


def payment_totals(office_ids: Sequence[int], window: Window) -> list[PaymentTotal]:
    """Bills paid in the window, counted and summed per service of their application. One query.
    A bill refunded later still counts: the money was received in the window."""
    rows = (
        Bill.objects.filter(office_id__in=list(office_ids), paid_at__gte=window.since)
        .values("application__service_code")
        .annotate(bills=Count("pk"), total=Sum("total"))
        .order_by("application__service_code")
    )
    return [PaymentTotal(row["application__service_code"], row["bills"], row["total"] or 0) for row in rows]


# --- delivery ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryFigures:
    delivered: int  # by courier, in the window
    delivered_first_attempt: int
    returned: int  # scanned back in to the office in the window
    awaiting_collection: int  # returned or switched to collection, now waiting at the office

    @property
    def ended(self) -> int:
        return self.delivered + self.returned

    @property
    def first_attempt_rate(self) -> float | None:
        return self.delivered_first_attempt / self.ended if self.ended else None

    @property
    def overall_rate(self) -> float | None:
        return self.delivered / self.ended if self.ended else None


def delivery(office_ids: Sequence[int], window: Window) -> DeliveryFigures:
    """Courier outcomes of the window and what waits at the office now. One query.

    A shipment that ended by courier in the window was delivered (``handed_over_at`` in it) or
    returned to the office (``returned_at`` in it, whatever became of it since)."""
    delivered = Q(status="delivered", handed_over_at__gte=window.since)
    returned = Q(returned_at__gte=window.since)
    figures = Shipment.objects.filter(
        office_id__in=list(office_ids),
        status__in=("delivered", "collected", *RETURNED_AWAITING),
    ).aggregate(
        delivered=Count("pk", filter=delivered),
        first=Count("pk", filter=delivered & Q(attempts=1)),
        returned=Count("pk", filter=returned),
        awaiting=Count("pk", filter=Q(status__in=RETURNED_AWAITING)),
    )
    return DeliveryFigures(
        delivered=figures["delivered"],
        delivered_first_attempt=figures["first"],
        returned=figures["returned"],
        awaiting_collection=figures["awaiting"],
    )


# --- a Polda's offices ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeSummary:
    office_id: int
    backlog: int
    overdue: int
    decided: int  # in the window
    median_decision_seconds: float | None  # payment → decision, decisions of the window


def office_summaries(office_ids: Sequence[int], window: Window) -> dict[int, OfficeSummary]:
    """Per office: backlog and past due now, decisions and their median time in the window.
    One query; an office with none of either is absent (the caller shows zeros)."""
    today = window.today
    open_now = Q(status__in=QUEUE_STATES)
    decided = Q(decided_at__gte=window.since)
    rows = (
        Application.objects.filter(Q(handling_office_id__in=list(office_ids)) & (open_now | decided))
        .values("handling_office_id")
        .annotate(
            backlog=Count("pk", filter=open_now),
            overdue=Count("pk", filter=open_now & Q(due_date__lt=today)),
            decided=Count("pk", filter=decided),
            median=PercentileCont(
                EpochSeconds(F("decided_at") - F("paid_at")), 0.5, filter=decided & Q(paid_at__isnull=False)
            ),
        )
        .order_by()
    )
    return {
        row["handling_office_id"]: OfficeSummary(
            office_id=row["handling_office_id"],
            backlog=row["backlog"],
            overdue=row["overdue"],
            decided=row["decided"],
            median_decision_seconds=row["median"],
        )
        for row in rows
    }
