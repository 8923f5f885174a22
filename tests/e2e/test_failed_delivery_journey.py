"""Journey: a couriered SIM card that cannot be delivered three times, goes back to the office and
is collected at the counter after the KTP check (docs/delivery/citizen-and-collection.md).

A new citizen, Hendra Gunawan, signs up through the UI (tests/e2e/people.py) with a NIK the
registry knows: his SIM A expires in 40 days (licensing/demo.py ``REGISTRY_ONLY``). He renews it
online at Satpas Daan Mogot with courier delivery, uploads the photo, signature, KTP scan and both
certificates, pays Rp 100.000 (renewal Rp 80.000 + postage Rp 20.000); the officer approves and
issues. He confirms the delivery address; the dispatcher prints, packs and puts the parcel in the
courier's run; the courier, on a phone, types the label code at pickup, sets off and records a
failed attempt — three times, each with its reason (after the first, Hendra asks for another day).
The dispatcher scans the parcel back in; Hendra's page and his e-mail say to collect it at Satpas
Daan Mogot; at the collection desk a wrong NIK is refused and his own is accepted; his
application's timeline shows the SIM card collected and the application completed.

The portal does not require the attempts to fall on different days (``go_out`` is guarded only by
the attempts left; the day the holder asks for is shown to the courier, not enforced), so the
clock is not moved: three restarts of the portal would only slow the journey down.

Citizen and courier pages at 360 × 740 (axe, nothing wider than the screen, 44 px targets); office
pages at 1280 px (axe).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zoneinfo
from typing import Any

import pytest

from tests.e2e.helpers import DESKTOP, PHONE, assert_accessible, assert_fits_phone, demo, sign_in_staff
from tests.e2e.people import new_citizen, sign_up_verified_citizen
from tests.e2e.portal import LivePortal, mail_text
from tests.utils import wait_until

pytestmark = pytest.mark.e2e

SATPAS = "Satpas Daan Mogot"
COURIER = demo("courier.satpas.daan.mogot")
# licensing/demo.py REGISTRY_ONLY: the registry's SIM A of NIK 317101 220387 0466, nobody else's.
HENDRA = new_citizen(
    "hendra.gagal.kirim",
    serial="0466",
    birth_date=dt.date(1987, 3, 22),
    female=False,
    full_name="Hendra Gunawan",
    address="Jl. Tanjung Duren Raya No. 5, RT 003/RW 005, Tanjung Duren Utara",
    postal_code="11470",
)
REASONS = ("Nobody at home", "Wrong or incomplete address", "Refused by the recipient")


def on_phone(page: Any, what: str) -> None:
    assert_accessible(page, what)
    assert_fits_phone(page, what)


def jpeg(size: tuple[int, int], face: bool = False) -> bytes:
    """A JPEG: a portrait (a face-like shape on a plain blue background) or a scanned page."""
    from PIL import Image, ImageDraw

    width, height = size
    if face:
        image = Image.blend(
            Image.new("RGB", size, (40, 90, 170)), Image.effect_noise(size, 25).convert("RGB"), 0.15
        )
        draw = ImageDraw.Draw(image)
        draw.ellipse((width * 0.3, height * 0.15, width * 0.7, height * 0.55), fill=(225, 190, 160))
        draw.rectangle((width * 0.15, height * 0.6, width * 0.85, height), fill=(250, 250, 250))
    else:
        image = Image.effect_noise(size, 30).convert("RGB")
        ImageDraw.Draw(image).rectangle((30, 30, width - 30, height // 3), fill=(245, 245, 245))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def upload(page: Any, document: str, name: str, data: bytes) -> None:
    page.get_by_label(f"Choose a file: {document}").set_input_files(
        {"name": name, "mimeType": "image/jpeg", "buffer": data}
    )
    page.get_by_role("button", name=f"Upload the {document}").click()
    page.get_by_text(f"The {document} is uploaded.").wait_for()


def test_three_failed_deliveries_then_collected_at_the_office(new_page, live_portal: LivePortal) -> None:  # type: ignore[no-untyped-def]
    # --- A new citizen, on his phone: signs up, confirms his number, verifies his identity.
    citizen = new_page(PHONE)
    sign_up_verified_citizen(citizen, live_portal, HENDRA, check=on_phone)

    # --- He renews his SIM A online, courier delivery.
    citizen.goto("/warga/sim/")
    licences = citizen.locator("main").inner_text()
    assert "SIM A" in licences
    assert "Renewal is open" in licences, licences
    on_phone(citizen, "my SIM")
    citizen.get_by_role("link", name=re.compile(r"^Renew")).click()
    on_phone(citizen, "SIM renewal form")
    now = dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=live_portal.clock_offset_seconds)
    today = now.astimezone(zoneinfo.ZoneInfo("Asia/Jakarta")).date()
    certified = (today - dt.timedelta(days=12)).isoformat()
    citizen.get_by_role("textbox", name="Health certificate number").fill("SKS/0466/XI/2026")
    citizen.get_by_role("textbox", name="Health certificate issued by").fill("Klinik Pratama Tanjung Duren")
    citizen.get_by_label("Health certificate date").fill(certified)
    citizen.get_by_role("textbox", name="Psychological test number").fill("PSI-2026-0466")
    citizen.get_by_role("textbox", name="Psychological test issued by").fill("Biro Psikologi Cendekia")
    citizen.get_by_label("Psychological test date").fill(certified)
    citizen.get_by_role("checkbox", name=re.compile("JKN")).check()
    citizen.get_by_role("radio", name="Courier to an address").check()
    citizen.get_by_role("button", name="Save draft").click()
    citizen.get_by_text("Your draft is saved").wait_for()
    reference = re.search(r"SIMP-[0-9A-Z-]+", citizen.get_by_role("heading", level=1).inner_text())
    assert reference, citizen.get_by_role("heading", level=1).inner_text()
    ref = reference.group()
    application_url = citizen.url
    on_phone(citizen, "renewal draft")

    citizen.get_by_role("link", name="Upload").click()
    on_phone(citizen, "documents to upload")
    upload(citizen, "photo", "foto.jpg", jpeg((600, 800), face=True))
    upload(citizen, "signature", "tanda-tangan.jpg", jpeg((600, 250)))
    upload(citizen, "ktp scan", "ktp.jpg", jpeg((856, 540)))
    upload(citizen, "health certificate", "surat-sehat.jpg", jpeg((800, 1100)))
    upload(citizen, "psychological test result", "psikologi.jpg", jpeg((800, 1100)))
    assert "Missing" not in citizen.get_by_role("region", name="Required documents").inner_text()
    on_phone(citizen, "documents uploaded")
    citizen.get_by_role("link", name="Continue to submitting").click()
    on_phone(citizen, "renewal submit page")
    citizen.get_by_role("combobox", name=re.compile("Office")).select_option(
        label=f"{SATPAS} — Kota Jakarta Barat"
    )
    citizen.get_by_role("button", name="Submit application").click()
    citizen.get_by_text("Your application is submitted").wait_for()
    on_phone(citizen, "renewal awaiting payment")
    citizen.get_by_role("link", name="How to pay").click()
    bill = citizen.get_by_role("table").inner_text()
    assert "SIM A, renewal" in bill, bill
    assert "Postage" in bill, bill
    assert "Rp 100.000" in citizen.get_by_role("table").locator("tfoot").inner_text()
    billing_code = citizen.locator("#code-plain").input_value()
    on_phone(citizen, "renewal bill")

    bank = new_page(DESKTOP)
    bank.goto("/sandbox/bank/")
    bank.get_by_role("textbox", name="Billing code").fill(billing_code)
    bank.get_by_role("button", name="Look up").click()
    bank.get_by_role("button", name="Pay", exact=True).click()
    bank.get_by_text("Payment made").wait_for()

    # --- The Satpas officer approves and issues.
    officer = new_page(DESKTOP)
    sign_in_staff(officer, demo("officer.satpas.daan.mogot"))

    def queued() -> bool:
        officer.goto("/staf/antrean/")
        return officer.get_by_role("row", name=re.compile(ref)).count() == 1

    wait_until(queued, timeout=60, interval=1, message=f"{ref} in the queue")
    officer.get_by_role("row", name=re.compile(ref)).get_by_role("button", name="Claim").click()
    officer.get_by_text("You claimed the application.").wait_for()
    officer.get_by_role("link", name=ref).click()
    assert_accessible(officer, "renewal review")
    officer.get_by_role("button", name="Approve").click()
    officer.get_by_text("The application is approved.").wait_for()
    officer.get_by_role("button", name="Issue the document").click()
    officer.get_by_text("The document is issued.").wait_for()
    assert_accessible(officer, "renewal issued")

    # --- Hendra confirms the address the courier brings it to.
    citizen.goto("/warga/pengiriman/")
    citizen.get_by_text("Action needed").wait_for()
    on_phone(citizen, "my deliveries")
    citizen.get_by_role("link", name="SIM card").click()
    shipment_url = citizen.url
    delivery = citizen.locator("main").inner_text()
    assert HENDRA.address in delivery, delivery
    on_phone(citizen, "delivery, address to confirm")
    citizen.get_by_role("button", name="Confirm this address").click()
    citizen.get_by_text("Address confirmed.").wait_for()
    label_code = re.search(r"Label code\s+([A-Z0-9]{10})\b", citizen.locator("main").inner_text())
    assert label_code, citizen.locator("main").inner_text()
    label = label_code.group(1)
    on_phone(citizen, "delivery, address confirmed")

    # --- The dispatcher prints, packs and gives the parcel to the courier.
    dispatcher = new_page(DESKTOP)
    sign_in_staff(dispatcher, demo("dispatcher.satpas.daan.mogot"))
    dispatcher.get_by_role("navigation").get_by_role("link", name="Print and pack").click()
    assert_accessible(dispatcher, "print and pack")
    dispatcher.get_by_role("row", name=re.compile(label)).get_by_role(
        "button", name=re.compile("Mark printed")
    ).click()
    dispatcher.get_by_text(f"{label} is marked printed.").wait_for()
    dispatcher.get_by_role("row", name=re.compile(label)).get_by_role(
        "button", name=re.compile("Mark packed")
    ).click()
    dispatcher.get_by_text(f"{label} is marked packed").wait_for()
    assert_accessible(dispatcher, "print and pack, packed")
    dispatcher.get_by_role("navigation").get_by_role("link", name="Dispatch").click()
    assert_accessible(dispatcher, "dispatch")
    dispatcher.get_by_role("checkbox", name=label).check()
    dispatcher.get_by_role("combobox", name="Courier").select_option(label=COURIER)
    dispatcher.get_by_role("button", name="Create run for this courier today").click()
    dispatcher.get_by_text(re.compile("The parcels are in .* run")).wait_for()
    assert_accessible(dispatcher, "courier run")

    # --- The courier, on his phone: pickup, then three attempts that fail.
    courier = new_page(PHONE)
    sign_in_staff(courier, COURIER)
    courier.goto("/kurir/kiriman/")
    on_phone(courier, "courier's run")
    courier.get_by_role("link", name=re.compile(HENDRA.full_name)).click()
    parcel_url = courier.url
    on_phone(courier, "parcel to pick up")
    courier.get_by_role("textbox", name="Label code").fill(label.lower())
    courier.get_by_role("button", name="Record the pickup").click()
    courier.get_by_text("Pickup recorded.").wait_for()
    on_phone(courier, "parcel picked up")

    for attempt, reason in enumerate(REASONS, start=1):
        courier.goto(parcel_url)
        courier.get_by_role("button", name="I am setting off").click()
        courier.get_by_text("Out for delivery. The recipient has been sent a delivery code.").wait_for()
        assert f"attempt {attempt} of 3" in courier.locator("main").inner_text()
        on_phone(courier, f"out for delivery, attempt {attempt}")
        courier.get_by_role("radio", name=reason).check()
        courier.get_by_role("button", name="Record the failed attempt").click()
        courier.get_by_text("The failed attempt is recorded.").wait_for()
        on_phone(courier, f"attempt {attempt} failed")

        if attempt == 1:
            # Hendra sees the failed attempt and asks for another day.
            citizen.goto(shipment_url)
            page_text = citizen.locator("main").inner_text()
            assert "Delivery attempted: we could not hand it over" in page_text, page_text
            assert reason in page_text, page_text
            on_phone(citizen, "delivery, attempt failed")
            day = citizen.get_by_role("combobox", name="Preferred day for the next attempt")
            wanted = day.locator("option").nth(1).inner_text()
            day.select_option(label=wanted)
            citizen.get_by_role("button", name="Ask for this day").click()
            citizen.get_by_text("New delivery day requested").first.wait_for()
            on_phone(citizen, "delivery, new day asked")
            courier.goto(parcel_url)
            assert "The recipient asks for delivery on" in courier.locator("main").inner_text()

    assert "No delivery attempt is left" in courier.locator("main").inner_text()
    assert courier.get_by_role("button", name="I am setting off").count() == 0

    # --- Back at the office: the dispatcher scans it in; Hendra is told where to collect it.
    mails_before = len(live_portal.mails())
    dispatcher.get_by_role("navigation").get_by_role("link", name="Collection desk").click()
    assert_accessible(dispatcher, "collection desk")
    dispatcher.get_by_role("textbox", name="Label code").fill(label)
    dispatcher.get_by_role("button", name="Scan in").click()
    dispatcher.get_by_text("Scanned back in: the holder is told to collect it.").wait_for()
    register = dispatcher.get_by_role("row", name=re.compile(label)).inner_text()
    for reason in REASONS:
        assert reason in register, register
    assert_accessible(dispatcher, "collection desk, returned")

    notice = mail_text(live_portal.wait_for_mail(HENDRA.email, since=mails_before))
    assert SATPAS in notice, notice
    assert ref in notice, notice
    citizen.goto(shipment_url)
    waiting = citizen.locator("main").inner_text()
    assert "Returned to the office: collect it there" in waiting, waiting
    assert SATPAS in waiting
    assert "Bring your e-KTP" in waiting
    on_phone(citizen, "delivery, ready for collection")

    # --- He comes to the counter: the KTP's NIK must be his.
    dispatcher.get_by_role("row", name=re.compile(label)).get_by_role("link", name="Hand over").click()
    assert_accessible(dispatcher, "hand-over form")
    dispatcher.get_by_role("radio", name="The holder (check the KTP)").check()
    wrong = HENDRA.nik[:-1] + ("7" if HENDRA.nik[-1] != "7" else "8")
    dispatcher.get_by_role("textbox", name="NIK on the collector's KTP").fill(wrong)
    dispatcher.get_by_role("button", name="Record the hand-over").click()
    dispatcher.get_by_text("The NIK on this KTP is not the holder's.").first.wait_for()
    assert dispatcher.get_by_role("textbox", name="NIK on the collector's KTP").input_value() == ""
    assert_accessible(dispatcher, "hand-over refused")
    dispatcher.get_by_role("radio", name="The holder (check the KTP)").check()
    dispatcher.get_by_role("textbox", name="NIK on the collector's KTP").fill(HENDRA.nik)
    dispatcher.get_by_role("button", name="Record the hand-over").click()
    dispatcher.get_by_text("Handed over and recorded.").wait_for()
    assert_accessible(dispatcher, "collection desk, handed over")

    # --- His timeline: collected, and the application completed.
    citizen.goto(application_url)
    assert "Completed" in citizen.locator("main dl").first.inner_text()
    timeline = citizen.locator("section[aria-labelledby=timeline-title]").inner_text()
    for step in ("SIM card: Returned to the office", "SIM card: Collected at the office", "Completed"):
        assert step in timeline, timeline
    for reason in REASONS:
        assert reason in timeline, timeline
    on_phone(citizen, "application completed")
