"""The journeys' own tools: TOTP codes as an authenticator computes them, a staff sign-in with the
seeded secret, and the e2e clock moved by a restart."""

from __future__ import annotations

import re

import pytest

from tests.e2e import portal as portal_module
from tests.e2e.helpers import DESKTOP, assert_accessible, demo, sign_in_staff
from tests.e2e.portal import LivePortal, fresh_totp_code, totp_code

pytestmark = pytest.mark.e2e


def test_totp_code_follows_rfc_6238() -> None:
    # RFC 6238 appendix B, SHA-1 key "12345678901234567890" (base32 below): the 8-digit values
    # 94287082 at T=59 and 07081804 at T=1111111109; 6 digits keep the last six.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp_code(secret, at=59) == "287082"
    assert totp_code(secret, at=1111111109) == "081804"


def test_a_code_is_never_used_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second sign-in of one account in the same 30 s window waits for the next window."""
    now = [1_800_000_010.0]  # 10 s into a window
    slept: list[float] = []

    class FakeTime:
        @staticmethod
        def time() -> float:
            return now[0]

        @staticmethod
        def sleep(seconds: float) -> None:
            slept.append(seconds)
            now[0] += seconds

    monkeypatch.setattr(portal_module, "time", FakeTime)
    monkeypatch.setattr(portal_module, "_last_window", {})
    first = fresh_totp_code(demo("officer.satpas.daan.mogot"))
    second = fresh_totp_code(demo("officer.satpas.daan.mogot"))
    other = fresh_totp_code(demo("courier.satpas.daan.mogot"))
    assert first != second
    assert slept == [pytest.approx(20.05)]  # the rest of the first window
    assert len(slept) == 1  # another account's first code needs no wait
    assert other


def test_staff_sign_in_with_the_seeded_totp_secret(new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page(DESKTOP)
    sign_in_staff(page, demo("officer.samsat.jakarta.barat"))
    assert re.search(r"/staf/", page.url), page.url
    assert_accessible(page, "office dashboard")


def _overdue_days(page) -> int:  # type: ignore[no-untyped-def]
    """The public STNK check of the demo car that is 40 days overdue at the seed's date."""
    page.goto("/stnk/cek/")
    page.locator("input[name=plate]").fill("B 1789 SRT")
    page.locator("input[name=suffix]").fill("45821")
    page.locator("main form button[type=submit]").click()
    found = re.search(r"(\d+) days overdue", page.locator("main").inner_text())
    assert found, page.locator("main").inner_text()
    return int(found.group(1))


def test_the_clock_moves_by_a_restart(new_page, live_portal: LivePortal) -> None:  # type: ignore[no-untyped-def]
    page = new_page(DESKTOP)
    before = _overdue_days(page)
    with live_portal.clock_moved(3 * 24 * 60 * 60):
        assert _overdue_days(page) == before + 3
    assert _overdue_days(page) == before
