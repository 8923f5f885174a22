"""korlantas.lib.spreadsheet: no CSV cell the portal writes can start a formula."""

from __future__ import annotations

import pytest

from korlantas.lib.spreadsheet import safe_cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_would_start_a_formula_gets_an_apostrophe(start: str) -> None:
    assert safe_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


@pytest.mark.parametrize(
    ("value", "expected"), [("B 1234 ABC", "B 1234 ABC"), (12, "12"), (None, ""), ("", "")]
)
def test_other_cells_are_left_as_text(value: object, expected: str) -> None:
    assert safe_cell(value) == expected
