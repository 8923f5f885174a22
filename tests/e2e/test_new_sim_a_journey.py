"""Journey: a first SIM A — certificates, payment, the theory and the practical exam, the card.

Through the UI only, as the seeded verified citizen ``pembeli.terverifikasi`` (accounts/demo.py:
born 10 January 1988, no licence in the seed — licensing/demo.py): SIM A needs age 17 and no
prerequisite (DOMAIN.md §1.1); a new licence takes the health certificate, the psychological
test and JKN (§1.3), the new-issuance PNBP of SIM A, Rp 120.000 (§4.1), a theory exam (pass
mark 70) and then a practical exam (§1.3 steps 6 and 8), and is valid 5 years from its issue
day (§1.2).

1. She holds no SIM; she applies for a new SIM A at Satpas Daan Mogot with the five uploads and
   pays at the sandbox bank.
2. The Satpas officer (password + TOTP) publishes a theory-exam and a practical-exam slot on the
   next working day, claims the application and schedules it.
3. She books the theory exam (the practical one is not offered yet).
4. The exam day comes (the e2e clock is moved: ``clock_moved``): the officer records her theory
   score (82, a pass); she books the practical exam; 20 minutes later (``advance_clock`` inside
   the block) the officer records the practical exam (passed), resumes the review, approves and
   issues.
5. She sees her SIM A (valid 5 years from the exam day) and downloads its e-SIM PDF, whose QR
   code leads to the verification page shown to her.

The clock goes back when the block ends (other journeys share the portal), so the steps that
read dates made on the exam day run inside it.

axe-core on every page visited; the citizen's application form, documents (uploaded), submit
and theory-exam booking pages and the application page (its timeline) also at 360 × 740 with
``assert_fits_phone``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from tests.documents.conftest import decoded_qr_codes
from tests.e2e.helpers import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits_phone,
    demo,
    sign_in_citizen,
    sign_in_staff,
)
from tests.e2e.portal import LivePortal
from tests.e2e.sim_steps import (
    fill_certificates,
    pay_at_sandbox_bank,
    portal_now,
    portal_today,
    upload_documents,
    upload_files,
)
from tests.utils import JAKARTA, wait_until

pytestmark = pytest.mark.e2e

CITIZEN = demo("pembeli.terverifikasi")
OFFICER = demo("officer.satpas.daan.mogot")
SATPAS = "Satpas Daan Mogot — Kota Jakarta Barat"
THEORY_AT = dt.time(8, 0)  # 20 minutes
PRACTICAL_AT = dt.time(8, 20)  # 60 minutes


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


def status_of(page: Any) -> str:
    return page.locator("main dl").first.inner_text()


def next_working_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def open_signed_in(page: Any, url: str, sign_in: Any, email: str) -> None:
    """Open ``url``; after a clock move the session has been idle too long: sign in again."""
    page.goto(url)
    if "/akun/login/" in page.url:
        sign_in(page, email)
        page.goto(url)
    assert page.url.endswith(url), page.url


def publish_slot(officer: Any, day: dt.date, at: dt.time, kind: str, minutes: int) -> None:
    officer.get_by_label("Date").fill(day.isoformat())
    officer.get_by_label("Start time").fill(at.strftime("%H:%M"))
    officer.get_by_label("Kind of appointment").select_option(label=kind)
    officer.get_by_label("Duration (minutes)").fill(str(minutes))
    officer.get_by_label("Seats").fill("4")
    officer.get_by_role("button", name="Publish").click()
    officer.get_by_text("1 slot published.").wait_for()


def slot_choice(page: Any, day: dt.date, at: dt.time, minutes: int, kind: str) -> Any:
    """The radio button of that slot, under its day's heading on the booking page."""
    ends = (dt.datetime.combine(day, at) + dt.timedelta(minutes=minutes)).time()
    heading = page.locator("main h4", has_text=f"{day:%A}, {day.day} {day:%B %Y}")
    listing = heading.locator("xpath=following-sibling::div[1]")
    return listing.get_by_role("radio", name=re.compile(f"^{at:%H:%M}–{ends:%H:%M} WIB · {kind}"))


def test_new_sim_a_with_theory_and_practical_exams(  # type: ignore[no-untyped-def]
    new_page, live_portal: LivePortal, tmp_path: Path
) -> None:
    files = upload_files(tmp_path / "uploads")
    today = portal_today(live_portal)
    exam_day = next_working_day(today)
    page = new_page(DESKTOP)
    sign_in_citizen(page, CITIZEN)
    check(page, "citizen dashboard")

    # She holds no licence: the new-licence form offers the classes without a prerequisite.
    page.get_by_role("navigation").get_by_role("link", name="My SIM").click()
    assert "No driving licence is registered to your NIK." in page.locator("main").inner_text()
    check(page, "my SIM, none")
    page.get_by_role("link", name="Apply for a new SIM").click()
    classes = page.get_by_role("combobox", name=re.compile("^Class")).locator("option").all_inner_texts()
    offered = [label.split(" — ")[0] for label in classes if label.startswith("SIM ")]
    assert offered == ["SIM A", "SIM A Umum", "SIM C", "SIM D", "SIM D I"], classes
    page.get_by_role("combobox", name=re.compile("^Class")).select_option("a")
    fill_certificates(page, today - dt.timedelta(days=3), prefix="SA")
    check_phone(page, "new licence form")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Your draft is saved").wait_for()
    application_url = page.url
    application_path = application_url.removeprefix(live_portal.base_url)
    check_phone(page, "draft")
    page.get_by_role("link", name="Upload").click()
    check(page, "documents")
    upload_documents(page, files, check_phone)
    page.get_by_role("link", name="Continue to submitting").click()
    check_phone(page, "submit page")
    page.get_by_role("combobox", name=re.compile("Office")).select_option(label=SATPAS)
    page.get_by_role("button", name="Submit application").click()
    page.get_by_text("Your application is submitted").wait_for()
    reference = re.search(r"SIMB-[0-9A-Z-]+", page.get_by_role("heading", level=1).inner_text())
    assert reference, page.get_by_role("heading", level=1).inner_text()
    check(page, "application awaiting payment")

    # The bill: the new-issuance PNBP of SIM A (DOMAIN.md §4.1).
    page.get_by_role("link", name="How to pay").click()
    rows = page.get_by_role("table").locator("tbody tr")
    assert [row.inner_text().split("\t")[-1].strip() for row in rows.all()] == ["Rp 120.000"]
    assert "SIM A, new issuance" in rows.first.inner_text()
    billing_code = page.locator("#code-plain").input_value()
    check(page, "bill")
    pay_at_sandbox_bank(new_page(DESKTOP), billing_code, "Rp 120.000", check)

    def queued() -> bool:
        page.goto(application_url)
        return "Waiting for review" in status_of(page)

    wait_until(queued, timeout=60, interval=1, message=f"{reference.group()} to be paid")
    check_phone(page, "application paid")

    # The officer publishes the exam slots of the next working day, claims and schedules.
    officer = new_page(DESKTOP)
    sign_in_staff(officer, OFFICER)
    officer.get_by_role("navigation").get_by_role("link", name="Appointment slots").click()
    check(officer, "appointment slots")
    publish_slot(officer, exam_day, THEORY_AT, "Theory exam", 20)
    publish_slot(officer, exam_day, PRACTICAL_AT, "Practical exam", 60)
    check(officer, "appointment slots, published")
    officer.get_by_role("navigation").get_by_role("link", name="Review queue").click()
    officer.get_by_role("link", name=reference.group(), exact=True).click()
    review_path = officer.url.removeprefix(live_portal.base_url)
    check(officer, "review page, waiting")
    officer.get_by_role("button", name="Claim").click()
    officer.get_by_text("You claimed the application").wait_for()
    check(officer, "review page, claimed")
    officer.get_by_role("button", name="Schedule an appointment").click()
    officer.get_by_text("The applicant can now book an appointment.").wait_for()
    # The theory exam comes first.
    assert "The theory exam is still to come." in officer.locator("#exams").inner_text()
    check(officer, "review page, awaiting appointment")

    # She books the theory exam; the practical exam is not offered before it is passed.
    page.goto(application_url)
    assert "Awaiting appointment" in status_of(page)
    page.get_by_role("link", name="Book an appointment").click()
    assert slot_choice(page, exam_day, PRACTICAL_AT, 60, "Practical exam").count() == 0
    check_phone(page, "booking, theory exam")
    slot_choice(page, exam_day, THEORY_AT, 20, "Theory exam").check()
    page.get_by_role("button", name="Book this time").click()
    page.get_by_text("Your appointment is booked").wait_for()
    appointment = page.locator("main").inner_text()
    assert "Theory exam" in appointment, appointment
    check_phone(page, "application, theory exam booked")

    # The exam day. The portal's clock moves to 5 minutes after the theory exam started (staff
    # record a result once the exam has started), and back when the block ends.
    theory_started = dt.datetime.combine(exam_day, THEORY_AT, tzinfo=JAKARTA)
    move = int((theory_started + dt.timedelta(minutes=5) - portal_now(live_portal)).total_seconds())
    with live_portal.clock_moved(move):
        # A day later both sessions were idle too long: they sign in again.
        open_signed_in(officer, review_path, sign_in_staff, OFFICER)
        exams = officer.locator("#exams")
        exams.get_by_label("Score").fill("82")
        exams.get_by_role("button", name="Record result").click()
        officer.wait_for_load_state()
        standing = officer.get_by_role("table", name="Where each exam stands").inner_text()
        assert re.search(r"Theory exam\s+1\s+Yes", standing), standing
        assert "The practical exam is still to come." in officer.locator("#exams").inner_text()
        check(officer, "review page, theory exam passed")

        open_signed_in(page, application_path, sign_in_citizen, CITIZEN)
        page.get_by_role("link", name="Book an appointment").click()
        assert slot_choice(page, exam_day, THEORY_AT, 20, "Theory exam").count() == 0
        check(page, "booking, practical exam")
        slot_choice(page, exam_day, PRACTICAL_AT, 60, "Practical exam").check()
        page.get_by_role("button", name="Book this time").click()
        page.get_by_text("Your appointment is booked").wait_for()
        assert "Practical exam" in page.locator("main").inner_text()
        check(page, "application, practical exam booked")

        # 20 minutes later: the practical exam has started (the sessions stay within their
        # 30 idle minutes).
        practical_started = dt.datetime.combine(exam_day, PRACTICAL_AT, tzinfo=JAKARTA)
        live_portal.advance_clock(
            int((practical_started + dt.timedelta(minutes=5) - portal_now(live_portal)).total_seconds())
        )
        open_signed_in(officer, review_path, sign_in_staff, OFFICER)
        result = officer.locator("form").filter(
            has=officer.get_by_role("heading", name="Record the practical exam result")
        )
        result.get_by_role("group", name="Result").get_by_label("Pass").check()
        result.get_by_label("Examiner's notes").fill("Smooth parking and lane changes.")
        result.get_by_role("button", name="Record result").click()
        officer.wait_for_load_state()
        exams_text = officer.locator("#exams").inner_text()
        assert "Both exams are passed." in exams_text, exams_text
        check(officer, "review page, both exams passed")
        officer.get_by_role("button", name="Resume the review").click()
        officer.get_by_text("The review is resumed.").wait_for()
        officer.get_by_role("button", name="Approve").click()
        officer.get_by_text("The application is approved.").wait_for()
        check(officer, "review page, approved")
        officer.get_by_role("button", name="Issue the document").click()
        officer.get_by_text("The document is issued.").wait_for()
        assert "Issued" in officer.locator("main dl").first.inner_text()
        check(officer, "review page, issued")

        # Her SIM A: issued on the exam day, valid 5 years (DOMAIN.md §1.2), her NIK's last
        # four digits as its number (the card format since 25 July 2024, §1.8).
        open_signed_in(page, application_path, sign_in_citizen, CITIZEN)
        assert "Issued" in status_of(page)
        timeline = page.locator("section[aria-labelledby=timeline-title]").inner_text()
        for step in ("Payment received", "Awaiting appointment", "Approved", "Issued"):
            assert step in timeline, timeline
        check_phone(page, "application issued")
        download = page.get_by_role("link", name=re.compile(r"^Download PDF Driving licence \(e-SIM\)"))

        def pdf_ready() -> bool:
            page.reload()
            return download.count() == 1

        wait_until(pdf_ready, timeout=90, interval=1, message="the e-SIM PDF")
        with page.expect_download() as download_info:
            download.click()
        saved = tmp_path / "e-sim.pdf"
        download_info.value.save_as(saved)
        pdf = saved.read_bytes()
        assert pdf.startswith(b"%PDF-"), pdf[:20]
        page.get_by_role("link", name=re.compile(r"^Driving licence \(e-SIM\)")).click()
        verify_url = page.locator("main a[href*='/verify/']").get_attribute("href")
        assert set(decoded_qr_codes(pdf)) == {verify_url}
        check(page, "e-SIM document page")

        page.get_by_role("navigation").get_by_role("link", name="My SIM").click()
        card = page.locator("main").inner_text()
        # (29 February + 5 years is 28 February: docs/licensing.md.)
        valid_until = exam_day.replace(
            year=exam_day.year + 5, day=min(exam_day.day, 28 if exam_day.month == 2 else 31)
        )
        assert "SIM A" in card, card
        assert "Active" in card, card
        assert f"Issued\n{exam_day.day} {exam_day:%B %Y}" in card, card
        assert f"Valid until\n{valid_until.day} {valid_until:%B %Y}" in card, card
        assert "•••• •••• •••• 0005" in card, card  # NIK 3578015001880005
        check(page, "my SIM, SIM A")
