"""The supply-chain helpers of `make test` and the DAST script (docs/security-scans.md), offline:
the ignore file's rules, the fallback audit from PyPI's per-project JSON, and the TOTP codes the
DAST sign-in computes."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.utils import BASE_DIR


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BASE_DIR / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


audit = load_script("audit_dependencies")
dast_session = load_script("dast_session")

TODAY = dt.date(2026, 11, 28)


def test_the_repository_ignore_file_is_well_formed() -> None:
    _ids, errors = audit.read_ignore_file(TODAY)
    assert errors == []


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("GHSA-aaaa-bbbb-cccc django 2027-01-31 only the admin's CSV export is affected; drop at 5.2.20", ""),
        ("GHSA-aaaa-bbbb-cccc django 2027-01-31", "expected 'ID package YYYY-MM-DD reason'"),
        ("GHSA-aaaa-bbbb-cccc django 2027-01-31 not used", "expected 'ID package YYYY-MM-DD reason'"),
        (
            "GHSA-aaaa-bbbb-cccc django 2026-11-27 was fine until yesterday, now look again",
            "to be reviewed by",
        ),
    ],
)
def test_every_ignore_entry_needs_a_reason_and_a_review_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, error: str
) -> None:
    ignore = tmp_path / ".pip-audit-ignore"
    ignore.write_text(f"# comment\n\n{line}\n")
    monkeypatch.setattr(audit, "IGNORE_FILE", ignore)
    ids, errors = audit.read_ignore_file(TODAY)
    if error:
        assert ids == set()
        assert len(errors) == 1
        assert error in errors[0]
    else:
        assert errors == []
        assert ids == {"GHSA-aaaa-bbbb-cccc"}


def test_every_pin_of_the_three_requirement_files_is_audited() -> None:
    pins = audit.pinned()
    expected = sum(
        1
        for name in audit.REQUIREMENTS
        for line in (BASE_DIR / name).read_text().splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    )
    assert len(pins) == expected
    assert pins["django"].startswith("5.2.")
    assert "pip-audit" in pins
    assert "bandit" in pins


def project(latest: str, releases: list[str], vulnerabilities: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "info": {"version": latest},
        "releases": {release: [{"filename": f"x-{release}.whl"}] for release in releases},
        "vulnerabilities": vulnerabilities,
    }


VULN = {
    "id": "PYSEC-2026-1",
    "aliases": ["CVE-2026-0001", "GHSA-zzzz-yyyy-xxxx"],
    "summary": "Something bad\nmore detail",
    "fixed_in": ["1.0.1"],
    "withdrawn": None,
}


@pytest.mark.parametrize(
    ("version", "data", "ignored", "expected"),
    [
        # The pin is the latest release: the per-project vulnerabilities are exactly its own.
        (
            "1.0.0",
            project("1.0.0", ["0.9", "1.0.0"], [VULN]),
            set(),
            ("audited", ["pkg 1.0.0: PYSEC-2026-1 (fixed in 1.0.1) Something bad"]),
        ),
        # Ignored by an alias.
        ("1.0.0", project("1.0.0", ["1.0.0"], [VULN]), {"CVE-2026-0001"}, ("audited", [])),
        # Withdrawn advisories do not count.
        ("1.0.0", project("1.0.0", ["1.0.0"], [{**VULN, "withdrawn": "2026-01-01"}]), set(), ("audited", [])),
        # Below the latest release: not auditable from the per-project JSON, said so with a hint.
        (
            "1.0.0",
            project("2.0.0", ["1.0.0", "1.0.2", "2.0.0"], []),
            set(),
            ("not_audited", ["pkg==1.0.0 (latest 2.0.0; newer in its series: 1.0.2)"]),
        ),
        # A release PyPI does not know.
        ("9.9.9", project("1.0.0", ["1.0.0"], []), set(), ("unknown", ["pkg==9.9.9"])),
    ],
)
def test_fallback_audit_from_the_per_project_json(
    monkeypatch: pytest.MonkeyPatch,
    version: str,
    data: dict[str, Any],
    ignored: set[str],
    expected: tuple[str, list[str]],
) -> None:
    monkeypatch.setattr(audit, "fetch_project", lambda name: data)
    assert audit.audit_from_project_json("pkg", version, ignored) == expected


def test_a_package_pypi_does_not_have_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "fetch_project", lambda name: None)
    assert audit.audit_from_project_json("nothing-here", "1.0", set()) == ("unknown", ["nothing-here==1.0"])


@pytest.mark.parametrize(
    ("at", "code"),
    # RFC 6238 appendix B, SHA-1 secret "12345678901234567890", the last 6 of the 8 digits.
    [(59, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924")],
)
def test_dast_sign_in_computes_rfc_6238_codes(at: int, code: str) -> None:
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert dast_session.totp(secret, at) == code


def test_dast_sign_in_reads_the_demo_accounts_from_the_seed_output() -> None:
    seed = (
        "seeded demo accounts\n"
        "  citizen (Terverifikasi): warga.terverifikasi@demo.korlantas.id / pw-1\n"
        "  officer at Satpas Daan Mogot: officer.satpas@demo.korlantas.id / pw-2 / TOTP secret ABCD2345\n"
    )
    assert dast_session.find_account(seed, "citizen") == (
        "warga.terverifikasi@demo.korlantas.id",
        "pw-1",
        None,
    )
    assert dast_session.find_account(seed, "officer") == (
        "officer.satpas@demo.korlantas.id",
        "pw-2",
        "ABCD2345",
    )
    with pytest.raises(SystemExit):
        dast_session.find_account(seed, "courier")
