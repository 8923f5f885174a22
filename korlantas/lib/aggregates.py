"""PostgreSQL aggregates Django does not ship, for the supervision figures.

``PercentileCont(expr, fraction)`` is ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expr)``:
the continuous percentile with linear interpolation between the two nearest values (the
median of 1, 2, 3, 10 is 2.5; the 90th percentile of 1..10 is 9.1). Null inputs are ignored;
no rows give null. ``EpochSeconds(expr)`` is the length of an interval in seconds, e.g. of
``F("decided_at") - F("paid_at")``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, FloatField, Func


class PercentileCont(Aggregate):
    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        # A literal in the SQL, not a parameter: it is our own constant, never user input.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    output_field = FloatField()
