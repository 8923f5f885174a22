"""Fixtures of the browser journeys (docs/e2e.md).

* ``live_portal`` — the portal as real processes with the e2e profile (tests/e2e/portal.py): its
  own database (the run's test database name + ``_e2e``, migrated and seeded), Redis key prefix,
  var dir, web server and Celery worker. One for all the e2e tests of the run.
* ``browser`` — Debian's Chromium driven by Playwright (``KORLANTAS_CHROMIUM`` names another
  binary). ``new_page`` opens a page in a fresh context (cookies of its own), at a viewport.
* On a failing test every page it opened is saved — a full-page screenshot, its HTML and address —
  with the tail of the server's and the worker's logs, under ``var/e2e-failures/<test>/``
  (git-ignored; ``KORLANTAS_E2E_ARTIFACTS`` moves it), and the folder is printed.

The two fixtures are package-scoped, not session-scoped, on purpose: Playwright's sync API leaves
its event loop registered as running in the main thread while it is started, and Django refuses
database access under a running loop — the rest of the suite runs after this package has closed
the browser (and stopped the portal, freeing its memory).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.e2e.helpers import DESKTOP, Viewport
from tests.e2e.portal import LivePortal, live_portal_for
from tests.utils import BASE_DIR

DEFAULT_CHROMIUM = "/usr/bin/chromium"
ARTIFACTS_DIR = Path(os.environ.get("KORLANTAS_E2E_ARTIFACTS", BASE_DIR / "var" / "e2e-failures"))
PAGES_KEY = pytest.StashKey[list]()
PORTAL_KEY = pytest.StashKey[LivePortal]()
_saved: list[tuple[str, Path]] = []


def chromium_path() -> str:
    path = os.environ.get("KORLANTAS_CHROMIUM", DEFAULT_CHROMIUM)
    if not Path(path).is_file():
        pytest.fail(
            f"The browser journeys need Chromium at {path}. Install Debian's package "
            "(`apt-get install -y chromium`, as root) or run `make test`, which installs it when it "
            "may; KORLANTAS_CHROMIUM names another Chromium binary. Skip these tests with -m 'not e2e'.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="package")
def live_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    database = settings.DATABASES["default"]
    test_name = database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"
    with live_portal_for(
        root=tmp_path_factory.mktemp("e2e"),
        database_params=database,
        database_name=f"{test_name}_e2e",
        redis_url=settings.REDIS_URL,
        prefix=f"korlantas-e2e-{settings.TEST_RUN_ID or os.getpid()}",
    ) as portal:
        yield portal


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    executable = chromium_path()
    # The folder holds the failures of the last run only (its test folders; nothing else in it).
    for folder in ARTIFACTS_DIR.glob("test_*.*"):
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, live_portal: LivePortal, request: pytest.FixtureRequest) -> Iterator[Callable]:  # type: ignore[no-untyped-def]
    """``new_page(viewport=DESKTOP, language="en")``: a page in a context of its own (a person).

    English by default (the language cookie), so journeys read the English msgids; pass
    ``language="id"`` for the portal's default language.
    """
    contexts = []
    pages: list = []
    request.node.stash[PAGES_KEY] = pages
    request.node.stash[PORTAL_KEY] = live_portal

    def make(viewport: Viewport = DESKTOP, language: str = "en"):  # type: ignore[no-untyped-def]
        context = browser.new_context(
            base_url=live_portal.base_url,
            viewport={"width": viewport.width, "height": viewport.height},
            is_mobile=viewport.mobile,
            has_touch=viewport.mobile,
            accept_downloads=True,
        )
        if language:
            context.add_cookies([{"name": "django_language", "value": language, "url": live_portal.base_url}])
        # A loaded machine: generous, but a hung page still fails within a minute.
        context.set_default_timeout(20_000)
        context.set_default_navigation_timeout(45_000)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()


def _artifact_dir(nodeid: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")[:120]
    module = Path(nodeid.split("::", 1)[0]).stem
    return ARTIFACTS_DIR / f"{module}.{name}"


def save_failure_artifacts(item: pytest.Item) -> Path | None:
    pages = item.stash.get(PAGES_KEY, [])
    portal = item.stash.get(PORTAL_KEY, None)
    if not pages and portal is None:
        return None
    folder = _artifact_dir(item.nodeid)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(pages, start=1):
        try:
            if page.is_closed():
                continue
            page.screenshot(path=str(folder / f"page{number}.png"), full_page=True, timeout=15_000)
            (folder / f"page{number}.html").write_text(page.content())
            (folder / f"page{number}.url").write_text(page.url + "\n")
        except Exception as exc:  # noqa: BLE001 - a broken page must not hide the test's own failure
            (folder / f"page{number}.error").write_text(f"{type(exc).__name__}: {exc}\n")
    if portal is not None:
        for process in portal.processes:
            (folder / f"{process.name}.log").write_text(process.log_tail(300) + "\n")
    return folder


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.failed and report.when in ("setup", "call"):
        folder = save_failure_artifacts(item)
        if folder is not None:
            _saved.append((item.nodeid, folder))
            report.sections.append(("e2e failure artifacts", f"screenshots, HTML and logs in {folder}"))
            print(f"\n[e2e] failure artifacts of {item.nodeid}: {folder}")  # noqa: T201
    return report


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _saved:
        terminalreporter.section("e2e failure artifacts")
        for nodeid, folder in _saved:
            terminalreporter.write_line(f"{nodeid}: {folder}")
