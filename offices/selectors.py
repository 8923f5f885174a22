"""Named reads of the offices app."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from offices.models import Holiday, Office, Polda


def office_list(*, kind: str | None = None, polda: Polda | None = None) -> QuerySet[Office]:
    """Active offices, optionally of one kind and/or one Polda, with their city loaded."""
    offices = Office.objects.filter(is_active=True).select_related("regency__province", "polda")
    if kind is not None:
        offices = offices.filter(kind=kind)
    if polda is not None:
        offices = offices.filter(polda=polda)
    return offices.order_by("name")


def offices_serving_plate_code(*, plate_code: str, kind: str) -> QuerySet[Office]:
    """Active offices of ``kind`` that serve number plates with this region code (e.g. "B")."""
    return office_list(kind=kind).filter(plate_region_codes__contains=[plate_code.strip().upper()])


def polda_for_province(*, province_code: str) -> Polda | None:
    """The Polda covering the province (Kemendagri code), if loaded."""
    return Polda.objects.filter(coverage__province__code=province_code).first()


def holiday_list(*, start: dt.date, end: dt.date) -> QuerySet[Holiday]:
    """Holidays from ``start`` to ``end``, both included."""
    return Holiday.objects.filter(date__gte=start, date__lte=end).order_by("date")
