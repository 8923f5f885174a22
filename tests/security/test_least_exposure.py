"""Least exposure (SECURITY.md §8 item 24, §1.7 16.2.5 and §1.8 16.4.1).

The whole-run scan lives in tests/security/exposure.py and fails the run by itself at the end; the
tests here prove that its detector can fail (a secret or a NIK-shaped value is found, a clean
record passes), that its hooks are live in this run, and that log lines escape CR/LF with both of
the project's formatters.

No test here logs a real secret: the detector is called directly on made-up entries, so the
session scan stays clean.
"""

from __future__ import annotations

import copy
import inspect
import json
import logging
import logging.config
import sys
import types
import typing
import uuid
from typing import Any

import pytest
from celery import signals
from django.conf import settings
from django.test import Client

from accounts.nik import province_codes
from korlantas.lib import pii
from korlantas.logging_filters import EscapeControlCharacters, escape_control_characters
from notifications import codes
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.security import exposure
from tests.security.exposure import Capture, Entry, Registry, find_exposures, mask, record_text

SESSION_KEY = "k3j5h2g8f7d6s5a4q1w2e3r4t5y6u7i8"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NIK = "3171014507900003"  # province 31 (DKI Jakarta), born 05-07-1990, woman (day + 40)
PASSWORD = "kuda lumping & 42!"  # spaces and symbols: matched as a substring, not a token


def registry() -> Registry:
    secrets = Registry()
    secrets.add("session key", SESSION_KEY, test="t::a")
    secrets.add("TOTP secret", TOTP_SECRET, test="t::a")
    secrets.add("password", PASSWORD, test="t::a")
    secrets.add("one-time code", "493027", test="t::a")  # 6 digits: only counts in t::a
    return secrets


def scan(text: str, test: str = "t::a", secrets: Registry | None = None) -> list[tuple[str, str]]:
    entry = Entry("korlantas.test", "INFO", text, test)
    findings = find_exposures([(entry, 1)], secrets or registry(), province_codes())
    return [pair for finding in findings for pair in finding.exposed]


# --- the detector ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        (f"session {SESSION_KEY} resumed", "session key", SESSION_KEY),
        (f"sessionid={SESSION_KEY}; path=/", "session key", SESSION_KEY),
        (f"otpauth://totp/x?secret={TOTP_SECRET}", "TOTP secret", TOTP_SECRET),
        (f"login failed with {PASSWORD!r}", "password", PASSWORD),
        ("args=(42, '493027') kwargs={}", "one-time code", "493027"),
    ],
)
def test_a_registered_secret_in_a_record_is_found(text: str, kind: str, value: str) -> None:
    assert scan(text) == [(kind, value)]


def test_a_nik_shaped_value_is_found_even_if_no_test_registered_it() -> None:
    assert scan(f"profile form invalid: nik={NIK}", secrets=Registry()) == [("NIK-shaped number", NIK)]
    # Registered, it is reported once, under its recorded kind.
    secrets = Registry()
    secrets.add("NIK", NIK)
    assert scan(f"citizen {NIK}", secrets=secrets) == [("NIK", NIK)]


@pytest.mark.parametrize(
    "text",
    [
        "application 42: submitted by user 7 at office 3",
        f"document {uuid.uuid4()} rendered (493027 bytes, template 2)",  # the code, but another test's
        "Task documents.tasks.render_document[8b1f] succeeded in 0.3171014507900003s: 'rendered'",
        "bill 9971014507900003 paid",  # 16 digits, but 99 is no province code
        "sequence 317101450790000312 is longer than a NIK",
        f"nik_index={pii.blind_index(NIK, purpose='tests.exposure')}",
    ],
)
def test_a_clean_record_passes(text: str) -> None:
    assert scan(text, test="t::other") == []


def test_a_short_code_or_a_password_counts_only_in_the_tests_that_made_or_used_it() -> None:
    assert scan("code 493027 sent", test="t::a") == [("one-time code", "493027")]
    assert scan("code 493027 sent", test="t::b") == []
    assert scan(f"said {PASSWORD}", test="t::b") == []


def test_values_too_short_to_tell_apart_are_not_recorded() -> None:
    secrets = Registry()
    secrets.add("password", "12345")
    secrets.add("password", None)
    assert len(secrets) == 0


def test_the_report_masks_every_exposed_value() -> None:
    entry = Entry("korlantas.test", "WARNING", f"user {PASSWORD} session {SESSION_KEY} nik {NIK}", "t::a")
    (finding,) = find_exposures([(entry, 3)], registry(), province_codes())
    line = finding.describe()
    for value in (PASSWORD, SESSION_KEY, NIK):
        assert value not in line
        assert mask(value) in line
    assert "korlantas.test (3x, in t::a)" in line


def test_record_text_holds_message_extra_fields_and_traceback() -> None:
    try:
        raise ValueError("bad value 8c4e")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("korlantas.test", logging.ERROR, __file__, 1, "user %s", (7,), exc_info)
    record.reference = "ref-5d1a"  # what logger.error(..., extra={"reference": ...}) sets
    text = record_text(record)
    assert "user 7" in text
    assert "reference='ref-5d1a'" in text
    assert "ValueError: bad value 8c4e" in text


def test_the_capture_keeps_distinct_entries_within_its_bound() -> None:
    capture = Capture(max_entries=2)
    for text in ("one", "one", "two", "three"):
        capture.add("korlantas.test", "INFO", text, test="t::a")
    assert capture.entries == {
        Entry("korlantas.test", "INFO", "one", "t::a"): 2,
        Entry("korlantas.test", "INFO", "two", "t::a"): 1,
    }
    assert capture.dropped == 1


class FakeReporter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def section(self, title: str, **markup: object) -> None:
        self.lines.append(title)

    def write_line(self, line: str, **markup: object) -> None:
        self.lines.append(line)


@pytest.mark.parametrize(
    ("text", "status"),
    [(f"resumed {SESSION_KEY}", pytest.ExitCode.TESTS_FAILED), ("user 7", pytest.ExitCode.OK)],
)
def test_the_plugin_fails_the_run_on_a_finding_and_says_where(text: str, status: pytest.ExitCode) -> None:
    plugin = exposure.ExposurePlugin()  # its own registry and capture; never installed
    plugin.registry.add("session key", SESSION_KEY)
    plugin.capture.add("korlantas.security", "INFO", text, test="t::a")
    session = types.SimpleNamespace(exitstatus=pytest.ExitCode.OK)
    plugin.pytest_sessionfinish(session, 0)
    reporter = FakeReporter()
    plugin.pytest_terminal_summary(reporter)
    assert session.exitstatus == status
    report = "\n".join(reporter.lines)
    assert SESSION_KEY not in report
    if status == pytest.ExitCode.TESTS_FAILED:
        assert "least exposure: personal data or secrets in logs" in report
        where = "INFO korlantas.security (1x, in t::a): session key in:"
        assert f"{where} resumed [session key {mask(SESSION_KEY)}]" in report
    else:
        assert report.endswith("nothing exposed")


# --- the session hooks are live -------------------------------------------------------------------


@pytest.fixture
def plugin(request: pytest.FixtureRequest) -> exposure.ExposurePlugin:
    found = request.config.pluginmanager.get_plugin("korlantas-least-exposure")
    if found is None:
        pytest.skip(f"{exposure.SKIP_ENV} is set: the whole-run scan is off")
    return found


def test_records_of_every_logger_are_captured_even_without_propagation(
    plugin: exposure.ExposurePlugin,
) -> None:
    marker = uuid.uuid4().hex
    lonely = logging.getLogger(f"korlantas.tests.lonely.{marker[:8]}")
    lonely.propagate = False
    lonely.addHandler(logging.NullHandler())
    lonely.warning("marker %s", marker)
    sources = {entry.source for entry in plugin.capture.entries if marker in entry.text}
    assert sources == {lonely.name}


@pytest.mark.django_db
def test_passwords_session_keys_encrypted_values_and_codes_are_registered(
    plugin: exposure.ExposurePlugin, client: Client
) -> None:
    user = UserFactory()
    client.force_login(user)
    sealed_value = f"X{uuid.uuid4().int % 10**9:09d}"
    pii.encrypt(sealed_value, purpose="tests.exposure")
    code = codes.derive_code("tests.exposure", user.pk, 1)
    secrets = plugin.registry.secrets
    assert secrets[DEFAULT_PASSWORD].kind == "password"
    assert secrets[client.session.session_key].kind == "session key"
    assert secrets[sealed_value].kind == "encrypted tests.exposure"
    assert exposure.current_test() in secrets[code].tests


def test_task_arguments_are_captured_when_run_and_when_published(plugin: exposure.ExposurePlugin) -> None:
    from korlantas.tasks import record_worker_heartbeat

    record_worker_heartbeat.delay()  # eager in tests: task_prerun and task_postrun fire
    marker = uuid.uuid4().int % 10**9
    signals.before_task_publish.send(sender="tests.exposure.task", body=((marker,), {}, {}), headers={})
    mine = [entry for entry in plugin.capture.entries if entry.test == exposure.current_test()]
    assert {entry.source for entry in mine} >= {
        "celery task korlantas.tasks.record_worker_heartbeat",
        "celery task tests.exposure.task",
    }
    assert any(entry.text == "args=() kwargs={}" for entry in mine)
    assert any(f"(({marker},), {{}}, {{}})" in entry.text for entry in mine)


def test_every_task_takes_ids_and_flags_only() -> None:
    """The static side of the rule: a task's parameters are integers (ids, a generation) or flags,
    so no caller can hand it a NIK, a name or a code."""
    from korlantas.celery import app

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "notifications.tasks.send_message" in ours
    for name, task in ours.items():
        hints = typing.get_type_hints(task.run)
        parameters = inspect.signature(task.run).parameters
        for parameter in parameters:
            assert hints.get(parameter) in (int, bool), f"{name}({parameter}: {hints.get(parameter)})"


# --- CR/LF in log lines ---------------------------------------------------------------------------


def configured(kind: str, name: str) -> Any:
    """A formatter or filter built exactly as settings.LOGGING describes it."""
    configurator = logging.config.DictConfigurator(copy.deepcopy(settings.LOGGING))
    section = configurator.config[kind][name]
    if kind == "formatters":
        return configurator.configure_formatter(section)
    return configurator.configure_filter(section)


def formatted(formatter_name: str, record: logging.LogRecord) -> str:
    handler = logging.StreamHandler()
    handler.setFormatter(configured("formatters", formatter_name))
    handler.addFilter(configured("filters", "escape_control_characters"))
    assert handler.filter(record)
    return handler.format(record)


def records() -> list[logging.LogRecord]:
    def record(msg: str, args: tuple[object, ...] | None) -> logging.LogRecord:
        return logging.LogRecord("korlantas.security", logging.WARNING, __file__, 1, msg, args, None)

    return [
        record("a\r\nb", None),  # in the message itself
        record("%s", ("a\r\nb",)),  # in an argument
    ]


@pytest.mark.parametrize("record", records(), ids=["msg", "args"])
def test_the_plain_formatter_writes_cr_lf_escaped_on_one_line(record: logging.LogRecord) -> None:
    line = formatted("plain", record)
    assert line.endswith(" WARNING korlantas.security a\\r\\nb")
    assert "\r" not in line
    assert "\n" not in line


@pytest.mark.parametrize("record", records(), ids=["msg", "args"])
def test_the_json_formatter_writes_cr_lf_escaped(record: logging.LogRecord) -> None:
    line = formatted("json", record)
    assert "\n" not in line
    assert json.loads(line)["message"] == "a\\r\\nb"


def test_a_forged_line_in_a_username_stays_inside_its_own_line() -> None:
    username = "mallory@example.com\r\n2026-01-01 00:00:00 INFO korlantas.accounts admin signed in\x1b[2K"
    record = logging.LogRecord(
        "korlantas.accounts", logging.WARNING, __file__, 1, "sign-in failed for %s", (username,), None
    )
    line = formatted("plain", record)
    assert line.count("korlantas.accounts") == 2  # the real logger name, and the forged text
    assert "sign-in failed for mallory@example.com\\r\\n2026-01-01" in line
    assert "\\x1b[2K" in line
    assert not any(char in line for char in "\r\n\x1b")


def test_a_message_without_control_characters_is_left_as_it_was() -> None:
    record = logging.LogRecord(
        "korlantas.test", logging.INFO, __file__, 1, "shipment %s: code wrong", (9,), None
    )
    assert EscapeControlCharacters().filter(record)
    assert (record.msg, record.args) == ("shipment %s: code wrong", (9,))
    assert (
        escape_control_characters("tab\tstays, \u2028 and \x85 do not")
        == "tab\tstays, \\u2028 and \\x85 do not"
    )


def test_every_configured_handler_escapes() -> None:
    assert all(
        "escape_control_characters" in handler.get("filters", [])
        for handler in settings.LOGGING["handlers"].values()
    )
    live = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, EscapeControlCharacters) for f in handler.filters)
    ]
    assert live, "the root logger's stdout handler carries the filter in this run"


@pytest.mark.django_db
def test_a_failed_sign_in_with_cr_lf_in_the_username_logs_no_raw_line_break(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The portal records failed sign-ins in the audit table, not the log; whatever the request
    does log goes out one line per record."""
    (stdout,) = (
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, EscapeControlCharacters) for f in handler.filters)
    )
    caplog.set_level(logging.DEBUG)
    response = Client().post(
        "/akun/login/", {"login": "nobody@example.com\r\nINFO forged", "password": "not-the-password-1"}
    )
    assert response.status_code in (200, 429)
    for record in caplog.records:
        assert stdout.filter(record)
        assert not any(char in record.getMessage() for char in "\r\n")
