"""Journey: a BPKB transfer of ownership (balik nama), through the UI only (docs/vehicles/transfer.md).

The seller ``warga.terverifikasi`` proves she holds B 4521 UJA (the demo vehicle of the README's
transfer, last 5 chassis characters 02718; B 3456 KJT belongs to the endorsement journey) and
gives the buyer a transfer code. The buyer ``pembeli.terverifikasi`` applies with the plate and
the code (the code basis needs no upload), chooses collection at the office, submits to the
vehicle's Samsat and pays Rp 385.000 at the sandbox bank. The Samsat's officer schedules the
physical check and publishes a slot a few minutes ahead, the buyer books it, the portal's clock
moves past its start (a restart of the portal, ``clock_moved``), and the officer records both
rubbings (photos), resumes the review and forwards to the BPKB unit of Polda Metro Jaya, whose
officer approves and issues. The buyer then has the vehicle among hers and downloads the e-BPKB
(a PDF naming the plate and never a NIK); the seller's list no longer has it.

Citizens use a phone (360 × 740: axe, nothing wider than the screen, 44 px targets); staff a
desktop (axe).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zoneinfo
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
from tests.e2e.portal import LivePortal
from tests.utils import wait_until

pytestmark = pytest.mark.e2e

PLATE = "B 4521 UJA"
CHASSIS_SUFFIX = "02718"
SAMSAT = "Samsat Jakarta Barat — Kota Jakarta Barat"
BPKB_UNIT = "Unit BPKB Ditlantas Polda Metro Jaya — Polda Metro Jaya"
JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
SELLER_NIK = "3171014507900003"  # accounts/demo.py: must never reach the buyer's documents
BUYER_NIK = "3578015001880005"


def on_phone(page: Any, what: str) -> None:
    assert_accessible(page, what)
    assert_fits_phone(page, what)


def rubbing_photo(text: str) -> dict[str, Any]:
    """A JPEG of a pencil rubbing: grey noise, a light strip and the number on it."""
    from PIL import Image, ImageDraw

    image = Image.effect_noise((800, 600), 40).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 220, 760, 380), fill=(235, 235, 235))
    draw.text((60, 290), text, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return {"name": "gesekan.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def portal_now(portal: LivePortal) -> dt.datetime:
    return dt.datetime.now(tz=JAKARTA) + dt.timedelta(seconds=portal.clock_offset_seconds)


def claim_from_queue(page: Any, reference: str) -> None:
    """The office queue lists the paid application (the bank's callback may take a moment)."""

    def listed() -> bool:
        page.goto("/staf/antrean/")
        return page.get_by_role("row", name=re.compile(reference)).count() == 1

    wait_until(listed, timeout=60, interval=1, message=f"{reference} in the queue")
    assert_accessible(page, "review queue")
    page.get_by_role("row", name=re.compile(reference)).get_by_role("button", name="Claim").click()
    page.get_by_text("You claimed the application.").wait_for()
    page.get_by_role("link", name=reference).click()
    page.get_by_role("heading", name=f"Review {reference}").wait_for()
    assert_accessible(page, "review page, claimed")


def test_bpkb_transfer_of_ownership(new_page, live_portal: LivePortal, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # --- The seller proves she holds the vehicle and creates a transfer code.
    seller = new_page(PHONE)
    sign_in_citizen(seller, demo("warga.terverifikasi"))
    seller.goto("/warga/kendaraan/")
    on_phone(seller, "seller's vehicles")
    seller.get_by_role("link", name=re.compile(PLATE)).click()
    unlock = seller.get_by_role("textbox", name=re.compile("Last 5 characters"))
    if unlock.count():
        on_phone(seller, "vehicle, locked")
        unlock.fill(CHASSIS_SUFFIX)
        seller.get_by_role("button", name="Unlock").click()
        seller.get_by_text("Possession proven").wait_for()
    on_phone(seller, "vehicle, unlocked")
    seller.get_by_role("link", name="Give the buyer a transfer code").click()
    seller.get_by_role("heading", name=re.compile(f"Sell this vehicle — {PLATE}")).wait_for()
    on_phone(seller, "sell this vehicle")
    seller.get_by_role("button", name="Create a transfer code").click()
    seller.get_by_role("heading", name="Transfer code for the buyer").wait_for()
    created = seller.locator("main").inner_text()
    code = re.search(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b", created)
    assert code, created
    assert "shown only this once" in created
    on_phone(seller, "transfer code, shown once")

    # --- The buyer applies with the plate and the code, collection at the office.
    buyer = new_page(PHONE)
    sign_in_citizen(buyer, demo("pembeli.terverifikasi"))
    buyer.goto("/warga/kendaraan/")
    assert PLATE not in buyer.locator("main").inner_text()
    on_phone(buyer, "buyer's vehicles, before")
    buyer.get_by_role("link", name="Apply for the change of ownership").click()
    on_phone(buyer, "change of ownership form")
    buyer.get_by_role("textbox", name=re.compile("Plate number")).fill(PLATE)
    buyer.get_by_role("radio", name="Transfer code from the seller").check()
    # Typed as the seller might say it: lower case, no dashes.
    buyer.get_by_role("textbox", name=re.compile("Transfer code from the seller")).fill(
        code.group().replace("-", "").lower()
    )
    buyer.get_by_role("radio", name="Collection at the office").check()
    buyer.get_by_role("button", name="Save draft").click()
    buyer.get_by_text("Your draft is saved").wait_for()
    reference = re.search(r"BBN-[0-9A-Z-]+", buyer.get_by_role("heading", level=1).inner_text())
    assert reference, buyer.get_by_role("heading", level=1).inner_text()
    ref = reference.group()
    application_url = buyer.url
    on_phone(buyer, "transfer draft")
    buyer.get_by_role("link", name="Review or add").click()
    assert "This service requires no documents" in buyer.locator("main").inner_text()
    on_phone(buyer, "transfer documents (none required)")
    buyer.goto(application_url)
    buyer.get_by_role("link", name="Submit application").click()
    summary = buyer.get_by_role("region", name="Summary").inner_text()
    assert "Transfer code from the seller" in summary, summary
    assert "Collection at the office" in summary, summary
    on_phone(buyer, "transfer submit page")
    buyer.get_by_role("combobox", name=re.compile("Office")).select_option(label=SAMSAT)
    buyer.get_by_role("button", name="Submit application").click()
    buyer.get_by_text("Your application is submitted").wait_for()
    on_phone(buyer, "transfer awaiting payment")

    # The bill: new STNK 100.000 + TNKB 60.000 + BPKB transfer 225.000 (2-wheel) and a BBNKB
    # line of Rp 0 (no BBNKB on a second-hand vehicle since 2025) = 385.000.
    buyer.get_by_role("link", name="How to pay").click()
    lines = buyer.get_by_role("table")
    amounts = [row.inner_text().split("\t")[-1].strip() for row in lines.locator("tbody tr").all()]
    assert amounts == ["Rp 100.000", "Rp 60.000", "Rp 225.000", "Rp 0"], amounts
    assert "BBNKB (transfer duty): not applicable" in lines.inner_text()
    assert "Rp 385.000" in lines.locator("tfoot").inner_text()
    billing_code = buyer.locator("#code-plain").input_value()
    on_phone(buyer, "transfer bill")

    bank = new_page(DESKTOP)
    bank.goto("/sandbox/bank/")
    bank.get_by_role("textbox", name="Billing code").fill(billing_code)
    bank.get_by_role("button", name="Look up").click()
    assert "Rp 385.000" in bank.locator("main").inner_text()
    bank.get_by_role("button", name="Pay", exact=True).click()
    bank.get_by_text("Payment made").wait_for()
    assert_accessible(bank, "sandbox bank, paid")

    # --- The Samsat: claim, schedule the physical check, publish a slot a few minutes ahead.
    samsat = new_page(DESKTOP)
    sign_in_staff(samsat, demo("officer.samsat.jakarta.barat"))
    claim_from_queue(samsat, ref)
    samsat.get_by_role("button", name="Schedule an appointment").click()
    samsat.get_by_text("The applicant can now book an appointment.").wait_for()
    assert_accessible(samsat, "review page, awaiting appointment")
    review_url = samsat.url

    starts = (portal_now(live_portal) + dt.timedelta(minutes=6)).replace(second=0, microsecond=0)
    samsat.goto("/staf/jadwal/")
    assert_accessible(samsat, "appointment slots")
    samsat.get_by_role("textbox", name=re.compile("^Date")).fill(starts.date().isoformat())
    samsat.get_by_role("textbox", name=re.compile("Start time")).fill(starts.strftime("%H:%M"))
    samsat.get_by_role("combobox", name=re.compile("Kind of appointment")).select_option(
        label="Vehicle physical check"
    )
    samsat.get_by_role("spinbutton", name=re.compile("Seats")).fill("2")
    samsat.get_by_role("button", name="Publish").click()
    samsat.get_by_text("1 slot published.").wait_for()
    assert_accessible(samsat, "appointment slots, published")

    # --- The buyer books it.
    buyer.goto(application_url)
    on_phone(buyer, "transfer awaiting appointment")
    buyer.get_by_role("link", name="Book an appointment").click()
    on_phone(buyer, "book the physical check")
    buyer.get_by_role(
        "radio", name=re.compile(starts.strftime("%H:%M") + r".*Vehicle physical check")
    ).check()
    buyer.get_by_role("button", name="Book this time").click()
    buyer.get_by_text("Your appointment is booked.").wait_for()
    on_phone(buyer, "physical check booked")

    # --- At the appointment (the clock moved just past its start): the physical check.
    move = int((starts - portal_now(live_portal)).total_seconds()) + 120
    with live_portal.clock_moved(move):
        samsat.goto(review_url)
        samsat.get_by_role("link", name="Record the physical check").click()
        registry = samsat.locator("main").inner_text()
        assert "MH3SG3160MK302718" in registry, registry
        assert "G3E4E0302718" in registry, registry
        assert_accessible(samsat, "physical check form")
        samsat.get_by_role("group", name=re.compile("chassis number on the vehicle")).get_by_role(
            "radio", name="Yes, it matches"
        ).check()
        samsat.get_by_label(re.compile("Photo of the chassis number rubbing")).set_input_files(
            rubbing_photo("MH3SG3160MK302718")
        )
        samsat.get_by_role("group", name=re.compile("engine number on the vehicle")).get_by_role(
            "radio", name="Yes, it matches"
        ).check()
        samsat.get_by_label(re.compile("Photo of the engine number rubbing")).set_input_files(
            rubbing_photo("G3E4E0302718")
        )
        samsat.get_by_role("button", name="Record the check").click()
        samsat.get_by_text("The physical check is recorded: both numbers match.").wait_for()
        assert_accessible(samsat, "review page, physical check passed")
        samsat.get_by_role("button", name="Resume the review").click()
        samsat.get_by_text("The review is resumed.").first.wait_for()
        # The Samsat's part is done: the route goes on to the Polda's BPKB unit.
        samsat.locator("summary", has_text="Forward to the next office").click()
        samsat.get_by_role("combobox", name=re.compile("Next office")).select_option(label=BPKB_UNIT)
        assert_accessible(samsat, "review page, forward form open")
        samsat.get_by_role("button", name="Forward to the next office").click()
        samsat.get_by_text("The application is forwarded to the next office.").wait_for()

    # --- The BPKB unit approves and issues.
    unit = new_page(DESKTOP)
    sign_in_staff(unit, demo("officer.bpkb.metro.jaya"))
    claim_from_queue(unit, ref)
    panel = unit.locator("main").inner_text()
    assert "The physical check is passed." in panel, panel
    unit.get_by_role("button", name="Approve").click()
    unit.get_by_text("The application is approved.").wait_for()
    assert_accessible(unit, "review page, approved")
    unit.get_by_role("button", name="Issue the document").click()
    unit.get_by_text("The document is issued.").wait_for()
    assert_accessible(unit, "review page, issued")

    # --- The new owner: the vehicle is hers, and the e-BPKB downloads.
    buyer.goto("/warga/kendaraan/")
    buyer.get_by_role("link", name=re.compile(PLATE)).wait_for()
    on_phone(buyer, "buyer's vehicles, after")
    buyer.get_by_role("link", name=re.compile(PLATE)).click()
    vehicle = buyer.locator("main").inner_text()
    assert re.search(r"today\s+You\s+Transfer of ownership", vehicle), vehicle
    assert "Another owner" in vehicle
    assert "Siti" not in vehicle
    on_phone(buyer, "the bought vehicle")

    buyer.goto(application_url)
    timeline = buyer.locator("section[aria-labelledby=timeline-title]").inner_text()
    for step in ("Payment received", "Awaiting appointment", "Approved", "Issued"):
        assert step in timeline, timeline
    download = buyer.get_by_role("link", name=re.compile(r"^Download PDF Vehicle ownership book \(e-BPKB\)"))

    def pdf_ready() -> bool:
        buyer.reload()
        return download.count() == 1

    wait_until(pdf_ready, timeout=90, interval=1, message="the e-BPKB PDF")
    on_phone(buyer, "transfer issued")
    with buyer.expect_download() as download_info:
        download.click()
    saved = tmp_path / "e-bpkb.pdf"
    download_info.value.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"%PDF-"), content[:20]
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-layout", str(saved), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    assert "e-BPKB" in text, text[:500]
    assert PLATE in text, text[:500]
    for secret in (SELLER_NIK, BUYER_NIK, "Siti Rahmawati", "MH3SG3160MK302718"):
        assert secret not in text

    # --- The seller no longer has it.
    seller.goto("/warga/kendaraan/")
    mine = seller.locator("main").inner_text()
    assert PLATE not in mine, mine
    assert "B 3456 KJT" in mine
    on_phone(seller, "seller's vehicles, after")
