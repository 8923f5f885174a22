"""Placeholder: the public performance figures' refresh (issue 10, point 6)."""

from __future__ import annotations


def refresh_office_stats() -> int:
    return 0
