"""Least exposure across the whole test run (SECURITY.md §1.7 16.2.5 and §8 item 24).

While the suite runs, two things are recorded in memory:

* **What was emitted.** Every log record that any logger hands to its handlers — the formatted
  message, the ``extra`` fields (what the JSON formatter would write) and the traceback text —
  and every Celery task call: the published body (``before_task_publish``), the arguments of a
  task that runs (``task_prerun``, which eager tasks fire too) and its return value
  (``task_postrun``; a worker logs it). Identical entries are kept once with a count.
* **Which secrets existed.** Values the run created or handled, recorded where they are made:
  every plaintext ``korlantas.lib.pii`` encrypts or decrypts (NIKs, TOTP seeds, passport,
  licence and bank account numbers, addresses…), every NIK or licence number it blind-indexes,
  the name, phone number and address of every citizen profile saved, every password set or
  checked (``AbstractBaseUser.set_password`` / ``check_password``), every new session key, and
  every one-time code derived (``notifications.codes.derive_code`` for delivery and other codes,
  ``accounts.services.phone_code_for`` for phone codes).

When the session ends, each entry is scanned for every secret and for anything shaped like a NIK
(16 digits starting with a real province code). A finding fails the run (exit status 1) and is
printed with its logger or task name and the test that emitted it — the secret itself masked.

How a value is matched: secrets made of letters and digits are compared with the alphanumeric
and digit runs of the text (a set lookup, so thousands of session keys cost nothing); passwords
and other free-form values are searched as substrings. Values shorter than ``MIN_LENGTH`` are not
recorded; values shorter than ``TEST_SCOPED_BELOW`` (6-digit one-time codes) and passwords count
only in the tests that made or used them, so a 6-digit byte count in another test is not mistaken
for a code, nor a word in another test's log for a password.

Only records the loggers' levels let through are seen (INFO and above, as in production);
processes a test starts (a real Celery worker, the production probe) are outside the capture.

``KORLANTAS_SKIP_EXPOSURE_SCAN=1`` turns the whole thing off for a quick local run.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

SKIP_ENV = "KORLANTAS_SKIP_EXPOSURE_SCAN"
MIN_LENGTH = 6
TEST_SCOPED_BELOW = 8
# A password may be a plain word ("password1"): it counts where it was set or tried, not in every test.
TEST_SCOPED_KINDS = frozenset({"password"})
# Memory bounds: distinct entries kept, and characters kept of one entry.
MAX_ENTRIES = 300_000
MAX_TEXT = 20_000
MAX_PRINTED = 40

TOKEN_RE = re.compile(r"[A-Za-z0-9]+")
DIGITS_RE = re.compile(r"\d+")
# 16 digits standing alone; not the fraction of a float (a task's runtime "0.1234567890123456").
NIK_SHAPED_RE = re.compile(r"(?<![\d.])\d{16}(?!\d)")

_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_traceback_formatter = logging.Formatter()


def current_test() -> str:
    """The node id of the test running now (pytest keeps it in the environment), phase dropped."""
    return os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]


# --- the registry of secrets --------------------------------------------------------------------


@dataclass
class Secret:
    kind: str
    tests: set[str] = field(default_factory=set)


class Registry:
    """Secret values seen during the run, by value; a value keeps the first kind it was seen as."""

    def __init__(self) -> None:
        self.secrets: dict[str, Secret] = {}

    def add(self, kind: str, value: object, test: str | None = None) -> None:
        if not isinstance(value, str) or len(value) < MIN_LENGTH:
            return
        secret = self.secrets.get(value)
        if secret is None:
            secret = self.secrets[value] = Secret(kind)
        if len(value) < TEST_SCOPED_BELOW or kind in TEST_SCOPED_KINDS:
            secret.tests.add(current_test() if test is None else test)

    def __len__(self) -> int:
        return len(self.secrets)

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for secret in self.secrets.values():
            totals[secret.kind] = totals.get(secret.kind, 0) + 1
        return totals


# --- what was emitted ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    source: str  # logger name, or "celery task <name>"
    level: str
    text: str
    test: str


class Capture:
    """Distinct log records and task calls, with how many times each was seen (bounded)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.entries: dict[Entry, int] = {}
        self.max_entries = max_entries
        self.dropped = 0
        self.truncated = 0
        self.records = 0
        self.task_calls = 0
        self._lock = threading.Lock()

    def add(self, source: str, level: str, text: str, test: str | None = None) -> None:
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT]
            self.truncated += 1
        entry = Entry(source, level, text, current_test() if test is None else test)
        with self._lock:
            if entry in self.entries:
                self.entries[entry] += 1
            elif len(self.entries) < self.max_entries:
                self.entries[entry] = 1
            else:
                self.dropped += 1


def record_text(record: logging.LogRecord) -> str:
    """What a formatter could write of a record: message, ``extra`` fields, traceback, stack."""
    try:
        parts = [record.getMessage()]
    except Exception:  # noqa: BLE001 - a malformed call is still scanned
        parts = [f"{record.msg!r} % {record.args!r}"]
    if record.exc_text:
        parts.append(record.exc_text)
    elif record.exc_info and record.exc_info[0] is not None:
        parts.append(_traceback_formatter.formatException(record.exc_info))
    if record.stack_info:
        parts.append(record.stack_info)
    parts.extend(
        f"{key}={value!r}" for key, value in record.__dict__.items() if key not in _STANDARD_ATTRIBUTES
    )
    return "\n".join(parts)


class CaptureHandler(logging.Handler):
    """Records every record it is handed into a ``Capture``; never writes anything."""

    def __init__(self, capture: Capture) -> None:
        super().__init__(logging.NOTSET)
        self.capture = capture

    def handle(self, record: logging.LogRecord) -> bool:  # no filters, no I/O lock needed
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.capture.records += 1
        self.capture.add(record.name, record.levelname, record_text(record))


# --- the scan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One log record or task call and the secrets (kind, value) found in it."""

    entry: Entry
    count: int
    exposed: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        """The finding as one line, every exposed value masked (longest first, so no part survives)."""
        text = self.entry.text
        for kind, value in sorted(self.exposed, key=lambda pair: -len(pair[1])):
            text = text.replace(value, f"[{kind} {mask(value)}]")
        start = max(0, text.find("[") - 120)
        excerpt = text[start : start + 400].replace("\n", "\\n")
        kinds = ", ".join(sorted({kind for kind, _value in self.exposed}))
        where = self.entry.test or "outside any test"
        return (
            f"{self.entry.level} {self.entry.source} ({self.count}x, in {where}): {kinds} in: "
            f"{'…' if start else ''}{excerpt}"
        )


def mask(value: str) -> str:
    """Two characters and the length — enough to find the value in a test, not to reuse it."""
    return f"{value[:2]}{'*' * (len(value) - 2)}"


def find_exposures(
    entries: Iterable[tuple[Entry, int]], registry: Registry, province_codes: Iterable[str]
) -> list[Finding]:
    """Every entry in which a recorded secret or a NIK-shaped value appears."""
    provinces = frozenset(province_codes)
    tokens: dict[str, Secret] = {}
    substrings: list[tuple[str, Secret]] = []
    for value, secret in registry.secrets.items():
        if secret.kind != "password" and TOKEN_RE.fullmatch(value):
            tokens[value] = secret
        else:
            substrings.append((value, secret))
    findings: list[Finding] = []
    for entry, count in entries:
        exposed: dict[str, str] = {}
        text = entry.text
        candidates = set(TOKEN_RE.findall(text))
        candidates.update(DIGITS_RE.findall(text))
        for candidate in candidates:
            secret = tokens.get(candidate)
            if secret is not None and (not secret.tests or entry.test in secret.tests):
                exposed[candidate] = secret.kind
        for value, secret in substrings:
            if value in text and (not secret.tests or entry.test in secret.tests):
                exposed[value] = secret.kind
        for match in NIK_SHAPED_RE.finditer(text):
            if match.group()[:2] in provinces:
                exposed.setdefault(match.group(), "NIK-shaped number")
        if exposed:
            pairs = tuple(sorted((kind, value) for value, kind in exposed.items()))
            findings.append(Finding(entry, count, pairs))
    return findings


# --- where secrets are made: wrappers installed for the session --------------------------------


class Hooks:
    """Wraps the functions that make or handle secrets, and taps logging and Celery."""

    def __init__(self, registry: Registry, capture: Capture) -> None:
        self.registry = registry
        self.capture = capture
        self.handler = CaptureHandler(capture)
        self._undo: list[Callable[[], None]] = []

    def _wrap(self, owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        setattr(owner, name, functools.wraps(original)(make(original)))
        self._undo.append(lambda: setattr(owner, name, original))

    def install(self) -> None:
        from celery import signals
        from django.contrib.auth.base_user import AbstractBaseUser
        from django.contrib.sessions.backends.base import SessionBase
        from django.db.models.signals import post_save

        import accounts.services
        import notifications.codes
        from accounts.adapters import TOTP_PURPOSE
        from accounts.models import NIK_PURPOSE, CitizenProfile
        from korlantas.lib import pii
        from licensing.models import NUMBER_PURPOSE, PASSPORT_PURPOSE
        from payments.refunds import ACCOUNT_PURPOSE

        registry, handler = self.registry, self.handler
        encrypted_kinds = {
            NIK_PURPOSE: "NIK",
            TOTP_PURPOSE: "TOTP secret",
            NUMBER_PURPOSE: "licence number",
            PASSPORT_PURPOSE: "passport number",
            ACCOUNT_PURPOSE: "bank account number",
        }
        indexed_kinds = {NIK_PURPOSE: "NIK", NUMBER_PURPOSE: "licence number"}

        def kind_of(purpose: str) -> str:
            return encrypted_kinds.get(purpose, f"encrypted {purpose}")

        def encrypt(original: Callable[..., str]) -> Callable[..., str]:
            def wrapper(plaintext: str, *, purpose: str) -> str:
                registry.add(kind_of(purpose), plaintext)
                return original(plaintext, purpose=purpose)

            return wrapper

        def decrypt(original: Callable[..., str]) -> Callable[..., str]:
            def wrapper(ciphertext: str, *, purpose: str) -> str:
                plain = original(ciphertext, purpose=purpose)
                registry.add(kind_of(purpose), plain)
                return plain

            return wrapper

        def blind_index(original: Callable[..., str]) -> Callable[..., str]:
            def wrapper(value: str, *, purpose: str) -> str:
                if purpose in indexed_kinds:
                    registry.add(indexed_kinds[purpose], value)
                return original(value, purpose=purpose)

            return wrapper

        def password_method(original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(self: Any, raw_password: str | None, *args: Any, **kwargs: Any) -> Any:
                registry.add("password", raw_password)
                return original(self, raw_password, *args, **kwargs)

            return wrapper

        def new_session_key(original: Callable[..., str]) -> Callable[..., str]:
            def wrapper(self: Any) -> str:
                key = original(self)
                registry.add("session key", key)
                return key

            return wrapper

        def code_maker(kind: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
            def make(original: Callable[..., str]) -> Callable[..., str]:
                def wrapper(*args: Any, **kwargs: Any) -> str:
                    code = original(*args, **kwargs)
                    registry.add(kind, code)
                    return code

                return wrapper

            return make

        def call_handlers(original: Callable[..., None]) -> Callable[..., None]:
            # Logger.handle calls this once per record, after the logger's level and filters and
            # before any handler: every record of every logger, propagating or not, passes here.
            def wrapper(self: logging.Logger, record: logging.LogRecord) -> None:
                handler.handle(record)
                original(self, record)

            return wrapper

        self._wrap(pii, "encrypt", encrypt)
        self._wrap(pii, "decrypt", decrypt)
        self._wrap(pii, "blind_index", blind_index)
        self._wrap(AbstractBaseUser, "set_password", password_method)
        self._wrap(AbstractBaseUser, "check_password", password_method)
        self._wrap(SessionBase, "_get_new_session_key", new_session_key)
        self._wrap(notifications.codes, "derive_code", code_maker("one-time code"))
        self._wrap(accounts.services, "phone_code_for", code_maker("phone code"))
        self._wrap(logging.Logger, "callHandlers", call_handlers)

        def profile_saved(sender: object, instance: Any, **kwargs: object) -> None:
            # What a citizen declares about themselves: never in a log line either.
            registry.add("name", instance.full_name)
            registry.add("phone number", instance.phone)
            registry.add("address", instance.address)

        post_save.connect(profile_saved, sender=CitizenProfile, weak=False, dispatch_uid=self)
        self._undo.append(lambda: post_save.disconnect(sender=CitizenProfile, dispatch_uid=self))

        for signal, receiver in (
            (signals.before_task_publish, self._on_publish),
            (signals.task_prerun, self._on_prerun),
            (signals.task_postrun, self._on_postrun),
        ):
            signal.connect(receiver, weak=False)
            self._undo.append(functools.partial(signal.disconnect, receiver))

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _task(self, name: object, text: str) -> None:
        self.capture.task_calls += 1
        self.capture.add(f"celery task {name}", "TASK", text)

    def _on_publish(self, sender: object = None, body: object = None, **kwargs: object) -> None:
        self._task(sender, f"published body={body!r}")

    def _on_prerun(self, task: Any = None, args: object = None, kwargs: object = None, **_: object) -> None:
        self._task(getattr(task, "name", task), f"args={args!r} kwargs={kwargs!r}")

    def _on_postrun(self, task: Any = None, retval: object = None, **_: object) -> None:
        self._task(getattr(task, "name", task), f"returned {retval!r}")


# --- the pytest plugin ----------------------------------------------------------------------------


class ExposurePlugin:
    """Installed by tests/conftest.py for every run unless ``KORLANTAS_SKIP_EXPOSURE_SCAN=1``."""

    def __init__(self) -> None:
        self.registry = Registry()
        self.capture = Capture()
        self.hooks = Hooks(self.registry, self.capture)
        self.findings: list[Finding] | None = None
        self.scan_seconds = 0.0

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.hooks.install()

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.hooks.uninstall()
        from accounts.nik import province_codes

        started = time.perf_counter()
        self.findings = find_exposures(self.capture.entries.items(), self.registry, province_codes())
        self.scan_seconds = time.perf_counter() - started
        if self.findings and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.findings is None:
            return
        capture = self.capture
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.registry.counts().items()))
        summary = (
            f"{capture.records} log records and {capture.task_calls} task calls "
            f"({len(capture.entries)} distinct) scanned for {len(self.registry)} secrets "
            f"({counts or 'none'}) in {self.scan_seconds:.2f} s"
        )
        if capture.dropped or capture.truncated:
            summary += f"; {capture.dropped} entries over the bound not kept, {capture.truncated} truncated"
        if not self.findings:
            terminalreporter.write_line(f"least exposure: {summary}: nothing exposed")
            return
        terminalreporter.section("least exposure: personal data or secrets in logs", sep="=", red=True)
        terminalreporter.write_line(summary)
        for finding in self.findings[:MAX_PRINTED]:
            terminalreporter.write_line(finding.describe(), red=True)
        if len(self.findings) > MAX_PRINTED:
            terminalreporter.write_line(f"… and {len(self.findings) - MAX_PRINTED} more")


def register(config: pytest.Config) -> None:
    if os.environ.get(SKIP_ENV, "") not in ("", "0"):
        return
    config.pluginmanager.register(ExposurePlugin(), "korlantas-least-exposure")
