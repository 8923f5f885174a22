"""Journey: a new citizen renews their SIM C online, and a courier brings the card (DOMAIN.md §1.4, §1.7).

Through the UI only, from sign-up to the card at the door:

1. Ratna signs up, confirms her e-mail with the link the portal mailed, fills in her profile
   with her NIK, confirms her mobile number with the code from the SMS and verifies her identity
   with the e2e profile's sandbox identity provider (it matches every NIK but serials 0997–0999,
   accounts/identity.py) — tests/e2e/people.py.
2. Her SIM C (expiring in 30 days) shows under "My SIM"; she renews it: certificates, JKN,
   courier delivery, the five uploads (small JPEG/PNG images made with Pillow), Satpas Daan Mogot.
3. The bill (renewal PNBP of SIM C Rp 75.000 + postage Java and Bali Rp 20.000) is paid at the
   sandbox bank.
4. The Satpas officer signs in with password + TOTP, claims, approves and issues.
5. Ratna downloads the e-SIM (a PDF) and confirms her delivery address.
6. The officer marks the card printed and packed; the dispatcher puts it in the courier's run.
7. The courier, on a phone (360 × 740), picks it up (the label code), sets off and hands it
   over with the delivery code Ratna received by SMS.
8. Ratna's application and delivery pages say delivered; a stranger opening the e-SIM's
   verification page (the QR's address) reads that it is valid.

The licence registry: a renewal needs the licence in the registry under the citizen's NIK, and a
person who has just signed up has none. The sandbox's registry is seeded like the rest of the
reference data — ``licensing/demo.py`` ``REGISTRY_ONLY`` holds a SIM C for Ratna's NIK
(3171015408910131) with no account attached, imported by ``manage.py seed`` when the e2e portal
starts; it becomes hers when she verifies that NIK. Nothing else is written outside the UI.

axe-core on every page visited; the citizen's application form, application page (timeline),
bill and delivery pages, and every courier page, also at 360 × 740 with ``assert_fits_phone``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.e2e.helpers import DESKTOP, PHONE, assert_accessible, assert_fits_phone, demo, sign_in_staff
from tests.e2e.people import Citizen, new_citizen, sign_up_verified_citizen
from tests.e2e.portal import LivePortal
from tests.utils import JAKARTA, wait_until

pytestmark = pytest.mark.e2e

#: Her NIK is in the sandbox registry with a SIM C (licensing/demo.py REGISTRY_ONLY).
RATNA = new_citizen(
    "ratna.sim.renewal",
    serial="0131",
    birth_date=dt.date(1991, 8, 14),
    female=True,
    full_name="Ratna Kusumawati",
    address="Jl. Kebon Jeruk Raya No. 27, RT 004/RW 002, Kebon Jeruk",
)
SATPAS = "Satpas Daan Mogot — Kota Jakarta Barat"
OFFICER = demo("officer.satpas.daan.mogot")
DISPATCHER = demo("dispatcher.satpas.daan.mogot")
COURIER = demo("courier.satpas.daan.mogot")


def check(page: Any, what: str, *, phone: bool = False) -> None:
    """axe at the page's width; with ``phone``, again narrowed to 360 × 740 with the phone layout."""
    assert_accessible(page, what)
    if not phone:
        return
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE.width, "height": PHONE.height})
    try:
        assert_accessible(page, f"{what} (360 px)")
        assert_fits_phone(page, what)
    finally:
        page.set_viewport_size(size)


def image(path: Path, size: tuple[int, int], background: tuple[int, int, int], fmt: str) -> Path:
    """A small valid image: a plain background with a face-coloured oval."""
    picture = Image.new("RGB", size, background)
    width, height = size
    ImageDraw.Draw(picture).ellipse(
        (width // 4, height // 5, 3 * width // 4, 3 * height // 5), fill=(224, 184, 150)
    )
    picture.save(path, fmt)
    return path


def main_text(page: Any) -> str:
    return str(page.locator("main").inner_text())


def reload_until(page: Any, url: str, ready: Callable[[], bool], *, timeout: float, message: str) -> None:
    def loaded_and_ready() -> bool:
        page.goto(url)
        return ready()

    wait_until(loaded_and_ready, timeout=timeout, interval=1, message=message)


# --- the citizen applies ------------------------------------------------------------------------


def renew_sim_c(page: Any, tmp_path: Path) -> tuple[str, str]:
    """From "My SIM" to a submitted renewal; returns the application's address and reference."""
    page.get_by_role("navigation").get_by_role("link", name="My SIM").click()
    licence = page.get_by_role("region", name=re.compile(r"^SIM C\b"))
    assert "Renewal is open" in licence.inner_text(), licence.inner_text()
    check(page, "my SIM")
    licence.get_by_role("link", name="Renew — SIM C").click()

    assert "••••0131" in page.get_by_role("combobox", name="Licence to renew").inner_text()
    today = dt.datetime.now(JAKARTA).date()
    page.get_by_role("textbox", name="Health certificate number").fill("RIK-2026-118274")
    page.get_by_role("textbox", name="Health certificate issued by").fill("Klinik Sehat Kebon Jeruk")
    page.get_by_role("textbox", name="Health certificate date").fill(
        (today - dt.timedelta(days=9)).isoformat()
    )
    page.get_by_role("textbox", name="Psychological test number").fill("PPSI-2026-552190")
    page.get_by_role("textbox", name="Psychological test issued by").fill("e-PPsi")
    page.get_by_role("textbox", name="Psychological test date").fill(
        (today - dt.timedelta(days=8)).isoformat()
    )
    page.get_by_role("checkbox", name="My JKN/BPJS Kesehatan membership is active").check()
    page.get_by_role("radio", name="Courier to an address").check()
    check(page, "renewal form", phone=True)
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Your draft is saved").wait_for()
    check(page, "renewal draft")

    page.get_by_role("link", name="Upload").click()
    check(page, "documents, none yet")
    uploads = {
        "photo": image(tmp_path / "pas-foto.jpg", (400, 520), (28, 78, 196), "JPEG"),
        "signature": image(tmp_path / "tanda-tangan.png", (600, 200), (255, 255, 255), "PNG"),
        "ktp scan": image(tmp_path / "ktp.jpg", (856, 540), (196, 218, 240), "JPEG"),
        "health certificate": image(tmp_path / "surat-sehat.jpg", (600, 840), (255, 255, 255), "JPEG"),
        "psychological test result": image(tmp_path / "psikologi.png", (600, 840), (255, 255, 255), "PNG"),
    }
    for what, path in uploads.items():
        page.get_by_label(f"Choose a file: {what}").set_input_files(path)
        page.get_by_role("button", name=f"Upload the {what}").click()
        page.get_by_role("status").filter(
            has_text=re.compile(f"The {what} is uploaded", re.IGNORECASE)
        ).wait_for()
    required = page.get_by_role("region", name="Required documents").inner_text()
    assert "Missing" not in required, required
    check(page, "documents, all uploaded")

    page.get_by_role("link", name="Continue to submitting").click()
    summary = page.get_by_role("region", name="Summary").inner_text()
    assert "SIM C ••••0131" in summary, summary
    assert "5 of 5 required documents" in summary, summary
    page.get_by_role("combobox", name="Office").select_option(label=SATPAS)
    check(page, "submit page")
    page.get_by_role("button", name="Submit application").click()
    page.get_by_text("Your application is submitted").wait_for()
    reference = re.search(r"SIMP-[0-9A-Z-]+", page.get_by_role("heading", level=1).inner_text())
    assert reference, page.get_by_role("heading", level=1).inner_text()
    check(page, "application awaiting payment", phone=True)
    return page.url, reference.group()


def pay_at_the_sandbox_bank(page: Any, new_page: Callable[..., Any], application_url: str) -> None:
    """The bill, line by line, then the sandbox bank's "Pay"; the office's queue takes it."""
    page.get_by_role("link", name="How to pay").click()
    items = page.get_by_role("table", name="The items of the bill")
    items.wait_for()
    rows = [row.inner_text().split("\t") for row in items.locator("tbody tr").all()]
    # DOMAIN.md §4: the renewal PNBP of SIM C is Rp 75.000; the courier's postage within Java.
    assert [(row[0].strip(), row[-1].strip()) for row in rows] == [
        ("SIM C, renewal", "Rp 75.000"),
        ("Postage: Java and Bali", "Rp 20.000"),
    ], rows
    assert "Rp 95.000" in items.locator("tfoot").inner_text()
    billing_code = page.locator("#code-plain").input_value()
    assert re.fullmatch(r"\d{15}", billing_code), billing_code
    check(page, "bill", phone=True)

    bank = new_page(DESKTOP)
    bank.goto("/sandbox/bank/")
    bank.get_by_role("textbox", name="Billing code").fill(billing_code)
    bank.get_by_role("button", name="Look up").click()
    assert "Rp 95.000" in main_text(bank)
    check(bank, "sandbox bank, code found")
    bank.get_by_role("button", name="Pay", exact=True).click()
    bank.get_by_text("Payment made").wait_for()
    check(bank, "sandbox bank, paid")

    reload_until(
        page,
        application_url,
        lambda: "Waiting for review" in page.locator("main dl").first.inner_text(),
        timeout=30,
        message="the paid renewal to reach the office's queue",
    )
    check(page, "application waiting for review")


# --- the office -----------------------------------------------------------------------------------


def officer_approves_and_issues(officer: Any, reference: str) -> None:
    officer.goto("/staf/antrean/")
    officer.get_by_role("textbox", name="Reference, applicant name, NIK or subject").fill(reference)
    officer.get_by_role("button", name="Search").click()
    row = officer.get_by_role("row", name=re.compile(reference))
    row.wait_for()
    check(officer, "review queue")
    row.get_by_role("button", name="Claim").click()
    officer.get_by_text("You claimed the application.").wait_for()
    officer.get_by_role("link", name=reference).click()
    applicant = officer.get_by_role("region", name="Applicant").inner_text()
    assert RATNA.full_name in applicant, applicant
    assert "Verified" in applicant, applicant
    assert "3171********0131" in applicant, "the NIK is shown masked"
    documents = officer.get_by_role("region", name="Documents").inner_text()
    for kind in ("Photo", "Signature", "KTP scan", "Health certificate", "Psychological test result"):
        assert kind in documents, documents
    check(officer, "review page")
    officer.get_by_role("button", name="Approve").click()
    officer.get_by_text("The application is approved.").wait_for()
    check(officer, "review page, approved")
    officer.get_by_role("button", name="Issue the document").click()
    officer.get_by_text("The document is issued.").wait_for()
    check(officer, "review page, issued")


def officer_prints_and_packs(officer: Any, label_code: str) -> None:
    officer.goto("/staf/pengiriman/")
    check(officer, "to print and pack")
    officer.get_by_role("button", name=f"Mark printed {label_code}").click()
    officer.get_by_text(f"{label_code} is marked printed.").wait_for()
    check(officer, "to print and pack, printed")
    officer.get_by_role("button", name=f"Mark packed {label_code}").click()
    officer.get_by_text(f"{label_code} is marked packed").wait_for()
    check(officer, "to print and pack, packed")


def dispatcher_assigns_the_courier(dispatcher: Any, label_code: str) -> None:
    dispatcher.goto("/staf/pengiriman/kirim/")
    dispatcher.get_by_role("checkbox", name=label_code).check()
    dispatcher.get_by_role("combobox", name="Courier").select_option(label=COURIER)
    check(dispatcher, "dispatch")
    dispatcher.get_by_role("button", name="Create run for this courier today").click()
    dispatcher.get_by_text(f"The parcels are in {COURIER}").wait_for()
    assert dispatcher.get_by_role("row", name=re.compile(label_code)).count() == 1
    check(dispatcher, "courier run")


# --- the citizen receives ---------------------------------------------------------------------


def download_the_e_sim(page: Any, application_url: str, tmp_path: Path) -> str:
    """The e-SIM PDF once the worker has rendered it; returns its verification address."""
    reload_until(
        page,
        application_url,
        lambda: "Issued" in page.locator("main dl").first.inner_text(),
        timeout=30,
        message="the renewal to be issued",
    )
    download_link = page.get_by_role("link", name=re.compile(r"^Download PDF Driving licence \(e-SIM\)"))
    reload_until(
        page, application_url, lambda: download_link.count() == 1, timeout=90, message="the e-SIM PDF"
    )
    check(page, "application issued", phone=True)
    with page.expect_download() as download_info:
        download_link.click()
    saved = tmp_path / "e-sim.pdf"
    download_info.value.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"%PDF-"), content[:20]
    assert len(content) > 5_000

    page.get_by_role("link", name=re.compile(r"^Driving licence \(e-SIM\)")).click()
    check(page, "e-SIM document page")
    verify_url = page.locator("main a[href*='/verify/']").get_attribute("href")
    assert verify_url, main_text(page)
    return str(verify_url)


def confirm_the_delivery_address(page: Any, application_url: str, citizen: Citizen) -> tuple[str, str]:
    """The card's delivery page: the profile's address, confirmed. Returns its address and label code."""
    page.goto(application_url)
    delivery = page.get_by_role("region", name="Delivery")
    assert "Action needed" in delivery.inner_text(), delivery.inner_text()
    delivery.get_by_role("link", name="SIM card").click()
    address = page.get_by_role("region", name="Delivery address").inner_text()
    assert citizen.address in address, address
    assert citizen.regency in address, address
    check(page, "delivery, address to confirm", phone=True)
    page.get_by_role("button", name="Confirm this address").click()
    page.get_by_text("Address confirmed.").wait_for()
    check(page, "delivery, address confirmed", phone=True)
    about = page.get_by_role("region", name="About this delivery").inner_text()
    label = re.search(r"Label code\s+([A-Z0-9]{10})", about)
    assert label, about
    return page.url, label.group(1)


# --- the courier, on a phone ----------------------------------------------------------------------


def courier_delivers(
    courier: Any, portal: LivePortal, citizen: Citizen, label_code: str, tmp_path: Path
) -> None:
    def phone_check(what: str) -> None:
        assert_accessible(courier, what)
        assert_fits_phone(courier, what)

    courier.goto("/kurir/kiriman/")
    phone_check("courier's run")
    courier.get_by_role("link", name=re.compile(re.escape(citizen.full_name))).click()
    phone_check("parcel, to pick up")
    courier.get_by_role("textbox", name="Label code").fill(label_code)
    courier.get_by_role("button", name="Record the pickup").click()
    courier.get_by_text("Pickup recorded.").wait_for()
    phone_check("parcel, picked up")

    since = len(portal.sms())
    courier.get_by_role("button", name="I am setting off").click()
    hand_over = courier.get_by_role("region", name="Hand over")
    hand_over.wait_for()
    phone_check("parcel, out for delivery")

    # At the door Ratna reads the code the portal sent her by SMS when the courier set off.
    sms = portal.wait_for_sms(citizen.phone_e164, since=since)
    code = re.search(r"\b(\d{6})\b", sms["body"])
    assert code, sms["body"]
    hand_over.get_by_role("textbox", name="Recipient's delivery code").fill(code.group(1))
    hand_over.get_by_role("textbox", name="Name of the person receiving the parcel").fill(citizen.full_name)
    hand_over.get_by_role("radio", name="The holder", exact=True).check()
    photo = image(tmp_path / "serah-terima.jpg", (480, 640), (120, 140, 110), "JPEG")
    hand_over.get_by_label("Photo of the hand-over").set_input_files(photo)
    hand_over.get_by_role("button", name="Record the delivery").click()
    courier.get_by_role("status").filter(has_text=re.compile("deliver", re.IGNORECASE)).first.wait_for()
    phone_check("parcel, delivered")
    courier.goto("/kurir/kiriman/")
    phone_check("courier's run, after the delivery")


# --- the journey --------------------------------------------------------------------------------


def test_new_citizen_renews_sim_c_and_the_courier_delivers_it(  # type: ignore[no-untyped-def]
    new_page, live_portal: LivePortal, tmp_path: Path
) -> None:
    citizen = new_page(DESKTOP)
    sign_up_verified_citizen(citizen, live_portal, RATNA, check=check)

    application_url, reference = renew_sim_c(citizen, tmp_path)
    pay_at_the_sandbox_bank(citizen, new_page, application_url)

    officer = new_page(DESKTOP)
    sign_in_staff(officer, OFFICER)
    check(officer, "officer's dashboard")
    officer_approves_and_issues(officer, reference)

    verify_url = download_the_e_sim(citizen, application_url, tmp_path)
    shipment_url, label_code = confirm_the_delivery_address(citizen, application_url, RATNA)

    officer_prints_and_packs(officer, label_code)
    dispatcher = new_page(DESKTOP)
    sign_in_staff(dispatcher, DISPATCHER)
    dispatcher_assigns_the_courier(dispatcher, label_code)

    courier = new_page(PHONE)
    sign_in_staff(courier, COURIER)
    courier_delivers(courier, live_portal, RATNA, label_code, tmp_path)

    # Ratna's pages say delivered: the delivery's own history and the application's timeline.
    reload_until(
        citizen,
        shipment_url,
        lambda: "Delivered" in citizen.get_by_role("region", name="History").inner_text(),
        timeout=30,
        message="the delivery page to say delivered",
    )
    check(citizen, "delivery, delivered", phone=True)
    citizen.goto(application_url)
    timeline = citizen.get_by_role("region", name="Timeline").inner_text()
    assert re.search(r"SIM card: Delivered", timeline), timeline
    check(citizen, "application timeline, delivered", phone=True)

    # The renewed licence: valid five years from today.
    citizen.get_by_role("navigation").get_by_role("link", name="My SIM").click()
    licence = citizen.get_by_role("region", name=re.compile(r"^SIM C\b")).first.inner_text()
    assert str(dt.datetime.now(JAKARTA).year + 5) in licence, licence
    check(citizen, "my SIM, renewed")

    # Anyone who scans the e-SIM's QR code: the public verification page.
    stranger = new_page(DESKTOP)
    stranger.goto(verify_url)
    verification = main_text(stranger)
    assert re.search(r"\bvalid\b", verification, re.IGNORECASE), verification
    assert RATNA.nik not in verification
    check(stranger, "e-SIM verification page")
