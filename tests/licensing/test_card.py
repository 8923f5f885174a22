"""The e-SIM card (licensing.card): card size, two sides, the holder's own number, the QR code,
and what the public verification page may show (the number masked, never the NIK)."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.utils.formats import date_format
from PIL import Image

from accounts.models import User
from applications.models import Application
from documents import qr, rendering
from documents.models import IssuedDocument
from documents.registry import get_kind
from licensing import card
from licensing.models import Licence
from offices.models import Office
from tests.applications.conftest import act
from tests.documents.conftest import decoded_qr_codes, layout_text
from tests.licensing.conftest import (
    SIM_CITIZEN_NIK,
    HeldLicence,
    attach,
    certificates,
    pay,
    sim_draft,
)
from tests.utils import jakarta

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "sim_media")]

PDFTOPPM = "/usr/bin/pdftoppm"
# Set KEEP_CARD_PNG=/some/dir to keep the PNGs of the rendered card for a look.
KEEP_DIR = os.environ.get("KEEP_CARD_PNG", "")


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(jakarta(2026, 3, 2, 10), tick=False) as traveller:
        yield traveller


def issued_renewal(citizen: User, held: HeldLicence, satpas: Office, officer: User) -> Application:
    """A SIM C renewal walked to ``issued`` through the real services (A and C: no visit)."""
    held("c", expires_in=30)
    old = Licence.objects.get(sim_class="c")
    draft = sim_draft(citizen, "sim_renewal", {"licence": str(old.public_id), **certificates()})
    attach(draft, citizen, "photo", "signature", "ktp_scan", "health_cert", "psych_result")
    application = act(draft, "submit", citizen, office=satpas)
    pay(application)
    for action in ("claim", "approve", "issue"):
        application = act(application, action, officer)
    return application


@pytest.fixture
def sim_card_document(
    sim_citizen: User, held_licence: HeldLicence, satpas: Office, satpas_officer: User
) -> IssuedDocument:
    application = issued_renewal(sim_citizen, held_licence, satpas, satpas_officer)
    return IssuedDocument.objects.get(application=application, kind=card.KIND)


def test_the_kind_is_card_sized_with_its_own_stylesheet() -> None:
    kind = get_kind(card.KIND)
    assert kind.page_size == "85.6mm 54mm"
    assert kind.template_name == "documents/pdf/sim_card.html"
    assert kind.stylesheets == ("documents/sim_card.css",)


def test_the_card_has_two_card_sized_pages_with_the_whole_number_and_a_working_qr_code(
    sim_card_document: IssuedDocument, tmp_path: Path
) -> None:
    kind = get_kind(card.KIND)
    render_input = rendering.document_input(sim_card_document, kind)
    laid_out = rendering.layout(kind, render_input)
    assert len(laid_out.pages) == 2  # front and back, nothing spilling over
    text = layout_text(laid_out)
    # The holder's own card: the whole number (the NIK, grouped), name, class, dates, office.
    assert "3171 0145 0790 0003" in text
    assert "SITI RAHMAWATI" in text
    assert "SURAT IZIN MENGEMUDI" in text
    assert "Driving licence" in text
    assert "SIM C" in text
    assert "Motorcycles up to 250 cc" in text
    assert "02-03-2026" in text
    assert "02-03-2031" in text
    assert "Satpas Uji Daan Mogot" in text
    assert sim_card_document.reference in text
    assert "Valid 5 years from the date of issue" in text

    pdf = rendering.write_pdf(kind, laid_out)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        sizes = {tuple(round(float(v) * 25.4 / 72, 1) for v in page.mediabox[2:]) for page in document.pages}
        images = len({image.objgen for page in document.pages for image in page.get_images().values()})
    assert sizes == {(85.6, 54.0)}
    assert images == 2  # the photo on the front, the QR code on the back
    # (Both pages list the document's images among their resources: one code, read twice.)
    assert set(decoded_qr_codes(pdf)) == {qr.verification_url(sim_card_document.verification_token)}

    # Looked at, as the citizen will: each side as an image (pdftoppm), not blank, card-shaped.
    if not Path(PDFTOPPM).exists():
        pytest.skip("pdftoppm is not installed")
    (tmp_path / "card.pdf").write_bytes(pdf)
    subprocess.run(
        [PDFTOPPM, "-r", "300", "-png", str(tmp_path / "card.pdf"), str(tmp_path / "side")], check=True
    )
    pngs = sorted(tmp_path.glob("side-*.png"))
    assert len(pngs) == 2
    for png in pngs:
        with Image.open(png) as side:
            assert abs(side.width / side.height - 85.6 / 54) < 0.01
            # Not a blank page: the band and the text make plenty of dark pixels.
            grey = side.convert("L")
            dark = sum(grey.histogram()[:100])
            assert dark > side.width * side.height * 0.05
        if KEEP_DIR:
            shutil.copy(png, Path(KEEP_DIR) / png.name)


def test_the_verification_page_shows_the_number_masked_and_never_the_nik(
    sim_card_document: IssuedDocument, client: Client
) -> None:
    client.cookies["django_language"] = "en"
    page = client.get(f"/verify/{sim_card_document.verification_token}/").content.decode()
    assert "VALID" in page
    assert "SIM C" in page
    assert "•••• •••• •••• 0003" in page
    assert date_format(dt.date(2031, 3, 2)) in page  # valid until (March 2, 2031 in English)
    assert "Active" in page
    assert "Satpas Uji Daan Mogot" in page
    assert SIM_CITIZEN_NIK not in page
    assert "3171 0145 0790 0003" not in page
    assert "0145" not in page  # no other part of the number either


def test_fields_are_masked_in_the_kinds_verification_fields(sim_card_document: IssuedDocument) -> None:
    fields = {str(label): value for label, value in card.sim_card_verification_fields(sim_card_document)}
    assert fields["Licence number"] == "•••• •••• •••• 0003"
    assert set(fields) == {"Class", "Valid until", "Licence state", "Issuing office", "Licence number"}
    assert all(SIM_CITIZEN_NIK not in str(value) for value in fields.values())


def test_rendering_on_commit_stores_the_pdf(
    sim_citizen: User,
    held_licence: HeldLicence,
    satpas: Office,
    satpas_officer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        application = issued_renewal(sim_citizen, held_licence, satpas, satpas_officer)
    document = IssuedDocument.objects.get(application=application, kind=card.KIND)
    assert document.is_rendered
    assert document.template_version == get_kind(card.KIND).template_version
    with document.file.open("rb") as file:
        assert file.read(5) == b"%PDF-"


def test_a_card_without_a_photo_still_renders(sim_card_document: IssuedDocument) -> None:
    with transaction.atomic():
        sim_card_document.application.attachments.filter(kind="photo").delete()  # type: ignore[union-attr]
    kind = get_kind(card.KIND)
    laid_out = rendering.layout(kind, rendering.document_input(sim_card_document, kind))
    assert len(laid_out.pages) == 2
    # Rendered in the holder's language (Indonesian): the placeholder follows the catalogue.
    assert "Tanpa foto" in layout_text(laid_out)


def _text_boxes(laid_out: Any) -> list[tuple[int, Any]]:
    from tests.documents.conftest import _boxes

    return [
        (number, box)
        for number, page in enumerate(laid_out.pages)
        for box in _boxes(page._page_box)
        if isinstance(getattr(box, "text", None), str) and box.text.strip()
    ]


def test_the_longest_name_class_and_office_still_fit_on_the_card(
    sim_card_document: IssuedDocument, tmp_path: Path
) -> None:
    licence = Licence.objects.get(document=sim_card_document)
    Licence.objects.filter(pk=licence.pk).update(sim_class="b2_umum")
    Office.objects.filter(pk=licence.issuing_office_id).update(
        name="Satpas Direktorat Lalu Lintas Polda Metro Jaya Daan Mogot Jakarta Barat"
    )
    sim_card_document.holder.citizen_profile.__class__.objects.filter(user=sim_card_document.holder).update(
        full_name="Muhammad Abdurrahman Syahputra Wijayakusuma Nugroho Hadiningrat"
    )
    kind = get_kind(card.KIND)
    laid_out = rendering.layout(kind, rendering.document_input(sim_card_document, kind))
    assert len(laid_out.pages) == 2
    text = layout_text(laid_out)
    assert "B II Umum" in text
    assert "for public use" in text
    # Nothing dropped: WeasyPrint leaves out what a positioned box cannot fit on its side.
    assert "MUHAMMAD ABDURRAHMAN" in text
    assert "HADININGRAT" in text
    assert "Daan Mogot Jakarta Barat" in text
    for number, box in _text_boxes(laid_out):
        page = laid_out.pages[number]
        assert box.position_y + box.height <= page.height, f"{box.text!r} runs off side {number + 1}"
        assert box.position_x + box.width <= page.width + 0.5, f"{box.text!r} runs off side {number + 1}"
    if KEEP_DIR:
        pdf = rendering.write_pdf(kind, laid_out)
        (tmp_path / "long.pdf").write_bytes(pdf)
        subprocess.run(
            [PDFTOPPM, "-r", "300", "-png", str(tmp_path / "long.pdf"), str(Path(KEEP_DIR) / "long")],
            check=True,
        )
