"""Steps the SIM journeys share: the upload files, the certificates, the uploads, the bank.

* ``upload_files(folder)`` — the five documents a SIM application needs, made with Pillow: an
  upright ID photo (480 × 600, a face on a blue background: the photo checks want at least
  400 × 500, portrait, not one colour), a second, different photo (for a correction), a
  signature (PNG) and three one-page PDFs (KTP scan, health certificate, psychological test).
* ``fill_certificates(page, dated)`` — the details every national SIM service asks: health
  certificate and psychological test (number, issuer, date), the JKN declaration, and
  collection at the office.
* ``upload_documents(page, files, check)`` — each required document through its own form.
* ``pay_at_sandbox_bank(bank, code, amount)`` — the sandbox bank's teller: look up, check the
  amount, press "Pay".
* ``portal_today(live_portal)`` — the portal's date in Jakarta (its clock may be moved).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from tests.e2e.portal import LivePortal
from tests.utils import JAKARTA

# The upload forms' labels (documents page) and the files' keys in ``upload_files``.
DOCUMENTS = (
    ("photo", "photo"),
    ("signature", "signature"),
    ("ktp scan", "ktp_scan"),
    ("health certificate", "health_cert"),
    ("psychological test result", "psych_result"),
)


def portal_now(live_portal: LivePortal) -> dt.datetime:
    """The portal's clock: real time plus the e2e offset, in Jakarta."""
    moved = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=live_portal.clock_offset_seconds)
    return moved.astimezone(JAKARTA)


def portal_today(live_portal: LivePortal) -> dt.date:
    return portal_now(live_portal).date()


def _photo(path: Path, size: tuple[int, int], background: str, shirt: str) -> Path:
    width, height = size
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.3, height * 0.18, width * 0.7, height * 0.6), fill=(226, 188, 158))
    draw.rectangle((width * 0.2, height * 0.63, width * 0.8, height), fill=shirt)
    image.save(path, "JPEG", quality=90)
    return path


def upload_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "photo": _photo(folder / "photo.jpg", (480, 600), "#1e50c8", "#141414"),
        "new_photo": _photo(folder / "photo-blue.jpg", (500, 620), "#2860d2", "#d2d2d2"),
    }
    signature = Image.new("RGB", (400, 150), "white")
    ImageDraw.Draw(signature).line(
        [(20, 100), (120, 40), (200, 110), (300, 30), (380, 90)], fill="black", width=4
    )
    files["signature"] = folder / "signature.png"
    signature.save(files["signature"], "PNG")
    for key, title in (
        ("ktp_scan", "KTP"),
        ("health_cert", "SURAT KETERANGAN SEHAT"),
        ("psych_result", "PSIKOLOGI"),
    ):
        page = Image.new("RGB", (600, 400), "white")
        ImageDraw.Draw(page).text((20, 20), title, fill="black")
        files[key] = folder / f"{key}.pdf"
        page.save(files[key], "PDF")
    return files


def fill_certificates(page: Any, dated: dt.date, prefix: str) -> None:
    """Certificates dated ``dated`` (at most 6 months old at submission, DOMAIN.md §1.3), JKN
    declared, collection at the office."""
    page.get_by_label("Health certificate number").fill(f"RIK-{prefix}-001")
    page.get_by_label("Health certificate issued by").fill("Klinik Sehat Cengkareng")
    page.get_by_label("Health certificate date").fill(dated.isoformat())
    page.get_by_label("Psychological test number").fill(f"PSI-{prefix}-002")
    page.get_by_label("Psychological test issued by").fill("Biro Psikologi Daan Mogot")
    page.get_by_label("Psychological test date").fill(dated.isoformat())
    page.get_by_label("My JKN/BPJS Kesehatan membership is active").check()
    page.get_by_label("Collection at the office").check()


def upload_documents(page: Any, files: dict[str, Path], check: Callable[[Any, str], None]) -> None:
    """On the documents page: each required document through its own form."""
    for label, key in DOCUMENTS:
        page.get_by_label(re.compile(f"^Choose a file: {label}", re.IGNORECASE)).set_input_files(files[key])
        page.get_by_role("button", name=re.compile(f"^Upload the {label}$", re.IGNORECASE)).click()
        page.get_by_text(re.compile(f"The {label} is uploaded", re.IGNORECASE)).wait_for()
    required = page.locator("section[aria-labelledby=required-title]").inner_text()
    assert "Missing" not in required, required
    check(page, "documents, all uploaded")


def pay_at_sandbox_bank(bank: Any, code: str, amount: str, check: Callable[[Any, str], None]) -> None:
    bank.goto("/sandbox/bank/")
    check(bank, "sandbox bank")
    bank.get_by_role("textbox", name="Billing code").fill(code)
    bank.get_by_role("button", name="Look up").click()
    assert amount in bank.locator("main").inner_text()
    check(bank, "sandbox bank, code found")
    bank.get_by_role("button", name="Pay", exact=True).click()
    bank.get_by_text("Payment made").wait_for()
    check(bank, "sandbox bank, paid")
