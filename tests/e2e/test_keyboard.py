"""By keyboard alone: the citizen's application form and the courier's pages (SECURITY.md §8 item 28).

No mouse: after the sign-in, every step is Tab / Shift+Tab to a control, then typing, Space
(checkboxes, radios, file choosers) or Enter (links, buttons). On every control that takes the
focus, the focus must be visible (an outline or a box-shadow while focused). A form sent with
errors must announce each error next to its field: the control has ``aria-invalid="true"`` and
``aria-describedby`` names an element holding the error's text.

* The citizen of tests/e2e/page_world.py starts a new SIM D application (her earlier one was
  cancelled), sends the form empty once (the errors), fills it in and saves the draft, then
  uploads her photo on the documents page. The draft is not submitted.
* The courier of Satpas Polrestabes Bandung takes the page world's ``keyboard`` parcel (a SIM A
  card, issued and put in the courier's run by the real services) from the run list through
  the pickup (first with no label code: the error), setting off, a failed attempt, setting off
  again and the delivery with the code the recipient received by SMS.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.e2e import page_world
from tests.e2e.helpers import DESKTOP, PHONE, assert_accessible, sign_in_citizen, sign_in_staff
from tests.e2e.portal import LivePortal

pytestmark = pytest.mark.e2e

MAX_TABS = 120

# What the focused element is, and whether its focus can be seen.
_FOCUS_PROBE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  const name = (el.labels && el.labels.length ? el.labels[0].innerText : '')
    || el.getAttribute('aria-label') || el.innerText || el.value || '';
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', id: el.id || '', name: el.name || '',
    href: el.getAttribute('href') || '', text: name.trim().replace(/\\s+/g, ' ').slice(0, 80),
    visible: outline || shadow,
  };
}
"""


class Keyboard:
    """Tab through a page, checking that every focused control shows its focus."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.invisible: list[str] = []
        self.last: tuple[str, str] | None = None

    def focused(self) -> dict | None:
        return self.page.evaluate(_FOCUS_PROBE)

    def tab_to(self, matches: Any, *, backwards: bool = False) -> dict:
        """Press Tab (Shift+Tab) until ``matches(focused)``; the focused element."""
        for _press in range(MAX_TABS):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            focused = self.focused()
            if focused is None:
                continue
            # Checked when the focus reaches a control; Tab between the day, month and year of a
            # date field keeps it on the same control (the segments are inside it).
            here = (focused["id"], focused["name"])
            if here != self.last and not focused["visible"]:
                self.invisible.append(f"{self.page.url}: {focused}")
            self.last = here
            if matches(focused):
                return focused
        raise AssertionError(f"{MAX_TABS} Tabs on {self.page.url} never reached the control")

    def to_field(self, name: str, *, backwards: bool = False) -> dict:
        return self.tab_to(lambda f: f["name"] == name, backwards=backwards)

    def to_button(self, text: str) -> dict:
        return self.tab_to(lambda f: f["tag"] in ("button", "a") and f["text"] == text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def enter_and_wait(self) -> None:
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def choose_file(self, path: Path) -> None:
        """Space on the focused file input opens the chooser; the file is given to it.

        Headless Chromium now and then lets a Space on a file input pass without opening the
        chooser (seen once in a clean-clone CI run, never by hand); Enter, the other key that
        opens it, is then tried once, still on the focused input."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        focused = self.focused()
        assert focused is not None
        assert focused["tag"] == "input", focused
        for key in ("Space", "Enter"):
            try:
                with self.page.expect_file_chooser(timeout=10_000) as chooser:
                    self.page.keyboard.press(key)
            except PlaywrightTimeout:
                continue
            chooser.value.set_files(str(path))
            return
        raise AssertionError(f"neither Space nor Enter opened the file chooser of {focused}")


def assert_error_announced(page: Any, name: str) -> str:
    """The field ``name`` is marked invalid and described by its error message; the message."""
    control = page.locator(f"[name={name}]").first
    assert control.get_attribute("aria-invalid") == "true", f"{name}: no aria-invalid"
    described = (control.get_attribute("aria-describedby") or "").split()
    if not described:  # a group of radios: the fieldset describes them
        described = (
            page.locator(f"fieldset:has([name={name}])").get_attribute("aria-describedby") or ""
        ).split()
    texts = [page.locator(f"[id='{ident}']").inner_text() for ident in described]
    errors = [text for ident, text in zip(described, texts, strict=True) if ident.endswith("_error") and text]
    assert errors, f"{name}: aria-describedby {described} names no error text"
    return errors[0]


def photo(path: Path, seed: int) -> Path:
    image = Image.new("RGB", (600, 800), (200, 180, 160))
    draw = ImageDraw.Draw(image)
    for step in range(30):
        shade = (seed * 37 + step * 23) % 256
        draw.ellipse(
            (step * 15, step * 20, 300 + step * 5, 400 + step * 8), fill=(shade, 255 - shade, step * 8)
        )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    path.write_bytes(out.getvalue())
    return path


def test_citizen_application_form_by_keyboard(new_page, live_portal: LivePortal, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    world = page_world.build_in(live_portal)
    page = new_page(DESKTOP)
    sign_in_citizen(page, world["citizen"])
    page.goto("/warga/permohonan/baru/sim_new/")
    keys = Keyboard(page)

    # Sent empty (the class select has a first choice): each error is announced at its field.
    keys.to_button("Save draft")
    keys.enter_and_wait()
    assert assert_error_announced(page, "health_cert_number")
    assert_error_announced(page, "psych_date")
    assert_accessible(page, "new SIM application with errors")

    # Filled in by keyboard: a select by arrow keys, text, dates, a checkbox and a radio by Space.
    keys.to_field("sim_class")  # the answer is a new page: its focus starts at the top
    for _press in range(10):
        if page.locator("[name=sim_class]").input_value() == "d":
            break
        keys.press("ArrowDown")
    assert page.locator("[name=sim_class]").input_value() == "d"
    recent = dt.date.today() - dt.timedelta(days=5)
    # A date field is typed segment by segment, in the order of the browser's locale.
    order = page.evaluate(
        "() => new Intl.DateTimeFormat().formatToParts(new Date(2026, 10, 23))"
        ".map(p => p.type).filter(t => ['day', 'month', 'year'].includes(t))"
    )
    digits = {"day": f"{recent.day:02d}", "month": f"{recent.month:02d}", "year": f"{recent.year}"}
    date_keys = "".join(digits[part] for part in order)
    for name, text in (
        ("health_cert_number", "RKS-2026-777"),
        ("health_cert_issuer", "Klinik Sehat Bandung"),
        ("health_cert_date", date_keys),
        ("psych_number", "PSI-2026-777"),
        ("psych_issuer", "Biro Psikologi Bandung"),
        ("psych_date", date_keys),
    ):
        keys.to_field(name)
        keys.type(text)
        if name.endswith("_date"):
            assert page.locator(f"[name={name}]").input_value() == recent.isoformat(), name
    keys.to_field("psych_issuer", backwards=True)  # Shift+Tab: one field back, and on again
    assert page.locator("[name=psych_issuer]").input_value() == "Biro Psikologi Bandung"
    keys.to_field("jkn_active")
    keys.press("Space")
    assert page.locator("[name=jkn_active]").is_checked()
    focused = keys.to_field("delivery_choice")
    radio = page.locator(f"[id='{focused['id']}']")
    keys.press("Space")
    assert radio.is_checked()
    keys.to_button("Save draft")
    keys.enter_and_wait()
    page.get_by_text("Your draft is saved").wait_for()
    assert "SIM D" in page.locator("main").inner_text()
    assert_accessible(page, "the new draft")

    # The documents page, reached by its link; the photo uploaded through the file chooser.
    keys.tab_to(lambda f: f["tag"] == "a" and re.search(r"/permohonan/[0-9a-f-]+/dokumen/$", f["href"]))
    keys.enter_and_wait()
    assert re.search(r"/permohonan/[0-9a-f-]+/dokumen/$", page.url), page.url
    keys.to_field("file")  # the first upload form is the photo's
    keys.choose_file(photo(tmp_path / "pas-foto.jpg", seed=7))
    keys.tab_to(lambda f: f["tag"] == "button" and f["text"].startswith("Upload"))
    keys.enter_and_wait()
    uploaded = page.locator("section[aria-labelledby=uploaded-title]").inner_text()
    assert re.search(r"photo", uploaded, re.IGNORECASE), uploaded
    assert_accessible(page, "documents page after the upload")
    assert not keys.invisible, "focus not visible on:\n" + "\n".join(keys.invisible)


def test_courier_delivery_by_keyboard(new_page, live_portal: LivePortal, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    world = page_world.build_in(live_portal)
    shipment = world["keyboard_shipment"]
    page = new_page(PHONE)
    sign_in_staff(page, world["staff"]["courier"])
    page.goto("/kurir/kiriman/")
    keys = Keyboard(page)

    keys.tab_to(lambda f: f["tag"] == "a" and shipment in f["href"])
    keys.enter_and_wait()
    assert shipment in page.url

    # The pickup, first without the label code: the error is announced at the field.
    keys.to_button("Record the pickup")
    keys.enter_and_wait()
    assert "label code" in assert_error_announced(page, "label_code").lower()
    assert_accessible(page, "pickup with an error")
    keys.to_field("label_code", backwards=True)
    keys.type(world["keyboard_label_code"])
    keys.to_button("Record the pickup")
    keys.enter_and_wait()

    def set_off() -> str:
        sent = len(live_portal.sms())
        keys.to_button("I am setting off")
        keys.enter_and_wait()
        return live_portal.wait_for_sms(page_world.CITIZEN_PHONE, since=sent)["body"]

    set_off()
    # A failed attempt: the reason is a radio chosen with Space.
    keys.to_field("reason_code")
    keys.press("Space")
    keys.to_button("Record the failed attempt")
    keys.enter_and_wait()
    assert "attempt 1 of 3" in page.locator("main").inner_text()

    sms = set_off()
    code = re.search(r"\b(\d{6})\b", sms)
    assert code, sms
    keys.to_field("code")
    keys.type(code.group(1))
    keys.to_field("received_by_name")
    keys.type("Ayu Aksesibel")
    keys.to_field("relation")
    keys.press("Space")
    keys.to_field("photo")
    keys.choose_file(photo(tmp_path / "serah-terima.jpg", seed=11))
    keys.to_button("Record the delivery")
    keys.enter_and_wait()
    page.get_by_role("heading", name="Delivered").wait_for()
    assert_accessible(page, "delivered parcel")
    assert not keys.invisible, "focus not visible on:\n" + "\n".join(keys.invisible)
