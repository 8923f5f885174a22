"""The supervisors' audit viewer (issue 10 point 5): the audit trail of their office(s),
searched by officer, action, application and date, with every reveal of personal data.

GET only: the filters are ids, action names, a reference and dates — nothing personal. The
export (``?export=csv``) takes the same filters.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import roles
from accounts.views import role_required
from korlantas.lib import clock
from korlantas.lib.http import AuthenticatedHttpRequest
from korlantas.lib.spreadsheet import safe_cell
from supervision import audit_search as search
from supervision.scope import supervised_scope


@role_required(roles.SUPERVISOR)
@require_GET
def audit_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = supervised_scope(request.user)
    form = search.AuditSearchForm(request.GET, scope=scope)
    if request.GET.get("export") == "csv" and form.is_valid():
        return _csv_response(form, scope)
    rows: list[search.AuditRow] = []
    older: search.Position | None = None
    position = search.Position.parse(request.GET.get("older", ""))
    if form.is_valid():
        events, older = search.events_page(form.criteria(), position)
        rows = search.audit_rows(events, scope)
    return render(
        request,
        "supervision/audit.html",
        {
            "form": form,
            "scope": scope,
            "rows": rows,
            "reveals_only": form.reveals_only,
            # The dates the page used (the defaults filled in), so the next page is the same search.
            "filters_query": _filters_query(form.data, drop=("older", "export", "view")),
            "page_query": _filters_query(form.data, drop=("older", "export")),
            "older_token": older.token() if older is not None else "",
            "is_continued": position is not None,
            "page_size": search.PAGE_SIZE,
        },
    )


def _filters_query(query: Mapping[str, Any], *, drop: tuple[str, ...]) -> str:
    kept = query.copy() if isinstance(query, QueryDict) else QueryDict(mutable=True)
    for name in drop:
        kept.pop(name, None)
    return kept.urlencode()


CSV_HEADER = (
    "occurred_at",
    "actor",
    "role",
    "action",
    "action_label",
    "object_type",
    "application_reference",
    "object_id",
    "what",
    "details",
    "ip",
)


def _csv_response(form: search.AuditSearchForm, scope: Any) -> HttpResponse:
    criteria = form.criteria()
    events = list(search.audit_events(criteria)[: search.EXPORT_LIMIT])
    rows = search.audit_rows(events, scope)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = "audit-reveals" if criteria.reveals_only else "audit"
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{form.cleaned_data["date_from"]:%Y%m%d}-'
        f'{form.cleaned_data["date_to"]:%Y%m%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for row in rows:
        event = row.event
        writer.writerow(
            [
                safe_cell(timezone.localtime(event.occurred_at, clock.JAKARTA).strftime("%Y-%m-%d %H:%M:%S")),
                safe_cell(row.who),
                safe_cell(row.role),
                safe_cell(event.action),
                safe_cell(row.action_label),
                safe_cell(event.object_type),
                safe_cell(row.reference),
                safe_cell(event.object_id),
                safe_cell(row.what),
                safe_cell(search.details_text(event.details)),
                safe_cell(event.ip or ""),
            ]
        )
    return response
