"""HTML to PDF for issued documents, with WeasyPrint, safely and fast.

Safety (SECURITY.md §3.4). Documents are rendered only from our own Django templates, with
autoescaping, so applicant text (a subject, a name) is text and never markup. Everything
WeasyPrint loads goes through ``DocumentURLFetcher``, which can answer exactly two kinds of
URL and nothing else — no ``file:``, no ``data:``, no host on any network:

* ``https://documents.invalid/static/documents/…`` and ``…/static/fonts/…`` — our own static
  files (stylesheets, images, fonts), read through the staticfiles finders;
* ``https://documents.invalid/inline/<name>`` — bytes given to this one rendering (the QR
  code, a photo).

``documents.invalid`` can never resolve (RFC 2606); the fetcher has no network or file
handler at all, and a URL it refuses stops the rendering (``DocumentRenderError``) instead
of leaving a hole in the document.

Speed (docs/benchmarks.md). A naive ``HTML(string=…).write_pdf()`` spends much of its time
outside layout. Per worker process this module keeps one ``FontConfiguration``, the parsed
``weasyprint.CSS`` of every kind (its stylesheets and its ``@page`` size), and the bytes of
the static files it served. Per-document images travel as inline assets under short URLs
rather than base64 ``data:`` URIs, which the HTML parser would have to scan.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import weasyprint
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from documents import qr
from documents.registry import DocumentKind, InlineAsset, all_kinds, get_kind

if TYPE_CHECKING:
    from documents.models import IssuedDocument

logger = logging.getLogger("korlantas.documents")

ASSET_ORIGIN = "https://documents.invalid"
BASE_URL = f"{ASSET_ORIGIN}/"
STATIC_PREFIX = f"{ASSET_ORIGIN}/static/"
INLINE_PREFIX = f"{ASSET_ORIGIN}/inline/"
QR_ASSET = "qr"
# Documents are Indonesian first (their English labels are set explicitly in the templates).
DOCUMENT_LANGUAGE = "id"

# The static files a document may use: our print stylesheets, images and fonts, nothing else.
_STATIC_PATH = re.compile(
    r"(?:documents|fonts)(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)+\.(?:css|png|jpe?g|svg|ttf|otf|woff2?)"
)
_INLINE_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,9}")
_CONTENT_TYPES = {"image/png", "image/jpeg"}


class DocumentRenderError(Exception):
    """The document could not be rendered (a refused URL, a broken template)."""


class RefusedURL(FatalURLFetchingError):
    """Raised by the fetcher; WeasyPrint lets it through and stops the rendering."""


@dataclass(frozen=True)
class RenderInput:
    html: str
    assets: Mapping[str, InlineAsset]


# --- fetching -----------------------------------------------------------------------------

_static_cache: dict[str, tuple[str, bytes]] = {}
_static_lock = threading.Lock()


def static_asset(path: str) -> tuple[str, bytes]:
    """(content type, bytes) of an allowed static file, read once per process.

    The cache is bounded by the allow-list: only files that exist under ``static/documents``
    or ``static/fonts`` are ever stored.
    """
    cached = _static_cache.get(path)
    if cached is not None:
        return cached
    if not _STATIC_PATH.fullmatch(path) or ".." in path.split("/"):
        raise RefusedURL("static path outside the allow-list")
    found = finders.find(path)
    if not found or isinstance(found, list):
        raise RefusedURL("no such static file")
    with open(found, "rb") as file:
        data = file.read()
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    with _static_lock:
        _static_cache[path] = (content_type, data)
    return content_type, data


class DocumentURLFetcher(URLFetcher):
    """WeasyPrint's only way to load anything while rendering a document (see the module
    docstring). One per rendering: it carries that rendering's inline assets."""

    def __init__(self, assets: Mapping[str, InlineAsset] | None = None) -> None:
        # URLFetcher.__init__ is deliberately not called: it installs urllib's file, http,
        # ftp and data handlers, and this fetcher must be unable to use any of them.
        self._fail_on_errors = True
        self._allowed_protocols = ("https",)
        self._request = None
        self._assets = dict(assets or {})
        self.served: list[str] = []
        # Schemes of refused URLs: WeasyPrint swallows some errors (an SVG image's), so the
        # renderer checks this list too, not only the exception.
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith(INLINE_PREFIX):
            asset = self._assets.get(url.removeprefix(INLINE_PREFIX))
            if asset is not None:
                self.served.append(url)
                return URLFetcherResponse(url, asset.data, {"Content-Type": asset.content_type})
        elif url.startswith(STATIC_PREFIX) and "?" not in url and "#" not in url and "%" not in url:
            try:
                content_type, data = static_asset(url.removeprefix(STATIC_PREFIX))
            except RefusedURL:
                self._refuse("static")
                raise
            self.served.append(url)
            return URLFetcherResponse(url, data, {"Content-Type": content_type})
        self._refuse(url)
        raise RefusedURL("URL refused by the document fetcher")

    def _refuse(self, url: str) -> None:
        # The URL may carry applicant text: only a well-formed scheme reaches the log.
        scheme = url.split(":", 1)[0].lower() if ":" in url else "relative"
        if not _SCHEME.fullmatch(scheme):
            scheme = "other"
        self.refused.append(scheme)
        logger.warning("document rendering refused a %s URL", scheme)

    def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
        raise RefusedURL("the document fetcher opens nothing by itself")

    def __call__(self, url: str) -> URLFetcherResponse:
        return self.fetch(url)


# --- what is cached per process -----------------------------------------------------------


@cache
def font_configuration() -> FontConfiguration:
    """One per process: building it (fontconfig, Pango) is the costliest part of a first render."""
    return FontConfiguration()


_stylesheet_cache: dict[tuple[str, ...], list[weasyprint.CSS]] = {}


def kind_stylesheets(kind: DocumentKind) -> list[weasyprint.CSS]:
    """The kind's stylesheets and page size, parsed once per process (and per template version)."""
    key = (kind.code, kind.template_version, kind.page_size, *kind.stylesheets)
    sheets = _stylesheet_cache.get(key)
    if sheets is None:
        fonts = font_configuration()
        fetcher = DocumentURLFetcher()
        sheets = []
        for path in kind.stylesheets:
            try:
                _content_type, data = static_asset(path)
                sheets.append(
                    weasyprint.CSS(
                        string=data.decode("utf-8"),
                        base_url=STATIC_PREFIX + path,
                        url_fetcher=fetcher,
                        font_config=fonts,
                    )
                )
            except FatalURLFetchingError as exc:
                raise DocumentRenderError(
                    f"stylesheet {path} of kind {kind.code} is missing or refused"
                ) from exc
        _check_nothing_refused(kind, fetcher)
        sheets.append(weasyprint.CSS(string=f"@page {{ size: {kind.page_size}; }}", font_config=fonts))
        _stylesheet_cache[key] = sheets
    return sheets


def warm_up() -> None:
    """Build what is cached per process before the first document needs it (a worker calls
    this when its process starts): fonts, and the stylesheets of every registered kind."""
    font_configuration()
    for kind in all_kinds():
        kind_stylesheets(kind)


# --- rendering ----------------------------------------------------------------------------


def render_html(kind: DocumentKind, context: Mapping[str, Any]) -> str:
    """The kind's template with ``context``, autoescaped, in the documents' language."""
    with translation.override(DOCUMENT_LANGUAGE):
        return render_to_string(kind.template_name, dict(context))


def _check_nothing_refused(kind: DocumentKind, fetcher: Any) -> None:
    if getattr(fetcher, "refused", None):
        raise DocumentRenderError(f"a {kind.code} document loads a refused URL")


def layout(kind: DocumentKind, render_input: RenderInput) -> weasyprint.Document:
    """Lay the HTML out into pages (tests read the text of the boxes from it)."""
    fetcher = DocumentURLFetcher(render_input.assets)
    try:
        html = weasyprint.HTML(string=render_input.html, base_url=BASE_URL, url_fetcher=fetcher)
        laid_out = html.render(stylesheets=kind_stylesheets(kind), font_config=font_configuration())
    except FatalURLFetchingError as exc:
        raise DocumentRenderError(f"a {kind.code} document loads a refused URL") from exc
    _check_nothing_refused(kind, fetcher)
    return laid_out


def write_pdf(kind: DocumentKind, laid_out: weasyprint.Document) -> bytes:
    """The PDF of a laid-out document. Attachments and SVG images are fetched only now."""
    try:
        pdf = laid_out.write_pdf()
    except FatalURLFetchingError as exc:
        raise DocumentRenderError(f"a {kind.code} document attaches a refused URL") from exc
    _check_nothing_refused(kind, laid_out.url_fetcher)
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf() without a target returns bytes
        raise DocumentRenderError("WeasyPrint returned no bytes")
    return pdf


def render_pdf(kind: DocumentKind, render_input: RenderInput) -> bytes:
    return write_pdf(kind, layout(kind, render_input))


def document_input(document: IssuedDocument, kind: DocumentKind | None = None) -> RenderInput:
    """The HTML and inline assets of ``document``: the kind's data and assets, plus its QR code.

    The template receives the kind's context and ``document``, ``reference``,
    ``verification_url`` and ``assets`` (asset name → URL, ``assets.qr`` included).
    """
    kind = kind or get_kind(document.kind)
    url = qr.verification_url(document.verification_token)
    assets = dict(kind.assets(document))
    for name, asset in assets.items():
        if not _INLINE_NAME.fullmatch(name) or asset.content_type not in _CONTENT_TYPES:
            raise DocumentRenderError(f"kind {kind.code} gave an inline asset that is not allowed")
    assets[QR_ASSET] = InlineAsset("image/png", qr.qr_png(url))
    context = {
        **kind.context(document),
        "document": document,
        "reference": document.reference,
        "verification_url": url,
        "assets": {name: INLINE_PREFIX + name for name in assets},
    }
    return RenderInput(html=render_html(kind, context), assets=assets)


def document_pdf(document: IssuedDocument, kind: DocumentKind | None = None) -> bytes:
    """The PDF of ``document`` as its kind renders it now (nothing is stored here)."""
    kind = kind or get_kind(document.kind)
    return render_pdf(kind, document_input(document, kind))
