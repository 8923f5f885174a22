"""Bahasa Indonesia by default, English by choice, and a translation for every string."""

from __future__ import annotations

import gettext
import re

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory
from tests.utils import BASE_DIR

PO_FILE = BASE_DIR / "locale" / "id" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def test_indonesian_is_the_default_whatever_the_browser_asks(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert "Masuk" in html
    assert "Langsung ke konten utama" in html
    assert response["Content-Language"] == "id"


@pytest.mark.django_db
def test_english_switch_persists_across_visits(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == settings.LANGUAGE_COOKIE_AGE
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to main content" in html
    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert '<html lang="id">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_switch_is_remembered_on_the_account(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.django_db
def test_switch_refuses_get_and_foreign_redirects(client: Client) -> None:
    assert client.get("/i18n/setlang/?language=en").status_code == 405
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def _po_entries() -> dict[str, str]:
    """msgid → msgstr of the catalogue (for plural entries, the singular and msgstr[0])."""
    import ast

    text = PO_FILE.read_text()
    assert "#, fuzzy" not in text
    entries: dict[str, str] = {}
    for block in text.split("\n\n"):
        parts: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith('"'):
                if key is not None:
                    parts[key] += ast.literal_eval(line)
                continue
            keyword, _, literal = line.partition(" ")
            key = "msgstr" if keyword.startswith("msgstr[0]") else keyword
            parts[key] = ast.literal_eval(literal)
        if parts.get("msgid"):
            entries[parts["msgid"]] = parts.get("msgstr", "")
    return entries


def test_every_string_is_translated_and_compiled() -> None:
    entries = _po_entries()
    assert len(entries) > 50
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert untranslated == []
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid in entries if compiled.gettext(msgid) == msgid and entries[msgid] != msgid]
    assert stale == [], "locale/id django.mo is older than django.po: run make messages"


TEMPLATE_STRING = re.compile(r"""\{%\s*translate\s+(["'])(.+?)\1""")
PYTHON_STRING = re.compile(r"""\b_\(\s*"((?:[^"\\]|\\.)+)"\s*\)""")
PROJECT_DIRS = [
    "templates", "korlantas", "accounts", "offices", "applications", "payments", "documents",
    "notifications", "delivery", "licensing", "vehicles", "audit",
]  # fmt: skip


def test_no_string_in_templates_or_code_is_missing_from_the_catalogue() -> None:
    """A string added without `make messages` would show in English to everyone."""
    entries = _po_entries()
    missing = set()
    for directory in PROJECT_DIRS:
        for path in (BASE_DIR / directory).rglob("*"):
            if path.suffix == ".html":
                found = {m.group(2) for m in TEMPLATE_STRING.finditer(path.read_text())}
            elif path.suffix == ".py" and "migrations" not in path.parts:
                found = {m.group(1) for m in PYTHON_STRING.finditer(path.read_text())}
            else:
                continue
            missing |= {f"{path.relative_to(BASE_DIR)}: {text}" for text in found if text not in entries}
    assert sorted(missing) == []


@pytest.mark.django_db
def test_account_language_follows_the_person_to_a_new_device(client: Client) -> None:
    user = UserFactory(language="en")
    client.force_login(user)
    assert '<html lang="en">' in client.get("/").content.decode()
