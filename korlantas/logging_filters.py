r"""Log lines that a caller's input cannot forge (ASVS 16.4.1, SECURITY.md §8 item 24).

A message that carries a user-typed value — a username, a path, a reference — must not be able
to start a new log line or repaint the terminal. ``EscapeControlCharacters`` sits on every
handler in ``settings.LOGGING``: when a record's formatted message holds a control character
(CR, LF, ESC, the other C0/C1 codes, U+2028/U+2029), the message is replaced by its escaped
form (a CR LF pair becomes the four characters ``\r\n``, ESC becomes ``\x1b``) before the
formatter runs, so both the plain and the JSON formatter write one line with the literal
backslash sequences.

A record without such a character is left exactly as it was (template and arguments intact), so
the filter costs one ``getMessage()`` per record and changes nothing else. Escaping is idempotent:
an escaped message holds no control character, so a second handler does not escape it again
(Django already escapes the request path it logs the same way since 5.2.2, CVE-2025-48432).

Tracebacks (``exc_info``) keep their line breaks: they are produced by the interpreter, not typed
by a caller, and the JSON formatter used in production puts them in one JSON string anyway.
"""

from __future__ import annotations

import logging
import re

# C0 controls except TAB, DEL, the C1 controls (NEL among them) and the Unicode line/paragraph
# separators — everything a terminal or a line-based log reader treats as a break or an escape.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\x1b": "\\x1b"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_control_characters(text: str) -> str:
    """``text`` with every line break and terminal control written as a backslash escape."""
    return _CONTROL.sub(_escape_one, text)


class EscapeControlCharacters(logging.Filter):
    """Escapes CR/LF and other control characters in a record's message; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is the handler's to report
            return True
        if _CONTROL.search(message) is not None:
            record.msg = escape_control_characters(message)
            record.args = None
        return True


class RequestWithoutQuery(logging.Filter):
    """Replaces the ``request`` Django attaches to its ``django.request`` / ``django.security``
    records with its method and path only.

    The JSON formatter writes every extra attribute of a record; a request's ``repr`` holds the
    query string, and a query string may hold what must never be logged (a NIK typed into a
    search that was sent by GET by mistake, a token in a link). The path itself is kept: the
    portal's paths carry opaque ids only.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            method = getattr(request, "method", "") or ""
            path = getattr(request, "path", "") or ""
            record.request = escape_control_characters(f"{method} {path}".strip())
        return True
