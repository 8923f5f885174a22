"""docs/privacy.md shows the retention table of privacy/retention.py, unchanged."""

from __future__ import annotations

import re
from pathlib import Path

from privacy.retention import RULES, retention_table_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def test_the_documented_retention_table_is_the_codes() -> None:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- retention-table:start[^>]*-->\n(.*?)\n<!-- retention-table:end -->", text, re.S)
    assert match is not None, "docs/privacy.md lost its retention-table markers"
    assert match.group(1) == retention_table_markdown()


def test_every_rule_has_a_period_and_a_reason() -> None:
    assert len({rule.key for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.reason
        assert rule.then
