"""korlantas.lib.aggregates against PostgreSQL, with the figures worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from audit.models import AuditEvent
from korlantas.lib.aggregates import EpochSeconds, PercentileCont

pytestmark = pytest.mark.django_db


def _events(values: list[int]) -> None:
    # Audit rows are the simplest table with a free integer-ish column: the actor id.
    for value in values:
        AuditEvent.objects.create(action="test.value", actor_id=value)


def test_median_and_90th_percentile_interpolate_like_percentile_cont() -> None:
    _events([10, 1, 3, 2])
    figures = AuditEvent.objects.filter(action="test.value").aggregate(
        median=PercentileCont(F("actor_id"), 0.5), p90=PercentileCont(F("actor_id"), 0.9)
    )
    # Sorted 1, 2, 3, 10. Median: h = (4-1)*0.5 = 1.5 → 2 + 0.5*(3-2) = 2.5.
    # 90th: h = 3*0.9 = 2.7 → 3 + 0.7*(10-3) = 7.9.
    assert figures["median"] == pytest.approx(2.5)
    assert figures["p90"] == pytest.approx(7.9)


def test_no_rows_give_none_and_nulls_are_ignored() -> None:
    assert (
        AuditEvent.objects.filter(action="test.value").aggregate(m=PercentileCont(F("actor_id"), 0.5))["m"]
        is None
    )
    _events([4])
    AuditEvent.objects.create(action="test.value", actor_id=None)
    assert (
        AuditEvent.objects.filter(action="test.value").aggregate(m=PercentileCont(F("actor_id"), 0.5))["m"]
        == 4
    )


def test_a_fraction_outside_0_to_1_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        PercentileCont(F("actor_id"), 1.5)


def test_epoch_seconds_of_an_interval() -> None:
    AuditEvent.objects.create(action="test.value", occurred_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC))
    seconds = (
        AuditEvent.objects.filter(action="test.value")
        .annotate(age=EpochSeconds(F("occurred_at") - dt.datetime(2026, 11, 1, 7, 30, tzinfo=dt.UTC)))
        .values_list("age", flat=True)
        .get()
    )
    # 1 day 1 h 30 min = 86400 + 5400 seconds.
    assert seconds == pytest.approx(91800)
