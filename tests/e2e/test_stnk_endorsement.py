"""Journey: the STNK annual endorsement, through the UI only (docs/vehicles.md).

The seeded verified citizen proves she holds her motorcycle B 3456 KJT (last 5 chassis
characters 23456, vehicles/demo.py), sees the bill explained line by line, pays it at the sandbox
bank with the exact "Pay" button, and the application approves and completes itself: the
e-Pengesahan downloads as a PDF and its QR's public verification page says it is valid.
Every page on the way is checked with axe-core at 1280 px and again at 360 × 740, where nothing
may be wider than the screen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.helpers import DESKTOP, PHONE, assert_accessible, demo, phone_problems, sign_in_citizen
from tests.e2e.portal import LivePortal
from tests.utils import wait_until

pytestmark = pytest.mark.e2e


def check(page, what: str) -> None:  # type: ignore[no-untyped-def]
    """axe at the desktop width, then the same page narrowed to a phone's 360 × 740."""
    assert_accessible(page, what)
    page.set_viewport_size({"width": PHONE.width, "height": PHONE.height})
    try:
        assert_accessible(page, f"{what} (360 px)")
        layout = phone_problems(page)
        assert layout["scrollWidth"] <= layout["width"], (
            f"{what} is {layout['scrollWidth']} px wide at 360 px: {layout['overflow']}"
        )
    finally:
        page.set_viewport_size({"width": DESKTOP.width, "height": DESKTOP.height})


def test_stnk_annual_endorsement(new_page, live_portal: LivePortal, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = new_page(DESKTOP)
    sign_in_citizen(page, demo("warga.terverifikasi"))
    check(page, "citizen dashboard")

    # The vehicle: locked until she types the last 5 characters of its chassis number.
    page.get_by_role("navigation").get_by_role("link", name="My vehicles").click()
    check(page, "my vehicles")
    page.get_by_role("link", name=re.compile(r"B 3456 KJT")).click()
    check(page, "vehicle, locked")
    page.get_by_role("textbox", name=re.compile("Last 5 characters")).fill("23456")
    page.get_by_role("button", name="Unlock").click()
    page.get_by_text("Possession proven").wait_for()
    main = page.locator("main")
    assert "The annual endorsement is due on" in main.inner_text()
    check(page, "vehicle, unlocked")

    # The application: the vehicle preselected, digital delivery, no uploads, its Samsat.
    page.get_by_role("link", name="Pay the annual endorsement").click()
    assert page.get_by_role("combobox", name=re.compile("Vehicle")).input_value()
    check(page, "endorsement details form")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Your draft is saved").wait_for()
    check(page, "draft")
    page.get_by_role("link", name="Submit application").click()
    check(page, "submit page")
    page.get_by_role("combobox", name=re.compile("Office")).select_option(
        label="Samsat Jakarta Barat — Kota Jakarta Barat"
    )
    page.get_by_role("button", name="Submit application").click()
    page.get_by_text("Your application is submitted").wait_for()
    reference = re.search(r"PGS-[0-9A-Z-]+", page.get_by_role("heading", level=1).inner_text())
    assert reference, page.get_by_role("heading", level=1).inner_text()
    application_url = page.url
    check(page, "application awaiting payment")

    # The bill, explained: Honda Vario 125, NJKB Rp 18.500.000, her first vehicle in DKI Jakarta.
    # PNBP 25.000 (2-wheel) + PKB 18.500.000 × 2 % = 370.000 + opsen 66 % × 370.000 = 244.200
    # + SWDKLLJ 35.000 (2-wheel, ≤ 250 cc) = 674.200; not late, so no fines.
    page.get_by_role("link", name="How to pay").click()
    lines = page.get_by_role("table")
    assert [row.inner_text().split("\t")[-1].strip() for row in lines.locator("tbody tr").all()] == [
        "Rp 25.000",
        "Rp 370.000",
        "Rp 244.200",
        "Rp 35.000",
    ]
    bill_text = lines.inner_text()
    assert "PKB: taxable value Rp 18.500.000 × 2% (first vehicle)" in bill_text
    assert "Opsen PKB: 66% of the PKB Rp 370.000" in bill_text
    assert "SWDKLLJ" in bill_text
    assert "Rp 674.200" in lines.locator("tfoot").inner_text()
    billing_code = page.locator("#code-plain").input_value()
    assert re.fullmatch(r"\d{15}", billing_code), billing_code
    check(page, "bill")

    # The sandbox bank: look the code up, check the amount, press "Pay".
    bank = new_page(DESKTOP)
    bank.goto("/sandbox/bank/")
    check(bank, "sandbox bank")
    bank.get_by_role("textbox", name="Billing code").fill(billing_code)
    bank.get_by_role("button", name="Look up").click()
    assert "Rp 674.200" in bank.locator("main").inner_text()
    check(bank, "sandbox bank, code found")
    bank.get_by_role("button", name="Pay", exact=True).click()
    bank.get_by_text("Payment made").wait_for()
    check(bank, "sandbox bank, paid")

    # Paid → approved → issued → completed, by the portal alone (the bank's callback, then the
    # after-commit listener); the worker renders the PDF.
    def completed() -> bool:
        page.goto(application_url)
        return "Completed" in page.locator("main dl").first.inner_text()

    wait_until(completed, timeout=60, interval=1, message=f"{reference.group()} to be completed")
    timeline = page.locator("section[aria-labelledby=timeline-title]").inner_text()
    for step in ("Awaiting payment", "Payment received", "Approved", "Issued"):
        assert step in timeline, timeline
    document = page.get_by_role("link", name=re.compile(r"^STNK annual endorsement \(e-Pengesahan\)"))
    document.wait_for()
    check(page, "application completed")
    page.get_by_role("link", name="See the bill").click()
    assert "Paid" in page.locator("main").inner_text()
    check(page, "bill, paid")
    page.get_by_role("link", name="Back to the application").click()

    download_link = page.get_by_role("link", name=re.compile(r"^Download PDF STNK annual endorsement"))

    def pdf_ready() -> bool:
        page.reload()
        return download_link.count() == 1

    wait_until(pdf_ready, timeout=90, interval=1, message="the e-Pengesahan PDF")
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    saved = tmp_path / "e-pengesahan.pdf"
    download.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"%PDF-"), content[:20]
    assert len(content) > 5_000

    # Its verification page (the QR's address, shown on the document's page) is public.
    page.get_by_role("link", name=re.compile(r"^STNK annual endorsement \(e-Pengesahan\)")).click()
    check(page, "document page")
    verify_url = page.locator("main a[href*='/verify/']").get_attribute("href")
    assert verify_url is not None
    assert verify_url.startswith(live_portal.url("/verify/")), verify_url
    stranger = new_page(DESKTOP)
    stranger.goto(verify_url)
    verification = stranger.locator("main").inner_text()
    assert "B 3456 KJT" in verification
    assert re.search(r"\bvalid\b", verification, re.IGNORECASE), verification
    check(stranger, "verification page")

    # The vehicle counts the endorsement: the next one is a year away and cannot be paid yet.
    page.get_by_role("navigation").get_by_role("link", name="My vehicles").click()
    page.get_by_role("link", name=re.compile(r"B 3456 KJT")).click()
    vehicle = page.locator("main").inner_text()
    assert "Next annual endorsement due on" in vehicle, vehicle
    assert "The annual endorsement cannot be paid online now" in vehicle, vehicle
    check(page, "vehicle, endorsed")
