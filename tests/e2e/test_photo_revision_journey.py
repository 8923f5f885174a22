"""Journey: the officer asks for a new photo, the citizen replaces only the photo, no second bill.

Through the UI only, as the seeded verified citizen ``warga.terverifikasi`` (accounts/demo.py):
her SIM C expires in 20 days (licensing/demo.py), so its online renewal is open (DOMAIN.md §1.2:
from 90 days before expiry; §1.4: SIM C renews online with no exam and no visit).

1. She renews her SIM C: certificates, JKN, collection at the office, the five uploads, Satpas
   Daan Mogot; pays the bill (renewal PNBP of SIM C, Rp 75.000, DOMAIN.md §4.1) at the sandbox
   bank.
2. The Satpas officer signs in (password + TOTP), claims it and requests corrections with the
   photo flagged and a reason.
3. She reads the request (the e-mail's link, then the application page), replaces only the
   photo — the documents page offers nothing else — and sends the corrections.
4. The officer claims it again and approves it.
5. No second bill: the application keeps its one paid bill (the officer's bills table has one
   row, the bill page says paid), the timeline shows one payment, and the only billing e-mail
   she received is the first one.

axe-core on every page visited; the citizen's application form, documents, submit and
correction pages and the application page (its timeline) also at 360 × 740 with
``assert_fits_phone``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits_phone,
    demo,
    sign_in_citizen,
    sign_in_staff,
)
from tests.e2e.portal import LivePortal, links_in, mail_text
from tests.e2e.sim_steps import (
    fill_certificates,
    pay_at_sandbox_bank,
    portal_today,
    upload_documents,
    upload_files,
)
from tests.utils import wait_until

pytestmark = pytest.mark.e2e

CITIZEN = demo("warga.terverifikasi")
OFFICER = demo("officer.satpas.daan.mogot")
SATPAS = "Satpas Daan Mogot — Kota Jakarta Barat"
DOCUMENT_LINKS = ("Photo", "Signature", "KTP scan", "Health certificate", "Psychological test result")
REASON = "The photo is too dark: upload a recent photo with a plain blue background."


def check(page: Any, what: str) -> None:
    assert_accessible(page, what)


def check_phone(page: Any, what: str) -> None:
    """axe at the desktop width, then at 360 × 740: axe again, nothing wider than the screen,
    touch targets of at least 44 px."""
    assert_accessible(page, what)
    page.set_viewport_size({"width": PHONE.width, "height": PHONE.height})
    try:
        assert_accessible(page, f"{what} (360 px)")
        assert_fits_phone(page, what)
    finally:
        page.set_viewport_size({"width": DESKTOP.width, "height": DESKTOP.height})


def document_links(page: Any) -> dict[str, str]:
    """The uploaded files listed on the application page: name → address (a new upload has a
    new address)."""
    files = page.locator("main").get_by_role("link")
    return {
        name: files.filter(has_text=re.compile(f"^{name}$")).first.get_attribute("href")
        for name in DOCUMENT_LINKS
    }


def status_of(page: Any) -> str:
    return page.locator("main dl").first.inner_text()


def test_officer_asks_for_a_new_photo_and_nothing_is_paid_twice(  # type: ignore[no-untyped-def]
    new_page, live_portal: LivePortal, tmp_path: Path
) -> None:
    files = upload_files(tmp_path / "uploads")
    today = portal_today(live_portal)
    page = new_page(DESKTOP)
    sign_in_citizen(page, CITIZEN)
    check(page, "citizen dashboard")

    # Her SIM C: renewal open (it expires within 90 days and has not expired).
    page.get_by_role("navigation").get_by_role("link", name="My SIM").click()
    check(page, "my SIM")
    main = page.locator("main").inner_text()
    assert "Renewal is open" in main, main
    page.get_by_role("link", name="Renew — SIM C").click()
    licence = page.get_by_role("combobox", name=re.compile("Licence to renew"))
    assert licence.locator("option:checked").inner_text().startswith("SIM C ")
    fill_certificates(page, today - dt.timedelta(days=3), prefix="SC")
    check_phone(page, "renewal form")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Your draft is saved").wait_for()
    application_url = page.url
    check_phone(page, "draft")

    page.get_by_role("link", name="Upload").click()
    check_phone(page, "documents")
    upload_documents(page, files, check_phone)
    page.get_by_role("link", name="Continue to submitting").click()
    check_phone(page, "submit page")
    page.get_by_role("combobox", name=re.compile("Office")).select_option(label=SATPAS)
    page.get_by_role("button", name="Submit application").click()
    page.get_by_text("Your application is submitted").wait_for()
    reference = re.search(r"SIMP-[0-9A-Z-]+", page.get_by_role("heading", level=1).inner_text())
    assert reference, page.get_by_role("heading", level=1).inner_text()
    check_phone(page, "application awaiting payment")
    uploaded = document_links(page)

    # The bill: the renewal PNBP of SIM C, Rp 75.000 (DOMAIN.md §4.1), nothing else.
    page.get_by_role("link", name="How to pay").click()
    rows = page.get_by_role("table").locator("tbody tr")
    assert [row.inner_text().split("\t")[-1].strip() for row in rows.all()] == ["Rp 75.000"]
    billing_code = page.locator("#code-plain").input_value()
    check_phone(page, "bill")
    pay_at_sandbox_bank(new_page(DESKTOP), billing_code, "Rp 75.000", check)

    def queued() -> bool:
        page.goto(application_url)
        return "Waiting for review" in status_of(page)

    wait_until(queued, timeout=60, interval=1, message=f"{reference.group()} to be paid")
    check_phone(page, "application paid")

    # The officer: claim, then ask for a new photo.
    officer = new_page(DESKTOP)
    sign_in_staff(officer, OFFICER)
    check(officer, "office dashboard")
    officer.get_by_role("navigation").get_by_role("link", name="Review queue").click()
    check(officer, "review queue")
    officer.get_by_role("link", name=reference.group(), exact=True).click()
    review_url = officer.url
    check(officer, "review page, waiting")
    officer.get_by_role("button", name="Claim").click()
    officer.get_by_text("You claimed the application").wait_for()
    check(officer, "review page, claimed")
    officer.locator("summary", has_text="Request corrections").click()
    officer.get_by_role("group", name="Documents to upload again").get_by_label("Photo", exact=True).check()
    officer.get_by_label("What to correct").fill(REASON)
    check(officer, "request corrections form")
    mails_before = len(live_portal.mails())
    officer.get_by_role("button", name="Request corrections").click()
    officer.get_by_text("The corrections are requested from the applicant.").wait_for()
    assert "Revision requested" in officer.locator("main dl").first.inner_text()
    check(officer, "review page, corrections requested")

    # She reads the request: the e-mail's link leads to the application, which says what to do.
    mail = live_portal.wait_for_mail(CITIZEN, since=mails_before)
    assert reference.group() in str(mail["Subject"])
    text = mail_text(mail)
    assert REASON in text, text
    link = next(url for url in links_in(text) if "/warga/permohonan/" in url)
    page.goto(link)
    assert page.url == application_url
    assert "Revision requested" in status_of(page)
    request = page.locator("main").inner_text()
    assert "The officer asks for corrections" in request, request
    assert REASON in request
    assert "Documents to upload again" in request
    check_phone(page, "application, corrections asked")

    # Only the photo can be uploaded again.
    page.get_by_role("link", name="Upload the documents").click()
    inputs = page.locator("main input[type=file]")
    assert inputs.count() == 1, [inputs.nth(i).get_attribute("id") for i in range(inputs.count())]
    check_phone(page, "documents, correction")
    page.get_by_label(re.compile("^Choose a file: photo", re.IGNORECASE)).set_input_files(files["new_photo"])
    page.get_by_role("button", name="Upload the photo").click()
    page.get_by_text("The photo is uploaded.").wait_for()
    assert "Photo — uploaded" in page.locator("main").inner_text()
    check_phone(page, "documents, photo replaced")
    page.get_by_role("link", name="Continue to sending the corrections").click()
    check_phone(page, "send corrections")
    page.get_by_label("Your reply to the officer").fill("A new photo with a plain blue background.")
    page.get_by_role("button", name="Send the corrections").click()
    page.get_by_text("Your corrections are sent").wait_for()
    assert "Waiting for review" in status_of(page)
    check_phone(page, "application, corrections sent")

    # The photo is a new file; every other document is the one first uploaded.
    corrected = document_links(page)
    assert corrected["Photo"] != uploaded["Photo"]
    assert {name: corrected[name] for name in DOCUMENT_LINKS[1:]} == {
        name: uploaded[name] for name in DOCUMENT_LINKS[1:]
    }
    # Nothing to pay: the paid bill is still the one shown, and no new one is offered.
    payment = page.locator("main").inner_text()
    assert page.get_by_role("link", name="How to pay").count() == 0
    assert "Awaiting payment" not in status_of(page)
    assert " ".join(billing_code[i : i + 4] for i in range(0, 15, 4)) in payment

    # The officer claims it again and approves it.
    officer.goto(review_url)
    assert "Waiting for review" in officer.locator("main dl").first.inner_text()
    officer.get_by_role("button", name="Claim").click()
    officer.get_by_text("You claimed the application").wait_for()
    check(officer, "review page, corrected")
    officer.get_by_role("button", name="Approve").click()
    officer.get_by_text("The application is approved.").wait_for()
    bills = officer.get_by_role("table", name="Bills of this application, newest first").locator("tbody tr")
    assert bills.count() == 1, bills.all_inner_texts()
    assert billing_code in bills.first.inner_text()
    assert "Paid" in bills.first.inner_text()
    check(officer, "review page, approved")

    # The citizen: approved, paid once.
    page.goto(application_url)
    assert "Approved" in status_of(page)
    timeline = page.locator("section[aria-labelledby=timeline-title]").inner_text()
    assert timeline.count("Awaiting payment") == 1, timeline
    assert timeline.count("Payment received") == 1, timeline
    for step in ("Revision requested", REASON, "Approved"):
        assert step in timeline, timeline
    assert page.get_by_role("link", name="How to pay").count() == 0
    check_phone(page, "application approved")
    page.get_by_role("link", name="See the bill").click()
    bill = page.locator("main").inner_text()
    assert "Paid" in bill, bill
    assert "Rp 75.000" in bill, bill
    assert "Pay before" not in bill, bill
    check_phone(page, "bill, paid")
    # One bill e-mail ("Your bill for application …", in her language), the first one.
    bill_subjects = {
        f"Tagihan untuk permohonan {reference.group()}",
        f"Your bill for application {reference.group()}",
    }
    subjects = [str(message["Subject"]) for message in live_portal.mails() if CITIZEN in str(message["To"])]
    assert sum(subject in bill_subjects for subject in subjects) == 1, subjects
