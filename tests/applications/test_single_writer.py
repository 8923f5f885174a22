"""DESIGN §4: nothing but applications/services.py assigns an application's status.

A static check over the project's own modules (tests, migrations and the virtualenv
excluded): an assignment to ``.status``, ``setattr(..., "status", ...)``, or a queryset
``update(status=...)`` / ``bulk_update(..., ["status"])`` anywhere else fails this test.
When another app gets a status of its own (delivery's shipments), list the module in
``OTHER_STATUS_OWNERS`` with the model it writes.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SINGLE_WRITER = Path("applications/services.py")
SKIPPED_PARTS = {".venv", "tests", "migrations", "node_modules", "var", "staticfiles", "__pycache__"}
OTHER_STATUS_OWNERS: dict[Path, str] = {
    Path("documents/revocation.py"): "documents.IssuedDocument",
    Path("documents/services.py"): "documents.IssuedDocument",
    # shipment_transition, the one writer of Shipment.status (delivery/workflow.py's table).
    Path("delivery/services.py"): "delivery.Shipment",
}


def status_writes(source: str) -> list[int]:
    """Line numbers that write a ``status`` attribute or column."""
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for element in ast.walk(target):
                if isinstance(element, ast.Attribute) and element.attr == "status":
                    lines.append(node.lineno)
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("update", "update_or_create") and any(
                kw.arg == "status" or (kw.arg == "defaults" and "status" in ast.unparse(kw.value))
                for kw in node.keywords
            ):
                lines.append(node.lineno)
            if name == "bulk_update" and "'status'" in ast.unparse(node):
                lines.append(node.lineno)
            if name == "setattr" and len(node.args) >= 2 and ast.unparse(node.args[1]) == "'status'":
                lines.append(node.lineno)
    return lines


def project_modules() -> list[Path]:
    return [
        path.relative_to(ROOT)
        for path in ROOT.rglob("*.py")
        if not SKIPPED_PARTS & set(path.relative_to(ROOT).parts)
    ]


def test_the_checker_finds_every_kind_of_write() -> None:
    sample = """
application.status = "approved"
app.status += "x"
Application.objects.filter(pk=1).update(status="queued")
Application.objects.update_or_create(pk=1, defaults={"status": "queued"})
Application.objects.bulk_update(rows, ["status"])
setattr(application, "status", "queued")
if application.status == "draft": pass
"""
    assert status_writes(sample) == [2, 3, 4, 5, 6, 7]


def test_only_the_transition_service_writes_a_status() -> None:
    modules = project_modules()
    assert SINGLE_WRITER in modules
    assert status_writes((ROOT / SINGLE_WRITER).read_text()), "the scan should see the one real writer"
    offenders = [
        f"{path}:{line}"
        for path in modules
        if path != SINGLE_WRITER and path not in OTHER_STATUS_OWNERS
        for line in status_writes((ROOT / path).read_text())
    ]
    assert offenders == [], "only applications.services.application_transition may change a status"
