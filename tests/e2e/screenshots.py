"""`make screenshots`: pictures of the portal's main pages and of every kind of PDF, for the README.

Run as a module (``python -m tests.e2e.screenshots [--out docs/screenshots]``; not a test, pytest
does not collect it). It starts the same live portal as the browser journeys
(``tests.e2e.portal.live_portal_for``: its own PostgreSQL database and Redis key prefix on the
machine's servers, a web server and a Celery worker with the ``e2e`` profile), brings it to the
states the pages need with the real services (``tests/e2e/screenshot_world.py``), signs people in
through the UI (staff with the TOTP code of the seeded secret) and photographs each page in
Indonesian, the portal's default language: desktop 1280 px wide, phone 360 px. Each document
kind of ``documents.registry`` is rendered by the worker, then its PDF turned into a PNG with
``pdftoppm`` (poppler-utils). PNGs are optimised with Pillow (palette-quantised when large).

File names are fixed, so a new run replaces the pictures. Only demo accounts and fictional
people appear. Everything the run made (database, keys, processes) is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "korlantas.settings")

from tests.utils import BASE_DIR, wait_until

DESKTOP = (1280, 800)
PHONE = (360, 740)
#: Above this a PNG is palette-quantised (256 colours; the portal's flat colours survive it).
QUANTISE_ABOVE = 200_000
#: The tallest page kept (CSS px): a longer page is cut here rather than becoming a huge file.
MAX_HEIGHT = {DESKTOP: 2400, PHONE: 2200}
PDF_WIDTH = 1000  # pixels: an A4 page at about 120 dpi, a card at about 300 dpi
PDF_PAGES = 2  # a card's front and back; of a portrait page, only the first is kept
#: The PNG of each document kind (``documents.registry`` codes); a new kind gets ``pdf-<code>``.
PDF_NAMES = {
    "sim_card": "pdf-sim-card.png",
    "stnk": "pdf-e-stnk.png",
    "bpkb": "pdf-e-bpkb.png",
    "stnk_endorsement": "pdf-stnk-endorsement.png",
    "registration_proof": "pdf-registration-proof.png",
    "payment_receipt": "pdf-payment-receipt.png",
    "shipment_label": "pdf-shipment-label.png",
    "courier_manifest": "pdf-courier-manifest.png",
}


def log(message: str) -> None:
    print(f"[screenshots] {message}", flush=True)  # noqa: T201 - a command's progress


def optimise(path: Path) -> None:
    """Re-save with Pillow's optimiser; palette-quantised if it is still large."""
    from PIL import Image

    with Image.open(path) as opened:
        image = opened.convert("RGB")
    image.save(path, "PNG", optimize=True)
    if path.stat().st_size > QUANTISE_ABOVE:
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            path, "PNG", optimize=True
        )


class Shooter:
    """Pages in fresh browser contexts (one per person), photographed into ``out``."""

    def __init__(self, browser: Any, portal: Any, out: Path) -> None:
        self.browser = browser
        self.portal = portal
        self.out = out
        self.written: list[Path] = []

    def page(self, viewport: tuple[int, int] = DESKTOP) -> Any:
        phone = viewport == PHONE
        context = self.browser.new_context(
            base_url=self.portal.base_url,
            viewport={"width": viewport[0], "height": viewport[1]},
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=1,
        )
        context.add_cookies([{"name": "django_language", "value": "id", "url": self.portal.base_url}])
        context.set_default_timeout(30_000)
        context.set_default_navigation_timeout(60_000)
        return context.new_page()

    def shoot(self, page: Any, path: str, name: str, *, ready: Callable[[Any], None] | None = None) -> None:
        response = page.goto(path)
        if response is None or response.status != 200:
            raise RuntimeError(f"{path} answered {response.status if response else 'nothing'} for {name}")
        page.wait_for_load_state("networkidle")
        if ready is not None:
            ready(page)
        width = page.viewport_size["width"]
        viewport = DESKTOP if width == DESKTOP[0] else PHONE
        height = page.evaluate("document.documentElement.scrollHeight")
        target = self.out / name
        page.screenshot(
            path=str(target),
            full_page=True,
            clip={"x": 0, "y": 0, "width": width, "height": min(height, MAX_HEIGHT[viewport])},
            animations="disabled",
            caret="hide",
        )
        optimise(target)
        self.written.append(target)
        log(f"{name}: {path} ({target.stat().st_size // 1024} KB)")


def sign_in(page: Any, email: str, *, staff: bool) -> None:
    from tests.e2e.helpers import sign_in_citizen, sign_in_staff

    (sign_in_staff if staff else sign_in_citizen)(page, email)


def pages(shooter: Shooter, world: dict[str, Any]) -> None:
    from tests.e2e.page_world import STAFF
    from tests.e2e.screenshot_world import SATPAS_OFFICER

    citizen = shooter.page()
    sign_in(citizen, world["citizen"], staff=False)
    shooter.shoot(citizen, f"/warga/permohonan/{world['draft']}/ubah/", "citizen-application.png")
    shooter.shoot(citizen, f"/warga/permohonan/{world['draft']}/dokumen/", "citizen-documents.png")
    shooter.shoot(
        citizen, f"/warga/permohonan/{world['sim_application']}/", "citizen-application-timeline.png"
    )
    shooter.shoot(citizen, f"/warga/tagihan/{world['bill']}/", "citizen-bill.png")

    phone = shooter.page(PHONE)
    sign_in(phone, world["citizen"], staff=False)
    shooter.shoot(phone, f"/warga/permohonan/{world['draft']}/dokumen/", "phone-citizen-documents.png")
    shooter.shoot(phone, f"/warga/permohonan/{world['sim_application']}/", "phone-citizen-application.png")
    shooter.shoot(phone, f"/warga/tagihan/{world['bill']}/", "phone-citizen-bill.png")

    officer = shooter.page()
    sign_in(officer, SATPAS_OFFICER, staff=True)
    shooter.shoot(officer, "/staf/antrean/", "officer-queue.png")
    shooter.shoot(officer, f"/staf/antrean/{world['review']}/", "officer-review.png")

    supervisor = shooter.page()
    sign_in(supervisor, STAFF["supervisor"], staff=True)
    shooter.shoot(supervisor, "/staf/pengawasan/", "supervisor-dashboard.png")

    courier = shooter.page(PHONE)
    sign_in(courier, STAFF["courier"], staff=True)
    shooter.shoot(courier, "/kurir/kiriman/", "phone-courier-run.png")
    shooter.shoot(courier, f"/kurir/kiriman/{world['shipment']}/", "phone-courier-shipment.png")

    stranger = shooter.page()
    # The e-SIM's QR code, opened by anyone.
    shooter.shoot(stranger, f"/verify/{world['sim_card_verification']}/", "verify-document.png")
    stranger_phone = shooter.page(PHONE)
    shooter.shoot(stranger_phone, f"/verify/{world['sim_card_verification']}/", "phone-verify-document.png")


def pdf_pngs(portal: Any, out: Path, work: Path) -> list[Path]:
    """Every registered kind's PDF (rendered by the worker) as a PNG of its first pages."""
    from PIL import Image

    from tests.e2e.screenshot_world import run_in

    folder = work / "pdf"
    found: dict[str, Any] = {}

    def all_rendered() -> bool:
        found.clear()
        found.update(run_in(portal, "pdfs", str(folder)))
        return all(found.values())

    try:
        wait_until(all_rendered, timeout=240, interval=3, message="every kind of document rendered")
    except Exception:
        log(f"not rendered: {[kind for kind, name in found.items() if not name]}")
        raise
    written = []
    for kind, name in sorted(found.items()):
        pdf = folder / name
        prefix = folder / kind
        subprocess.run(
            ["pdftoppm", "-png", "-f", "1", "-l", str(PDF_PAGES), "-scale-to-x", str(PDF_WIDTH),
             "-scale-to-y", "-1", str(pdf), str(prefix)],
            check=True,
        )  # fmt: skip
        parts = sorted(folder.glob(f"{kind}-*.png"))
        images = [Image.open(part).convert("RGB") for part in parts]
        if images[0].height > images[0].width:
            images = images[:1]  # a page: the first; a card (landscape): front and back
        gap = 16
        sheet = Image.new(
            "RGB",
            (max(i.width for i in images), sum(i.height for i in images) + gap * (len(images) - 1)),
            (200, 200, 200),
        )
        y = 0
        for image in images:
            sheet.paste(image, (0, y))
            y += image.height + gap
        target = out / PDF_NAMES.get(kind, f"pdf-{kind.replace('_', '-')}.png")
        sheet.save(target, "PNG", optimize=True)
        optimise(target)
        written.append(target)
        log(f"{target.name}: {kind}, {len(images)} page(s) ({target.stat().st_size // 1024} KB)")
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(BASE_DIR / "docs" / "screenshots"))
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        log("pdftoppm is missing: install poppler-utils (sudo apt-get install -y poppler-utils)")
        return 1

    import django

    django.setup()
    from django.conf import settings

    from tests.e2e.portal import live_portal_for
    from tests.e2e.screenshot_world import FINISH_OFFSET_SECONDS, run_in

    chromium = os.environ.get("KORLANTAS_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).is_file():
        log("Chromium is missing: run `bash scripts/ensure_chromium.sh` (or set KORLANTAS_CHROMIUM)")
        return 1
    started = time.monotonic()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    database = settings.DATABASES["default"]
    run = f"{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="korlantas-screenshots-") as temporary:
        work = Path(temporary)
        log("starting the portal (database, migrations, seed, web server, worker)")
        with live_portal_for(
            root=work,
            database_params=database,
            database_name=f"korlantas_screenshots_{run}",
            redis_url=settings.REDIS_URL,
            prefix=f"korlantas-screenshots-{run}",
        ) as portal:
            log(f"portal up in {time.monotonic() - started:.0f} s; building the states")
            world = run_in(portal, "build")
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium,
                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                )
                try:
                    shooter = Shooter(browser, portal, out)
                    pages(shooter, world)
                finally:
                    browser.close()
            log("issuing the remaining documents (the clock moved past the physical check)")
            run_in(portal, "finish", clock_offset_seconds=FINISH_OFFSET_SECONDS)
            written = shooter.written + pdf_pngs(portal, out, work)
    log(f"{len(written)} pictures in {out} in {time.monotonic() - started:.0f} s:")
    for path in written:
        log(f"  {path.name}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
