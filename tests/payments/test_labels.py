"""A service's own bill lines (taxes, fines) read in each reader's language: the line keeps its
msgid and values (payments.labels), translated first and filled in after."""

from __future__ import annotations

from django.utils import translation

from payments.labels import label_spec, render_label
from payments.models import BillLine

SPEC = label_spec(
    "PKB: taxable value %(njkb)s × %(rate)s (%(which)s)",
    njkb="Rp 185.000.000",
    rate="2%",
    which=label_spec("first vehicle"),
)


def test_a_spec_renders_in_the_active_language_with_nested_parts() -> None:
    with translation.override("en"):
        english = render_label(SPEC)
    with translation.override("id"):
        indonesian = render_label(SPEC)
    assert english == "PKB: taxable value Rp 185.000.000 × 2% (first vehicle)"
    assert indonesian != english
    assert "Rp 185.000.000" in indonesian
    assert "2%" in indonesian


def test_a_bill_line_with_a_spec_is_shown_in_the_readers_language() -> None:
    line = BillLine(kind="tax", label="stored English text", label_params=SPEC, unit_amount=1, amount=1)
    with translation.override("id"):
        assert line.display_label == render_label(SPEC)
    plain = BillLine(kind="tax", label="Tax", unit_amount=1, amount=1)
    with translation.override("en"):
        assert plain.display_label == "Tax"


def test_a_malformed_spec_falls_back_to_its_msgid() -> None:
    assert render_label({"msgid": "Fine %(missing)s", "params": {"other": 1}}) == "Fine %(missing)s"
    assert render_label({}) == ""
