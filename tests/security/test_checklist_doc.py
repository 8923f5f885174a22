"""docs/security.md stays true: it has a section and a summary row for each of the 29 items of
SECURITY.md §8, and every test it cites (``tests/…py::name``, or ``::name`` after a cited file)
exists. A renamed or deleted test fails here until the page is corrected."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
PAGE = BASE / "docs" / "security.md"
ITEMS = range(1, 30)

# `tests/x.py`, `tests/x.py::name`, `::name`, `::Class::name`, optionally with `[param]`.
CITATION = re.compile(r"`(?P<path>tests/[\w/]+\.py)?(?P<names>(?:::\w+)+)?(?:\[[^\]`]*\])?`")


def cited_tests(text: str) -> list[tuple[str, str]]:
    """(file, name) for every cited test; ``::name`` refers to the last file cited before it."""
    cited = []
    last: str | None = None
    for match in CITATION.finditer(text):
        if match.group("path"):
            last = match.group("path")
        if match.group("names"):
            assert last is not None, f"{match.group(0)} cites no file"
            cited += [(last, name) for name in match.group("names").strip(":").split("::")]
    return cited


def missing(cited: list[tuple[str, str]]) -> list[str]:
    problems = []
    for path, name in cited:
        file = BASE / path
        if not file.exists():
            problems.append(f"{path}: no such file")
            continue
        source = file.read_text()
        if not re.search(
            rf"^\s*(?:async def|def|class) {re.escape(name)}\b|^{re.escape(name)} = ", source, re.M
        ):
            problems.append(f"{path}::{name}: not defined there")
    return problems


def test_the_checker_finds_a_wrong_citation() -> None:
    text = (
        "`tests/security/test_checklist_doc.py::test_the_checker_finds_a_wrong_citation` and "
        "`::no_such_test`, then `tests/nowhere.py::x`"
    )
    assert missing(cited_tests(text)) == [
        "tests/security/test_checklist_doc.py::no_such_test: not defined there",
        "tests/nowhere.py: no such file",
    ]


def test_every_item_has_its_section_and_summary_row() -> None:
    text = PAGE.read_text()
    sections = [int(n) for n in re.findall(r"^## (\d+)\. ", text, re.M)]
    rows = [int(n) for n in re.findall(r"^\| (\d+) \|", text, re.M)]
    assert sections == list(ITEMS)
    assert rows == list(ITEMS)


def test_every_cited_test_exists() -> None:
    cited = cited_tests(PAGE.read_text())
    assert len(cited) > 100  # the page cites its tests
    assert missing(cited) == []
