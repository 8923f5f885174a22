"""Placeholder: filled in by the issue 10 work (see docs/supervision/)."""

from __future__ import annotations


def register() -> None:
    """Hook this module into the lifecycle (called from SupervisionConfig.ready)."""


from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from supervision.models import QueueEstimate  # noqa: E402


@dataclass(frozen=True)
class EtaAccuracy:
    """How the estimates given at queue entry compared with the decisions of the past 30 days."""

    measured: int  # decided applications that had an estimate
    on_time: int  # decided on or before the estimated date
    mean_abs_error_days: float | None  # working days between estimate and decision, averaged


def accuracy_for(*, office_ids: Sequence[int]) -> EtaAccuracy:
    """One query. Placeholder until the ETA work lands."""
    measured = QueueEstimate.objects.filter(office_id__in=list(office_ids)).count()
    return EtaAccuracy(measured=measured, on_time=0, mean_abs_error_days=None)
