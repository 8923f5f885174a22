"""English dates are day first, like the Indonesian ones (korlantas/formats/en/formats.py)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.template import Context, Template
from django.utils import formats, translation

DAY = dt.date(1990, 5, 7)  # 7 May: month-first "05/07/1990" would read as 5 July


def test_english_dates_show_the_day_first() -> None:
    with translation.override("en"):
        assert formats.date_format(DAY) == "7 May 1990"
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "07/05/1990"
        assert formats.localize(DAY) == "7 May 1990"
        moment = dt.datetime(1990, 5, 7, 14, 30)
        assert formats.date_format(moment, "DATETIME_FORMAT") == "7 May 1990, 14:30"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "07/05/1990 14:30"
        rendered = Template('{{ day|date:"SHORT_DATE_FORMAT" }} · {{ day|date }} · {{ day }}').render(
            Context({"day": DAY})
        )
        assert rendered == "07/05/1990 · 7 May 1990 · 7 May 1990"


def test_indonesian_dates_are_unchanged() -> None:
    with translation.override("id"):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "07-05-1990"
        assert formats.date_format(DAY) == "7 Mei 1990"


def test_an_english_date_field_reads_what_english_pages_show() -> None:
    field = forms.DateField()
    with translation.override("en"):
        for shown in ("07/05/1990", "07-05-1990", "7 May 1990", "1990-05-07"):
            assert field.clean(shown) == DAY, shown
        assert field.clean(formats.date_format(DAY, "SHORT_DATE_FORMAT")) == DAY
        assert field.clean(formats.date_format(DAY)) == DAY
