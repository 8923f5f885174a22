"""The public performance page ``/kinerja/`` (issue 10, point 6): no sign-in, aggregates only.

It reads ``OfficeServiceStat`` (refreshed every 15 minutes by ``supervision.snapshot``) and
never an application, a person or a reference. Cheap by construction:

* the figures (language-independent) are cached under the version of the latest refresh, which
  the refresh publishes to the cache once committed (``snapshot.FIGURES_VERSION_KEY``); a cold
  request reads them with one query;
* the rendered figures (filters, tables) are cached per language and filters for 5 minutes
  under the same version, so a refresh shows at once: a warm request makes no query.

Only the figures are cached, never the whole response: the header around them (the language
form's CSRF token, a signed-in visitor's menu) is rendered per request. The view does not touch
the session.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from applications.registry import UnknownService, get_service
from supervision import snapshot
from supervision.snapshot import FIGURES_VERSION_KEY, FIGURES_VERSION_TIMEOUT, FigureRow, PublicFigures

logger = logging.getLogger(__name__)

CACHE_SECONDS = 5 * 60
# Bump when ``PublicFigures`` or the partial template changes shape: old cached copies are ignored.
_CACHE_PREFIX = "supervision:kinerja:v1"
# Filter values are codes (slugs); anything else is ignored, never put into a cache key.
_CODE = re.compile(r"[a-z0-9_-]{1,50}")


@dataclass(frozen=True)
class FigureView:
    """One row of a table, ready to print."""

    office_name: str
    service_name: str | Promise
    standard_working_days: int | None
    median_days: Decimal | None
    decided: int
    within: int
    within_percent: int | None
    backlog: int
    overdue: int
    shipments_ended: int
    delivered_percent: int | None
    first_attempt_percent: int | None


@dataclass(frozen=True)
class PoldaGroup:
    name: str | Promise
    rows: list[FigureView]


def percent(part: int, whole: int) -> int | None:
    """A whole percentage rounded half up; None when there is nothing to divide."""
    if whole <= 0:
        return None
    return (200 * part + whole) // (2 * whole)


def days(hours: int) -> Decimal:
    """Hours as days with one decimal, rounded half up (30 h → 1.3)."""
    return (Decimal(hours) / 24).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _service_name(code: str) -> str | Promise:
    try:
        return get_service(code).name
    except UnknownService:
        return code


def _standard(code: str) -> int | None:
    try:
        return get_service(code).standard_working_days
    except UnknownService:
        return None


def _view(row: FigureRow) -> FigureView:
    hours = row.median_decision_hours_90d
    return FigureView(
        office_name=row.office_name,
        service_name=_service_name(row.service_code),
        standard_working_days=_standard(row.service_code),
        median_days=None if hours is None else days(hours),
        decided=row.decided_90d,
        within=row.within_standard_90d,
        within_percent=percent(row.within_standard_90d, row.decided_90d),
        backlog=row.backlog,
        overdue=row.overdue,
        shipments_ended=row.shipments_ended_90d,
        delivered_percent=percent(row.delivered_90d, row.shipments_ended_90d),
        first_attempt_percent=percent(row.delivered_first_attempt_90d, row.shipments_ended_90d),
    )


def _cache_get(key: str) -> Any:
    """The cache is an optimisation: when it fails the page is built from the table."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("performance page: cache read failed", exc_info=True)
        return None


def _cache_put(key: str, value: Any, timeout: int, *, only_if_absent: bool = False) -> None:
    try:
        if only_if_absent:
            cache.add(key, value, timeout)
        else:
            cache.set(key, value, timeout)
    except Exception:
        logger.warning("performance page: cache write failed", exc_info=True)


def _figures(version: Any) -> tuple[str, PublicFigures]:
    """The figures and their version: from the cache, else one query (and cached)."""
    if isinstance(version, str):
        cached = _cache_get(f"{_CACHE_PREFIX}:{version}:figures")
        if isinstance(cached, PublicFigures):
            return version, cached
    figures = snapshot.public_figures()
    if not isinstance(version, str):
        version = figures.computed_at.isoformat() if figures.computed_at is not None else "empty"
        # ``add``: a refresh that committed meanwhile has set a newer version; keep that one.
        _cache_put(FIGURES_VERSION_KEY, version, FIGURES_VERSION_TIMEOUT, only_if_absent=True)
    _cache_put(f"{_CACHE_PREFIX}:{version}:figures", figures, CACHE_SECONDS)
    return version, figures


def _chosen(request: HttpRequest, name: str, allowed: set[str]) -> str:
    value = request.GET.get(name, "")
    return value if _CODE.fullmatch(value) and value in allowed else ""


def _render_figures(figures: PublicFigures, polda: str, service: str) -> str:
    services = sorted(
        {row.service_code for row in figures.rows}, key=lambda code: str(_service_name(code)).lower()
    )
    shown = [
        row
        for row in figures.rows
        if (not polda or row.polda_code == polda) and (not service or row.service_code == service)
    ]
    groups = [
        PoldaGroup(name=name or _("Korlantas headquarters"), rows=[_view(row) for row in rows])
        for name, rows in groupby(shown, key=lambda row: row.polda_name)
    ]
    return render_to_string(
        "supervision/includes/performance_figures.html",
        {
            "computed_at": figures.computed_at,
            "groups": groups,
            "has_figures": bool(figures.rows),
            "poldas": figures.poldas,
            "services": [(code, _service_name(code)) for code in services],
            "chosen_polda": polda,
            "chosen_service": service,
            "filtered": bool(polda or service),
        },
    )


@login_not_required
@require_GET
def performance(request: HttpRequest) -> HttpResponse:
    version, figures = _figures(_cache_get(FIGURES_VERSION_KEY))
    polda = _chosen(request, "polda", {code for code, _name in figures.poldas})
    service = _chosen(request, "layanan", {row.service_code for row in figures.rows})
    key = f"{_CACHE_PREFIX}:{version}:page:{translation.get_language()}:{polda}:{service}"
    html = _cache_get(key)
    if not isinstance(html, str):
        html = _render_figures(figures, polda, service)
        _cache_put(key, html, CACHE_SECONDS)
    # Rendered from our own template (autoescaped) and cached by us: safe to insert as it is.
    return render(request, "supervision/performance.html", {"figures_html": SafeString(html)})  # nosec B703
