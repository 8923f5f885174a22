"""The renderer: a fetcher that loads nothing but our static files and the rendering's own
assets, per-process caches, the QR code, and kinds that must be declared correctly."""

from __future__ import annotations

import io
from typing import Any

import pytest
import weasyprint
import zxingcpp
from PIL import Image

from documents import qr, rendering
from documents.models import IssuedDocument
from documents.registry import DocumentKind, InlineAsset, KindRegistrationError, get_kind, register_kind
from documents.rendering import DocumentRenderError, DocumentURLFetcher, RefusedURL, RenderInput
from tests.documents.conftest import decoded_qr_codes, embedded_file_names, layout_text, make_card_kind

TOKEN = "k7Qm2xVbN4pR8sT1uW3yZ5aC6dE9fG0hJ-LnMoPqRs_"

REFUSED_URLS = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://127.0.0.1:6379/",
    "https://127.0.0.1:6379/",
    "http://169.254.169.254/latest/meta-data/",
    "https://example.com/logo.png",
    "ftp://example.com/x.css",
    "data:text/css,body{}",
    "data:image/png;base64,iVBORw0KGgo=",
    "https://documents.invalid/static/../../etc/passwd",
    "https://documents.invalid/static/documents/../../korlantas/settings.py",
    "https://documents.invalid/static/documents/%2e%2e/%2e%2e/korlantas/settings.py",
    "https://documents.invalid/static/css/portal.css",  # a static file, but not a document's
    "https://documents.invalid/static/documents/print.css?x=1",
    "https://documents.invalid/static/documents/missing.css",
    "https://documents.invalid/inline/photo",  # no such asset in this rendering
    "https://documents.invalid.example.com/static/documents/print.css",
    "https://documents.invalid@127.0.0.1/static/documents/print.css",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_the_fetcher_refuses_everything_but_our_static_files_and_inline_assets(url: str) -> None:
    fetcher = DocumentURLFetcher({"qr": InlineAsset("image/png", b"png")})
    with pytest.raises(RefusedURL):
        fetcher(url)
    assert fetcher.served == []


def test_a_refused_url_is_logged_by_its_scheme_only(caplog: pytest.LogCaptureFixture) -> None:
    fetcher = DocumentURLFetcher()
    for url in ("file:///home/budi/ktp.jpg", "Budi Santoso 3171014507900003:x", "//example.com/x"):
        with pytest.raises(RefusedURL):
            fetcher(url)
    assert fetcher.refused == ["file", "other", "relative"]
    assert "budi" not in caplog.text.lower()
    assert "3171014507900003" not in caplog.text


def test_the_fetcher_serves_a_document_stylesheet_and_this_renderings_assets() -> None:
    fetcher = DocumentURLFetcher({"qr": InlineAsset("image/png", b"qr-bytes")})
    css = fetcher("https://documents.invalid/static/documents/print.css")
    assert css.content_type == "text/css"
    assert b"DejaVu Sans" in css.read()
    asset = fetcher("https://documents.invalid/inline/qr")
    assert (asset.content_type, asset.read()) == ("image/png", b"qr-bytes")
    # Another rendering's fetcher does not know this rendering's assets.
    with pytest.raises(RefusedURL):
        DocumentURLFetcher()("https://documents.invalid/inline/qr")


def test_the_fetcher_cannot_open_anything_by_itself() -> None:
    fetcher = DocumentURLFetcher()
    assert not getattr(fetcher, "handlers", [])  # urllib's file/http/ftp/data handlers were never installed
    with pytest.raises(RefusedURL):
        fetcher.open("file:///etc/passwd")


def _card_input(html_body: str) -> RenderInput:
    return RenderInput(
        html=f'<!doctype html><html><head><meta charset="utf-8"></head><body>{html_body}</body></html>',
        assets={},
    )


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/passwd">',
        '<img src="http://127.0.0.1:6379/">',
        '<link rel="stylesheet" href="http://127.0.0.1:6379/x.css">',
        '<p style="background: url(file:///etc/passwd)">x</p>',
        '<style>@import url("http://127.0.0.1:6379/");</style>',
        '<svg><image href="file:///etc/passwd" width="10" height="10"/></svg>',
        '<svg><image href="https://documents.invalid/static/css/portal.css" width="10" height="10"/></svg>',
    ],
)
def test_markup_that_reached_weasyprint_anyway_stops_the_rendering(markup: str) -> None:
    """Defence in depth: were escaping ever bypassed, a foreign URL fails the document
    instead of being fetched or silently left out."""
    with pytest.raises(DocumentRenderError):
        rendering.render_pdf(make_card_kind(), _card_input(markup))


def test_an_attachment_link_is_refused_too() -> None:
    kind = make_card_kind()
    laid_out = rendering.layout(
        kind, _card_input('<link rel="attachment" href="file:///etc/passwd"><p>x</p>')
    )
    with pytest.raises(DocumentRenderError):
        rendering.write_pdf(kind, laid_out)


def test_fonts_and_stylesheets_are_prepared_once_per_process() -> None:
    kind = make_card_kind()
    assert rendering.font_configuration() is rendering.font_configuration()
    sheets = rendering.kind_stylesheets(kind)
    assert rendering.kind_stylesheets(make_card_kind()) is sheets
    assert all(isinstance(sheet, weasyprint.CSS) for sheet in sheets)
    # A new template version is parsed afresh (a fixed stylesheet is picked up).
    assert rendering.kind_stylesheets(make_card_kind(template_version="2")) is not sheets


def test_static_files_are_read_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    rendering.static_asset("documents/print.css")
    looked_up: list[str] = []
    monkeypatch.setattr(rendering.finders, "find", lambda path, *args, **kwargs: looked_up.append(path))
    assert b"DejaVu" in rendering.static_asset("documents/print.css")[1]
    assert looked_up == []


def test_the_qr_code_decodes_to_the_verification_url(settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://korlantas.example.id/"
    url = qr.verification_url(TOKEN)
    assert url == f"https://korlantas.example.id/verify/{TOKEN}/"
    for pixels in (1, 8):
        image = Image.open(io.BytesIO(qr.qr_png(url, pixels_per_module=pixels)))
        assert image.mode == "L"
        assert [result.text for result in zxingcpp.read_barcodes(image.resize((400, 400)))] == [url]


def test_a_document_carries_its_qr_code_and_link_and_nothing_embedded(settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://korlantas.example.id"
    document = IssuedDocument(kind="test_card", reference="SIM-2611-ABCDEF", verification_token=TOKEN)
    render_input = rendering.document_input(document, make_card_kind())
    pdf = rendering.render_pdf(make_card_kind(), render_input)
    assert pdf.startswith(b"%PDF-")
    assert decoded_qr_codes(pdf) == [f"https://korlantas.example.id/verify/{TOKEN}/"]
    assert embedded_file_names(pdf) == []
    text = layout_text(rendering.layout(make_card_kind(), render_input))
    assert "SIM-2611-ABCDEF" in text


def test_rendering_the_same_document_twice_gives_the_same_bytes() -> None:
    document = IssuedDocument(kind="test_card", reference="SIM-2611-ABCDEF", verification_token=TOKEN)
    assert rendering.document_pdf(document, make_card_kind()) == rendering.document_pdf(
        document, make_card_kind()
    )


def test_a_kind_may_not_hand_the_renderer_other_asset_types() -> None:
    kind = make_card_kind(assets=lambda document: {"photo": InlineAsset("image/svg+xml", b"<svg/>")})
    document = IssuedDocument(kind="test_card", reference="X", verification_token=TOKEN)
    with pytest.raises(DocumentRenderError):
        rendering.document_input(document, kind)


@pytest.mark.parametrize(
    "overrides",
    [
        {"code": "Not An Identifier"},
        {"template_name": "applications/draft_edit.html"},
        {"page_size": "A4; } body { background: url(file:///etc/passwd)"},
        {"page_size": "huge"},
        {"template_version": ""},
        {"template_version": "a version with spaces"},
        {"stylesheets": ("../secrets.css",)},
        {"stylesheets": ("documents/card.js",)},
    ],
)
def test_a_kind_is_checked_when_declared(overrides: dict[str, Any]) -> None:
    with pytest.raises(KindRegistrationError):
        make_card_kind(**overrides)


def test_a_kind_is_registered_once() -> None:
    registered = get_kind("registration_proof")
    assert isinstance(registered, DocumentKind)
    assert registered.page_size == "A4"
    with pytest.raises(KindRegistrationError):
        register_kind(registered)


def test_a_worker_process_prepares_fonts_and_every_kinds_stylesheets_when_it_starts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from documents import registry, tasks

    rendering._stylesheet_cache.clear()
    tasks.prepare_renderer()
    proof = get_kind("registration_proof")
    assert (
        proof.code,
        proof.template_version,
        proof.page_size,
        *proof.stylesheets,
    ) in rendering._stylesheet_cache

    # A kind with a broken stylesheet fails its own documents, not the worker's start.
    broken = make_card_kind(code="broken_card", stylesheets=("documents/missing.css",))
    registry.register_kind(broken)
    try:
        tasks.prepare_renderer()
    finally:
        registry.unregister_kind("broken_card")
    assert "could not be prepared" in caplog.text
