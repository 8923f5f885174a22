"""Reads for the supervisors' daily settlement report (issue 6, point 9).

A day is a Jakarta calendar day. The money of a day is the *applied* payments our side
received that day (``Payment.received_at``: when the bank's report reached us, which is when
the application moved on), counted for the office the bill was issued to (``Bill.office``);
payments kept for a refund are not revenue and are left out. Refunds are those paid back
that day (``Refund.paid_at``), counted for the office of the bill they return.

Every function costs a fixed number of queries whatever the number of payments: the totals
and the breakdowns are aggregated by the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.utils.functional import Promise

from accounts import roles
from accounts.models import StaffMembership, User
from applications.registry import UnknownService, get_service
from korlantas.lib.clock import JAKARTA
from offices.models import Office
from payments.models import Payment, Refund


def report_offices(*, user: User) -> list[Office]:
    """The offices whose settlement ``user`` may read: a supervisor's office, or every office of
    a Polda supervisor's Polda. Anyone else: none."""
    if roles.SUPERVISOR not in roles.roles_of(user):
        return []
    membership = StaffMembership.objects.filter(user=user).only("office_id", "polda_id").first()
    if membership is None:
        return []
    if membership.office_id is not None:
        return list(Office.objects.filter(pk=membership.office_id))
    if membership.polda_id is not None:
        return list(Office.objects.filter(polda_id=membership.polda_id).order_by("name"))
    return []


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of ``day`` in Jakarta and of the day after (aware datetimes)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=JAKARTA)
    return start, start + dt.timedelta(days=1)


def _service_name(code: str) -> str | Promise:
    try:
        return get_service(code).name
    except UnknownService:
        return code


@dataclass(frozen=True)
class ServiceTotal:
    service_code: str
    service_name: str | Promise
    count: int
    total: int


@dataclass(frozen=True)
class OfficeTotal:
    office_code: str
    office_name: str
    count: int
    total: int


@dataclass(frozen=True)
class SettlementReport:
    day: dt.date
    offices: list[Office]
    count: int
    total: int
    by_service: list[ServiceTotal]
    # Only when the report covers more than one office (a Polda supervisor's).
    by_office: list[OfficeTotal]
    refund_count: int
    refund_total: int

    @property
    def is_empty(self) -> bool:
        return self.count == 0 and self.refund_count == 0


def applied_payments(*, offices: list[Office], day: dt.date) -> QuerySet[Payment]:
    start, end = day_bounds(day)
    return Payment.objects.filter(
        disposition=Payment.Disposition.APPLIED,
        bill__office__in=[office.pk for office in offices],
        received_at__gte=start,
        received_at__lt=end,
    )


def paid_refunds(*, offices: list[Office], day: dt.date) -> QuerySet[Refund]:
    start, end = day_bounds(day)
    return Refund.objects.filter(
        state=Refund.State.PAID,
        payment__bill__office__in=[office.pk for office in offices],
        paid_at__gte=start,
        paid_at__lt=end,
    )


def _totals(queryset: QuerySet[Any]) -> tuple[int, int]:
    row = queryset.aggregate(count=Count("pk"), total=Sum("amount"))
    return int(row["count"] or 0), int(row["total"] or 0)


def settlement_report(*, offices: list[Office], day: dt.date) -> SettlementReport:
    """The day's figures for ``offices``: four queries (five for more than one office)."""
    payments = applied_payments(offices=offices, day=day)
    count, total = _totals(payments)
    by_service: list[ServiceTotal] = []
    if count:
        grouped = (
            payments.values(service_code=F("bill__application__service_code"))
            .annotate(count=Count("pk"), total=Sum("amount"))
            .order_by("service_code")
        )
        by_service = [
            ServiceTotal(
                service_code=row["service_code"],
                service_name=_service_name(row["service_code"]),
                count=row["count"],
                total=int(row["total"] or 0),
            )
            for row in grouped
        ]
    by_office: list[OfficeTotal] = []
    if count and len(offices) > 1:
        names = {office.pk: office for office in offices}
        by_office = [
            OfficeTotal(
                office_code=names[row["bill__office"]].code,
                office_name=names[row["bill__office"]].name,
                count=row["count"],
                total=int(row["total"] or 0),
            )
            for row in payments.values("bill__office").annotate(count=Count("pk"), total=Sum("amount"))
        ]
        by_office.sort(key=lambda row: row.office_name)
    refund_count, refund_total = _totals(paid_refunds(offices=offices, day=day))
    return SettlementReport(
        day=day,
        offices=offices,
        count=count,
        total=total,
        by_service=by_service,
        by_office=by_office,
        refund_count=refund_count,
        refund_total=refund_total,
    )


@dataclass(frozen=True)
class CsvRow:
    """One line of the export: codes and references only, amounts as whole rupiah."""

    kind: str  # "payment" or "refund"
    at: dt.datetime  # Jakarta time
    office_code: str
    service_code: str
    billing_code: str
    application_reference: str
    bank_reference: str
    amount: int


CSV_HEADER = (
    "kind",
    "time_wib",
    "office",
    "service",
    "billing_code",
    "application_reference",
    "bank_reference",
    "amount_idr",
)


PAYMENT_COLUMNS = (
    "received_at",
    "bill__office__code",
    "bill__application__service_code",
    "bill__billing_code",
    "bill__application__reference",
    "gateway_reference",
    "amount",
)
REFUND_COLUMNS = (
    "paid_at",
    "payment__bill__office__code",
    "application__service_code",
    "payment__bill__billing_code",
    "application__reference",
    "gateway_reference",
    "amount",
)


def _csv_row(kind: str, values: tuple[Any, ...]) -> CsvRow:
    at, office_code, service_code, billing_code, reference, bank_reference, amount = values
    return CsvRow(
        kind=kind,
        at=at.astimezone(JAKARTA),
        office_code=office_code or "",
        service_code=service_code,
        billing_code=billing_code,
        application_reference=reference,
        bank_reference=bank_reference,
        amount=int(amount),
    )


def settlement_rows(*, offices: list[Office], day: dt.date) -> list[CsvRow]:
    """Every applied payment, then every refund paid, of the day: two queries."""
    payments = applied_payments(offices=offices, day=day).order_by("received_at", "pk")
    paid_back = paid_refunds(offices=offices, day=day).order_by("paid_at", "pk")
    return [_csv_row("payment", values) for values in payments.values_list(*PAYMENT_COLUMNS)] + [
        _csv_row("refund", values) for values in paid_back.values_list(*REFUND_COLUMNS)
    ]
