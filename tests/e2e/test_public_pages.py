"""Every public page, as anyone sees it without signing in, in the portal's default language:
axe-core finds no serious or critical violation at 1280 px and at 360 × 740, and on the phone
nothing is wider than the screen and every target is at least 44 px (tests/e2e/helpers.py)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import (
    DESKTOP,
    PHONE,
    Viewport,
    axe_violations,
    describe_violations,
    phone_problems,
)

pytestmark = pytest.mark.e2e

# (path, expected status). A made-up token or label code shows the "not found" page of its kind.
PUBLIC_PAGES = [
    ("/", 200),
    ("/biaya/", 200),
    ("/kinerja/", 200),
    ("/lacak/", 200),
    ("/lacak/KD7X4P2M9Q/", 404),
    ("/stnk/cek/", 200),
    ("/sandbox/bank/", 200),
    ("/akun/login/", 200),
    ("/akun/signup/", 200),
    ("/akun/password/reset/", 200),
    ("/verify/bukan-token-yang-benar-0123456789abcdef/", 404),
    ("/halaman-yang-tidak-ada/", 404),
]


def _problems(page, what: str, viewport: Viewport) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    violations = axe_violations(page)
    if violations:
        found.append(f"{what}: axe\n{describe_violations(violations)}")
    if viewport.mobile:
        layout = phone_problems(page)
        if layout["scrollWidth"] > layout["width"]:
            found.append(f"{what}: {layout['scrollWidth']} px wide: " + "; ".join(layout["overflow"]))
        if layout["small"]:
            found.append(f"{what}: targets under 44 px: " + "; ".join(layout["small"]))
    return found


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "360px"])
def test_public_pages(new_page, viewport: Viewport) -> None:  # type: ignore[no-untyped-def]
    page = new_page(viewport, language="id")
    problems: list[str] = []
    for path, status in PUBLIC_PAGES:
        response = page.goto(path)
        assert response is not None
        assert response.status == status, path
        problems += _problems(page, path, viewport)

    # The forms' answers are pages too: errors next to their fields, the STNK check's result,
    # the password reset's "sent" notice.
    page.goto("/akun/signup/")
    page.locator("input[name=email]").fill("bukan-email")
    page.locator("input[name=password1]").fill("pendek")
    page.locator("input[name=password2]").fill("lain")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() >= 1
    problems += _problems(page, "sign-up with errors", viewport)

    page.goto("/stnk/cek/")
    page.locator("input[name=plate]").fill("B 3456 KJT")
    page.locator("input[name=suffix]").fill("23456")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "3456" in page.locator("main").inner_text()
    problems += _problems(page, "STNK check result", viewport)

    page.goto("/akun/password/reset/")
    page.locator("input[name=email]").fill("siapa.saja@example.com")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/akun/password/reset/done/"))
    problems += _problems(page, "password reset sent", viewport)

    if viewport.mobile:
        # The header's menu, opened: its links and buttons are targets too.
        page.goto("/")
        page.locator("button.navbar-toggler").click()
        page.locator("#portal-nav.show").wait_for()
        page.wait_for_timeout(400)  # the collapse animation
        problems += _problems(page, "home, menu open", viewport)

    assert not problems, "\n".join(problems)
