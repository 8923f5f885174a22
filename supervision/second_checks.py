"""Placeholder: filled in by the issue 10 work (see docs/supervision/)."""

from __future__ import annotations


def register() -> None:
    """Hook this module into the lifecycle (called from SupervisionConfig.ready)."""
