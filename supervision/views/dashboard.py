"""The supervisor's dashboard (/staf/pengawasan/): the office's backlog, past-due work,
throughput, durations, officers, payments and deliveries, with charts drawn on the server and
a CSV of every table (``?export=<table>``).

An office supervisor sees their office; a Polda supervisor sees the whole Polda with a table of
its offices, and ``?office=<public_id>`` narrows to one of them. Any other office is a 404.
Figures come from ``supervision.metrics`` (a fixed number of queries, whatever the rows) and
are kept in the cache for ``FIGURES_SECONDS`` per set of offices (an office, a Polda, or one office
of it): the page and its CSV exports show the same figures, with the time they were read
("Figures as of HH:MM"). The cache holds numbers, codes and dates only; every request renders them
in its own language (docs/architecture.md §18).
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts import roles
from accounts.views import role_required
from applications.models import STATUS_LABELS
from applications.registry import UnknownService, get_service
from applications.selectors import QUEUE_STATES
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest
from korlantas.lib.spreadsheet import safe_cell
from offices.models import Office
from payments.templatetags.rupiah import format_rupiah
from supervision import charts, eta, metrics
from supervision.scope import supervised_scope

NOTHING_YET = _("Nothing yet.")
# How long the figures of a set of offices are reused: a supervisor's dashboard may be a minute old.
FIGURES_SECONDS = 60
FIGURES_CACHE_VERSION = 1  # raise when the cached figures change shape
REVIEW_URL_PLACEHOLDER = uuid.UUID(int=0)


@dataclass(frozen=True)
class Cell:
    text: str
    csv: str | None = None  # the CSV's value when it differs from the text shown (raw numbers)
    url: str = ""
    numeric: bool = False

    @property
    def csv_value(self) -> str:
        return self.text if self.csv is None else self.csv


@dataclass
class Table:
    name: str  # the ``?export=`` name and the CSV's file name
    caption: Promise
    headers: Sequence[Promise | str]
    rows: list[list[Cell]] = field(default_factory=list)
    empty: Promise = NOTHING_YET

    @property
    def body(self) -> SafeString:
        """The rows as HTML (``<tbody>``'s content), drawn here rather than by a template loop:
        hundreds of cells cost a template far more than ``format_html`` (issue 12)."""
        if not self.rows:
            return format_html('<tr><td colspan="{}">{}</td></tr>', len(self.headers), self.empty)
        return format_html_join("\n", "{}", ((_row_html(row),) for row in self.rows))

    @property
    def columns(self) -> list[tuple[Promise | str, bool]]:
        """Each header with whether its column holds numbers (aligned right, as its cells)."""
        numeric = [cell.numeric for cell in self.rows[0]] if self.rows else []
        return [
            (header, index < len(numeric) and numeric[index]) for index, header in enumerate(self.headers)
        ]


ROW_HEADER = '<th scope="row" class="text-nowrap">{}</th>'
NUMBER_CELL = '<td class="text-end text-nowrap">{}</td>'
TEXT_CELL = "<td>{}</td>"


def _row_html(row: list[Cell]) -> SafeString:
    """A row: its first cell the row's header, numbers aligned right (as their column headers).
    One ``format_html`` per row, its format made of the constants above: every value is escaped."""
    markup = [ROW_HEADER, *[NUMBER_CELL if cell.numeric else TEXT_CELL for cell in row[1:]]]
    values = [
        format_html('<a href="{}">{}</a>', cell.url, cell.text) if cell.url else cell.text for cell in row
    ]
    return format_html("<tr>" + "".join(markup) + "</tr>", *values)


def _number(value: int) -> Cell:
    return Cell(str(value), numeric=True)


def _hours(seconds: float | None) -> Cell:
    if seconds is None:
        return Cell("—", csv="", numeric=True)
    return Cell(f"{seconds / 3600:.1f}", numeric=True)


def _percent(rate: float | None) -> Cell:
    if rate is None:
        return Cell("—", csv="", numeric=True)
    return Cell(f"{rate * 100:.1f} %", csv=f"{rate * 100:.1f}", numeric=True)


def _money(amount: int) -> Cell:
    return Cell(format_rupiah(amount), csv=str(amount), numeric=True)


def service_name(code: str) -> str:
    try:
        return str(get_service(code).name)
    except UnknownService:
        return code


# --- the tables ----------------------------------------------------------------------------------


@dataclass
class Figures:
    """Everything the page shows, read once (a fixed number of queries) or from the cache."""

    offices: list[Office]
    office_names: dict[int, str]
    as_of: dt.datetime  # when the figures were read from the database
    window: metrics.Window
    backlog: list[metrics.ServiceBacklog]
    overdue_total: int
    overdue: list[metrics.OverdueItem]
    throughput: list[metrics.DayThroughput]
    decision_times: list[metrics.Duration]
    delivery_times: list[metrics.Duration]
    officers: list[metrics.OfficerFigures]
    payments: list[metrics.PaymentTotal]
    delivery: metrics.DeliveryFigures
    accuracy: eta.EtaAccuracy
    summaries: dict[int, metrics.OfficeSummary] | None  # a Polda's offices; None for one office
    several_offices: bool


def _measured(ids: list[int], *, overview: bool) -> dict[str, Any]:
    """The figures of the offices ``ids``, read from the database: numbers, codes and dates
    (nothing translated, no model instance), so they can be kept in the cache as they are."""
    window = metrics.Window(today=clock.today())
    counts = metrics.backlog(ids, window.today)
    return {
        "as_of": clock.now(),
        "window": window,
        "backlog": metrics.backlog_by_service(counts),
        "overdue_total": sum(count.overdue for count in counts),
        "overdue": metrics.overdue_items(ids, window.today, limit=metrics.OVERDUE_LIMIT),
        "throughput": metrics.throughput(ids, window),
        "decision_times": metrics.payment_to_decision(ids, window),
        "delivery_times": metrics.payment_to_delivery(ids, window),
        "officers": metrics.officers(ids, window),
        "payments": metrics.payment_totals(ids, window),
        "delivery": metrics.delivery(ids, window),
        "accuracy": eta.accuracy_for(office_ids=ids),
        "summaries": metrics.office_summaries(ids, window) if overview else None,
    }


def figures_cache_key(ids: list[int], *, overview: bool, today: dt.date) -> str:
    """The same offices, the same kind of page and the same day share their figures: a Polda's
    supervisors share the Polda's, and an office's supervisors share the office's."""
    offices = ",".join(str(pk) for pk in sorted(ids))
    kind = "polda" if overview else "offices"
    return f"supervision:dashboard:v{FIGURES_CACHE_VERSION}:{kind}:{today.isoformat()}:{offices}"


def read_figures(offices: list[Office], *, overview: bool) -> Figures:
    """The figures of ``offices``: from the cache when read in the last ``FIGURES_SECONDS``,
    otherwise from the database (and then kept). The offices themselves are the caller's."""
    ids = [office.pk for office in offices]
    key = figures_cache_key(ids, overview=overview, today=clock.today())
    measured: dict[str, Any] | None = cache.get(key)
    # The age is checked on the project clock too (the cache's expiry runs on Redis's own).
    if measured is None or clock.now() - measured["as_of"] >= dt.timedelta(seconds=FIGURES_SECONDS):
        measured = _measured(ids, overview=overview)
        cache.set(key, measured, FIGURES_SECONDS)
    return Figures(
        offices=offices,
        office_names={office.pk: office.name for office in offices},
        several_offices=len(ids) > 1,
        **measured,
    )


def backlog_table(figures: Figures) -> Table:
    table = Table(
        "backlog",
        _("Open applications by service and status"),
        [_("Service"), *[STATUS_LABELS[state] for state in QUEUE_STATES], _("Total"), _("Past due")],
    )
    for entry in figures.backlog:
        table.rows.append(
            [
                Cell(service_name(entry.service_code)),
                *[_number(entry.by_status.get(state, 0)) for state in QUEUE_STATES],
                _number(entry.total),
                _number(entry.overdue),
            ]
        )
    return table


def overdue_table(figures: Figures) -> Table:
    headers: list[Promise | str] = [_("Reference")]
    if figures.several_offices:
        headers.append(_("Office"))
    headers += [_("Service"), _("Status"), _("Due date"), _("Working days overdue"), _("Assigned officer")]
    table = Table("overdue", _("Past their due date"), headers, empty=_("Nothing is past its due date."))
    # One reverse() for the list, not one per row: the public id is the address's only variable.
    review_url = reverse("applications:review", args=[REVIEW_URL_PLACEHOLDER])
    for item in figures.overdue:
        row = [Cell(item.reference, url=review_url.replace(str(REVIEW_URL_PLACEHOLDER), item.public_id))]
        if figures.several_offices:
            row.append(Cell(figures.office_names.get(item.office_id, "")))
        row += [
            Cell(service_name(item.service_code)),
            Cell(str(STATUS_LABELS.get(item.status, item.status))),
            Cell(item.due_date.isoformat()),
            _number(item.working_days_overdue),
            Cell(item.officer_email or "—", csv=item.officer_email),
        ]
        table.rows.append(row)
    return table


def throughput_table(figures: Figures) -> Table:
    table = Table(
        "throughput", _("Decisions per day"), [_("Day"), _("Decisions"), _("Approved"), _("Rejected")]
    )
    for day in figures.throughput:
        table.rows.append(
            [Cell(day.day.isoformat()), _number(day.decided), _number(day.approved), _number(day.rejected)]
        )
    return table


def durations_table(figures: Figures) -> Table:
    table = Table(
        "durations",
        _("Time from payment (hours)"),
        [_("Service"), _("Until"), _("Count"), _("Median"), _("90th percentile")],
    )
    for stage, rows in ((_("decision"), figures.decision_times), (_("delivery"), figures.delivery_times)):
        for duration in rows:
            table.rows.append(
                [
                    Cell(service_name(duration.service_code)),
                    Cell(str(stage)),
                    _number(duration.count),
                    _hours(duration.median_seconds),
                    _hours(duration.p90_seconds),
                ]
            )
    return table


def officers_table(figures: Figures) -> Table:
    table = Table(
        "officers",
        _("Officers: open claims now, decisions in the last 30 days"),
        [_("Officer"), _("Open claims"), _("Decisions")],
    )
    for person in figures.officers:
        table.rows.append([Cell(person.name), _number(person.open_claims), _number(person.decisions)])
    return table


def payments_table(figures: Figures) -> Table:
    table = Table(
        "payments", _("Bills paid in the last 30 days"), [_("Service"), _("Bills"), _("Total (Rp)")]
    )
    for payment in figures.payments:
        table.rows.append(
            [Cell(service_name(payment.service_code)), _number(payment.bills), _money(payment.total)]
        )
    if figures.payments:
        table.rows.append(
            [
                Cell(str(_("All services"))),
                _number(sum(payment.bills for payment in figures.payments)),
                _money(sum(payment.total for payment in figures.payments)),
            ]
        )
    return table


def delivery_table(figures: Figures) -> Table:
    d = figures.delivery
    table = Table("delivery", _("Courier deliveries in the last 30 days"), [_("Figure"), _("Value")])
    table.rows = [
        [Cell(str(_("Ended by courier (delivered or returned)"))), _number(d.ended)],
        [Cell(str(_("Delivered"))), _number(d.delivered)],
        [Cell(str(_("Delivered at the first attempt"))), _number(d.delivered_first_attempt)],
        [Cell(str(_("Returned to the office"))), _number(d.returned)],
        [Cell(str(_("Success at the first attempt"))), _percent(d.first_attempt_rate)],
        [Cell(str(_("Success overall"))), _percent(d.overall_rate)],
        [Cell(str(_("Waiting for collection at the office now"))), _number(d.awaiting_collection)],
    ]
    return table


def offices_table(figures: Figures) -> Table:
    table = Table(
        "offices",
        _("Offices of the Polda"),
        [
            _("Office"),
            _("Open"),
            _("Past due"),
            _("Decisions (30 days)"),
            _("Median payment → decision (hours)"),
        ],
    )
    summaries = figures.summaries or {}
    for office in figures.offices:
        summary = summaries.get(office.pk)
        table.rows.append(
            [
                Cell(office.name, url=f"?office={office.public_id}"),
                _number(summary.backlog if summary else 0),
                _number(summary.overdue if summary else 0),
                _number(summary.decided if summary else 0),
                _hours(summary.median_decision_seconds if summary else None),
            ]
        )
    return table


TABLES: dict[str, Callable[[Figures], Table]] = {
    "offices": offices_table,
    "backlog": backlog_table,
    "overdue": overdue_table,
    "throughput": throughput_table,
    "durations": durations_table,
    "officers": officers_table,
    "payments": payments_table,
    "delivery": delivery_table,
}


def csv_response(table: Table, slug: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dashboard-{table.name}-{slug}.csv"'
    writer = csv.writer(response)
    writer.writerow([safe_cell(str(header)) for header in table.headers])
    for row in table.rows:
        writer.writerow([safe_cell(cell.csv_value) for cell in row])
    return response


# --- the view ------------------------------------------------------------------------------------


def _chosen_offices(
    request: AuthenticatedHttpRequest, offices: list[Office]
) -> tuple[list[Office], Office | None]:
    raw = request.GET.get("office", "")
    if not raw:
        return offices, None
    try:
        wanted = uuid.UUID(raw)
    except ValueError:
        raise Http404("no such office") from None
    for office in offices:
        if office.public_id == wanted:
            return [office], office
    raise Http404("no such office")


@role_required(roles.SUPERVISOR)
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = supervised_scope(request.user)
    shown, chosen = _chosen_offices(request, scope.offices)
    overview = scope.via_polda and chosen is None
    export = request.GET.get("export")
    if export is not None and (export not in TABLES or (export == "offices" and not overview)):
        raise Http404("no such table")
    figures = read_figures(shown, overview=overview)
    if export is not None:
        slug = str(chosen.public_id) if chosen else figures.window.today.isoformat()
        return csv_response(TABLES[export](figures), slug)

    tables = {name: build(figures) for name, build in TABLES.items() if name != "offices" or overview}
    throughput_points = [
        charts.Point(label=day.day.strftime("%d/%m"), value=day.decided) for day in figures.throughput
    ]
    backlog_points = [
        charts.Point(label=service_name(entry.service_code), value=entry.total) for entry in figures.backlog
    ]
    accuracy = figures.accuracy
    summary = [
        {
            "key": "open",
            "label": _("open applications"),
            "value": sum(entry.total for entry in figures.backlog),
        },
        {"key": "overdue", "label": _("past their due date"), "value": figures.overdue_total},
        {
            "key": "decided",
            "label": _("decisions in the last 30 days"),
            "value": sum(day.decided for day in figures.throughput),
        },
        {
            "key": "awaiting",
            "label": _("items waiting for collection"),
            "value": figures.delivery.awaiting_collection,
        },
    ]
    return render(
        request,
        "supervision/dashboard.html",
        {
            "scope": scope,
            "chosen": chosen,
            "shown": shown,
            "overview": overview,
            "figures": figures,
            "tables": tables,
            "summary": summary,
            "office_query": f"office={chosen.public_id}&" if chosen else "",
            "throughput_chart": charts.column_chart(
                chart_id="chart-throughput",
                title=str(_("Decisions per day, last 30 days")),
                description=str(_("One bar per day; the table below holds the same figures.")),
                points=throughput_points,
            ),
            "has_decisions": any(point.value for point in throughput_points),
            "backlog_chart": charts.bar_chart(
                chart_id="chart-backlog",
                title=str(_("Open applications by service")),
                description=str(_("One bar per service; the table below holds the same figures.")),
                points=backlog_points,
            )
            if backlog_points
            else None,
            "accuracy": accuracy,
            "accuracy_percent": round(accuracy.on_time * 100 / accuracy.measured, 1)
            if accuracy.measured
            else None,
            "accuracy_error": f"{accuracy.mean_abs_error_days:.1f}"
            if accuracy.mean_abs_error_days is not None
            else None,
        },
    )
