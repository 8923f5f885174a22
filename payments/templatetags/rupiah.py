"""Rupiah as Indonesians write them, in every language of the portal: ``Rp 120.000``.

Thousands are grouped with a dot, there are no decimals (amounts are whole rupiah, DESIGN §5).
``{% load rupiah %}`` then ``{{ bill.total|rupiah }}``; Python code (messages, PDFs) calls
``format_rupiah``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


def format_rupiah(amount: int) -> str:
    """``format_rupiah(120000)`` → ``"Rp 120.000"``; ``-5000`` → ``"-Rp 5.000"``."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


@register.filter(is_safe=True)
def rupiah(value: Any) -> Any:
    """An amount of rupiah (int, Decimal or a string of digits) formatted; anything else
    (None, an empty string, text) is returned unchanged, as template filters do."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return format_rupiah(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return format_rupiah(int(value))
    if isinstance(value, str) and value.strip().lstrip("-").isascii() and value.strip().lstrip("-").isdigit():
        return format_rupiah(int(value.strip()))
    return value
