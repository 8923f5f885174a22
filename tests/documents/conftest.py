"""The applications tests' service, offices and people, a media folder per test, and helpers
that read a rendered document back: its laid-out text, its links and its images."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import zxingcpp
from PIL import Image

from documents import registry
from documents.models import IssuedDocument
from documents.registry import DocumentKind, InlineAsset
from tests.applications.conftest import (  # noqa: F401  (fixtures shared with the applications tests)
    _english_messages,
    bpkb_unit,
    citizen,
    officer,
    samsat,
    service,
)

CARD_KIND = "test_card"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Rendered PDFs go to a folder of the test's own, never to var/media."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def card_context(document: IssuedDocument) -> Mapping[str, Any]:
    return {
        "card_title": "SIM C",
        "holder_name": "BUDI SANTOSO",
        "document_number": "1234-5678-000001",
        "valid_until": dt.date(2031, 11, 28),
        "office_name": "Satpas Uji",
    }


def tiny_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 40), (200, 170, 150)).save(out, format="JPEG")
    return out.getvalue()


def make_card_kind(*, template_version: str = "1", **overrides: Any) -> DocumentKind:
    values: dict[str, Any] = {
        "code": CARD_KIND,
        "name": "Test card",
        "template_name": "documents/pdf/sample_card.html",
        "page_size": "85.6mm 54mm",
        "context": card_context,
        "template_version": template_version,
        "verification_fields": lambda document: [("Reference", document.reference)],
        "stylesheets": ("documents/card.css",),
        "assets": lambda document: {"photo": InlineAsset("image/jpeg", tiny_jpeg())},
    }
    values.update(overrides)
    return DocumentKind(**values)


@pytest.fixture
def card_kind() -> Iterator[DocumentKind]:
    """A small, fast kind (the card of the benchmark), registered for the test only."""
    kind = registry.register_kind(make_card_kind())
    yield kind
    registry.unregister_kind(CARD_KIND)


def replace_kind(kind: DocumentKind) -> None:
    registry.unregister_kind(kind.code)
    registry.register_kind(kind)


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    # An absolutely positioned box sits in a placeholder that ``descendants()`` does not open.
    inner = getattr(box, "_box", None)
    for child in [inner] if inner is not None else getattr(box, "children", []):
        yield from _boxes(child)


def layout_text(laid_out: Any) -> str:
    """Every piece of text WeasyPrint laid out, in order (what a reader of the page sees)."""
    parts = [
        box.text
        for page in laid_out.pages
        for box in _boxes(page._page_box)
        if isinstance(getattr(box, "text", None), str)
    ]
    return " ".join(" ".join(parts).split())


def link_uris(pdf: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        uris = []
        for page in document.pages:
            for annotation in page.get("/Annots", []):
                action = annotation.get("/A")
                if action is not None and "/URI" in action:
                    uris.append(str(action["/URI"]))
        return uris


def decoded_qr_codes(pdf: bytes) -> list[str]:
    """The text of every QR code found among the PDF's images (read with zxing-cpp)."""
    texts: list[str] = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for image in page.get_images().values():
                pil = pikepdf.PdfImage(image).as_pil_image()
                # One pixel per module in the PDF: enlarged, as a camera would see it printed.
                pil = pil.resize((pil.width * 6, pil.height * 6), Image.Resampling.NEAREST)
                texts += [result.text for result in zxingcpp.read_barcodes(pil)]
    return texts


def embedded_file_names(pdf: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return list(document.attachments.keys())
