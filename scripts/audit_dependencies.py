"""`make test`'s dependency audit: pip-audit over every pinned requirement; a known vulnerability fails.

    .venv/bin/python scripts/audit_dependencies.py

1. `.pip-audit-ignore` is read first. Each entry is `ID  package  review-by-date  reason`; an entry
   without a reason, or past its review date, fails the audit (docs/security-scans.md).
2. pip-audit audits requirements.txt, -embedded.txt, -dev.txt and -bench.txt, every pin
   exact (`--no-deps`: no resolution, nothing installed), against PyPI's vulnerability data
   (the PyPA advisory database served by PyPI's JSON API) — never OSV, which these machines cannot reach.
3. pip-audit asks PyPI's per-release JSON (`/pypi/<name>/<version>/json`). Where that answers 404 for
   a release that exists — the package registry these machines reach serves only the per-project
   JSON — the pin is audited from the per-project JSON instead, whose `vulnerabilities` are those of
   the project's latest release: exact for a pin at the latest release. A pin below the latest cannot
   be audited that way; it is listed as "not audited here" (and fails the audit with
   `--require-complete`, for a network where pip-audit itself answers).

Exit status: 0 clean; 1 a vulnerability, a pin PyPI does not know, or (with --require-complete) a pin
left unaudited; 2 a malformed or expired ignore entry, or PyPI unreachable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess  # nosec B404 # runs pip-audit, a fixed argv
import sys
import tempfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

BASE_DIR = Path(__file__).resolve().parent.parent
REQUIREMENTS = (
    "requirements.txt",
    "requirements-embedded.txt",
    "requirements-dev.txt",
    "requirements-bench.txt",
)
IGNORE_FILE = BASE_DIR / ".pip-audit-ignore"
PYPI = "https://pypi.org/pypi"
ENTRY = re.compile(
    r"(?P<id>[A-Z][A-Z0-9]*-[A-Za-z0-9-]+)\s+(?P<package>[A-Za-z0-9_.\-]+)\s+"
    r"(?P<until>\d{4}-\d{2}-\d{2})\s+(?P<reason>\S.{19,})"
)


@dataclass
class Report:
    findings: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    not_audited: list[str] = field(default_factory=list)
    by_pip_audit: int = 0
    by_project_json: int = 0


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned() -> dict[str, str]:
    pins: dict[str, str] = {}
    for name in REQUIREMENTS:
        for line in (BASE_DIR / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                package, version = line.split("==", 1)
                pins[canonical(package)] = version.strip()
    return pins


def read_ignore_file(today: dt.date) -> tuple[set[str], list[str]]:
    ids: set[str] = set()
    errors: list[str] = []
    if not IGNORE_FILE.exists():
        return ids, errors
    for number, raw in enumerate(IGNORE_FILE.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = ENTRY.fullmatch(line)
        if match is None:
            errors.append(
                f"{IGNORE_FILE.name}:{number}: expected 'ID package YYYY-MM-DD reason' with a reason "
                f"of at least 20 characters: {line}"
            )
            continue
        if dt.date.fromisoformat(match["until"]) < today:
            errors.append(
                f"{IGNORE_FILE.name}:{number}: {match['id']} was to be reviewed by {match['until']}"
            )
            continue
        ids.add(match["id"])
    return ids, errors


def run_pip_audit(ignored: set[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "pip-audit.json"
        command = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip", "--progress-spinner=off"]
        command += [f"--requirement={BASE_DIR / name}" for name in REQUIREMENTS]
        command += [f"--ignore-vuln={vuln_id}" for vuln_id in sorted(ignored)]
        command += ["--format=json", f"--output={output}"]
        # Exit 1 means "vulnerabilities found": read the report either way; anything else is an error.
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603
        if result.returncode not in (0, 1) or not output.exists():
            sys.stderr.write(result.stderr)
            raise SystemExit(f"pip-audit failed (exit {result.returncode}); is PyPI reachable?")
        return dict(json.loads(output.read_text()))


def fetch_project(name: str) -> dict[str, Any] | None:
    url = f"{PYPI}/{name}/json"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  # nosec B310 # fixed https URL
            return dict(json.load(response))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def vulnerability_lines(name: str, version: str, vulns: list[dict[str, Any]], ignored: set[str]) -> list[str]:
    lines = []
    for vuln in vulns:
        ids = {vuln["id"], *vuln.get("aliases", [])}
        if vuln.get("withdrawn") or ids & ignored:
            continue
        fixes = vuln.get("fixed_in") or vuln.get("fix_versions") or []
        fixed = f"fixed in {', '.join(fixes)}" if fixes else "no fix yet"
        summary = (vuln.get("summary") or vuln.get("description") or vuln.get("details") or "").strip()
        lines.append(f"{name} {version}: {vuln['id']} ({fixed}) {summary.splitlines()[0][:150]}")
    return lines


def _later(release: str, version: str) -> bool:
    try:
        candidate = Version(release)
        return not candidate.is_prerelease and candidate > Version(version)
    except InvalidVersion:
        return False


def audit_from_project_json(name: str, version: str, ignored: set[str]) -> tuple[str, list[str]]:
    """("unknown" | "not_audited" | "audited", lines) for one pin pip-audit could not audit."""
    project = fetch_project(name)
    if project is None or version not in project.get("releases", {}):
        return "unknown", [f"{name}=={version}"]
    latest = str(project["info"]["version"])
    if version != latest:
        # Not a verdict, a hint: a newer release of the same series usually carries the fixes.
        series = version.split(".")[:2]
        newer = [
            release
            for release, files in project["releases"].items()
            if release.split(".")[:2] == series and files and _later(release, version)
        ]
        same_series = (
            f"; newer in its series: {', '.join(sorted(newer, key=Version))}"
            if newer
            else "; newest of its series"
        )
        return "not_audited", [f"{name}=={version} (latest {latest}{same_series})"]
    return "audited", vulnerability_lines(name, version, project.get("vulnerabilities") or [], ignored)


def audit(ignored: set[str]) -> Report:
    pins = pinned()
    report = Report()
    skipped: list[str] = []
    for dependency in run_pip_audit(ignored)["dependencies"]:
        name = canonical(dependency["name"])
        if "skip_reason" in dependency:
            skipped.append(name)
            continue
        report.by_pip_audit += 1
        report.findings += vulnerability_lines(name, dependency["version"], dependency["vulns"], ignored)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(
                pool.map(lambda name: audit_from_project_json(name, pins[name], ignored), skipped)
            )
    except (urllib.error.URLError, TimeoutError) as exc:
        raise SystemExit(f"PyPI's JSON API is not reachable ({exc}); the dependency audit needs it") from exc
    for kind, lines in outcomes:
        if kind == "unknown":
            report.unknown += lines
        elif kind == "not_audited":
            report.not_audited += lines
        else:
            report.by_project_json += 1
            report.findings += lines
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--require-complete", action="store_true", help="fail when a pin could not be audited at all"
    )
    args = parser.parse_args()
    ignored, errors = read_ignore_file(dt.date.today())
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 2
    report = audit(ignored)
    total = report.by_pip_audit + report.by_project_json + len(report.not_audited) + len(report.unknown)
    print(
        f"pip-audit: {total} pins; audited {report.by_pip_audit} by pip-audit (per-release JSON), "
        f"{report.by_project_json} from the per-project JSON (pin = latest release); "
        f"{len(report.not_audited)} not audited here; {len(ignored)} ignore entries"
    )
    if report.not_audited:
        print("  not audited here (below the latest release): " + ", ".join(sorted(report.not_audited)))
    failed = False
    if report.unknown:
        print("Pins PyPI does not know: " + ", ".join(sorted(report.unknown)), file=sys.stderr)
        failed = True
    if report.findings:
        print("Known vulnerabilities:\n  " + "\n  ".join(sorted(report.findings)), file=sys.stderr)
        failed = True
    if args.require_complete and report.not_audited:
        print("--require-complete: some pins could not be audited", file=sys.stderr)
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
