"""A request Django attaches to its log records keeps its method and path, never its query."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, RequestFactory

from korlantas.logging_filters import RequestWithoutQuery

NIK = "3171014507900001"


def test_the_filter_keeps_method_and_path_only() -> None:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x/",), None
    )
    record.request = RequestFactory().get(f"/staf/antrean/cari/?text={NIK}")

    assert RequestWithoutQuery().filter(record) is True
    assert record.request == "GET /staf/antrean/cari/"


@pytest.mark.django_db
def test_a_405_logged_by_django_carries_no_query_string(caplog: pytest.LogCaptureFixture) -> None:
    # The language switch is POST only (and public); a GET with a NIK in its query is refused
    # and logged by Django, with the request attached to the record.
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert Client().get(f"/i18n/setlang/?text={NIK}").status_code == 405
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    for record in records:
        assert NIK not in record.getMessage()
        assert NIK not in str(getattr(record, "request", ""))
