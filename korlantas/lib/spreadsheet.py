"""CSV cells that a spreadsheet cannot run as formulas (CSV injection, OWASP).

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
spreadsheet programs as a formula; such a cell gets a leading apostrophe, which they show as
text. Every CSV the portal writes passes its cells through ``safe_cell``.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """``value`` as text (None as empty), with a leading apostrophe if it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
