"""The kinds of document the portal issues, declared by the apps that own them.

Each app registers its kinds from its ``AppConfig.ready()`` (``documents`` itself ships the
registration proof, ``documents.registration_proof``; the SIM and STNK work will add theirs).
A kind says how its PDF is made — which template, which stylesheets, which page size, and
which data fill the template — and what the public verification page may show about it.

``template_version`` is the kind's contract with the renderer: a rendered document records
the version it was rendered with, ``documents.services.document_render`` skips documents
already rendered with the current version, and ``manage.py rerender_documents --kind K``
re-renders the others. Bump it whenever the template, its stylesheets or the data function
change what a document looks like.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from documents.models import IssuedDocument

Label = str | Promise


@dataclass(frozen=True)
class InlineAsset:
    """Bytes a single rendering may load (a photo, the QR code), served to WeasyPrint by the
    renderer's fetcher under ``documents.rendering.INLINE_PREFIX + name`` for that rendering only."""

    content_type: str
    data: bytes


ContextFunction = Callable[["IssuedDocument"], Mapping[str, Any]]
AssetsFunction = Callable[["IssuedDocument"], Mapping[str, InlineAsset]]
VerificationFields = Callable[["IssuedDocument"], list[tuple[Label, Any]]]

# A CSS page size: a keyword (A4, A5, letter, with an optional orientation) or two lengths in mm.
_PAGE_SIZE = re.compile(r"(?:(?:A[3-6]|letter)(?: (?:portrait|landscape))?|\d+(?:\.\d+)?mm \d+(?:\.\d+)?mm)")
_TEMPLATE_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,19}")


def _shows_holder(document: IssuedDocument) -> bool:
    return True


def _no_assets(document: IssuedDocument) -> Mapping[str, InlineAsset]:
    return {}


class KindRegistrationError(ValueError):
    pass


@dataclass(frozen=True)
class DocumentKind:
    """One kind of issued document.

    * ``code`` — stored in ``IssuedDocument.kind``; a lower-case identifier.
    * ``template_name`` — a Django template under ``templates/documents/pdf/``, rendered with
      autoescaping; it links no stylesheet and fetches nothing but ``static/…`` files and the
      inline assets (see ``documents.rendering``).
    * ``page_size`` — the CSS ``@page`` size, e.g. ``"A4"`` or ``"85.6mm 54mm"``.
    * ``context`` — the template's data for one document (may read the database).
    * ``template_version`` — see the module docstring.
    * ``verification_fields`` — (label, value) pairs the public verification page shows. Never
      the NIK, a birth date, an address or a photo: anyone holding the QR code sees them.
    * ``stylesheets`` — static paths of print stylesheets, parsed once per process.
    * ``assets`` — per-document bytes the template shows (a photo); the QR code is added by
      the renderer.
    * ``shows_holder`` — whether the verification page shows the holder's masked name: not when
      the account holding the document is not the person it is about (an endorsement paid by
      whoever holds the STNK: the payer is not the vehicle's owner).
    """

    code: str
    name: Label
    template_name: str
    page_size: str
    context: ContextFunction
    template_version: str
    verification_fields: VerificationFields
    stylesheets: tuple[str, ...] = ("documents/print.css",)
    assets: AssetsFunction = field(default=_no_assets)
    shows_holder: Callable[[IssuedDocument], bool] = field(default=_shows_holder)

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.code.isidentifier() or self.code != self.code.lower() or len(self.code) > 40:
            problems.append("code must be a lower-case identifier of at most 40 characters")
        if not self.template_name.startswith("documents/pdf/") or not self.template_name.endswith(".html"):
            problems.append("template_name must be a documents/pdf/*.html template")
        if not _PAGE_SIZE.fullmatch(self.page_size):
            problems.append(f"page_size {self.page_size!r} is not a size such as 'A4' or '85.6mm 54mm'")
        if not _TEMPLATE_VERSION.fullmatch(self.template_version):
            problems.append("template_version must be 1–20 letters, digits, dots, dashes or underscores")
        bad_sheets = [s for s in self.stylesheets if not s.endswith(".css") or ".." in s or s.startswith("/")]
        if bad_sheets:
            problems.append(f"stylesheets {bad_sheets} must be relative static paths of .css files")
        if problems:
            raise KindRegistrationError(f"document kind {self.code!r}: " + "; ".join(problems))
        object.__setattr__(self, "stylesheets", tuple(self.stylesheets))


class UnknownKind(LookupError):
    pass


_kinds: dict[str, DocumentKind] = {}


def register_kind(kind: DocumentKind) -> DocumentKind:
    if kind.code in _kinds:
        raise KindRegistrationError(f"document kind {kind.code!r} is registered twice")
    _kinds[kind.code] = kind
    return kind


def unregister_kind(code: str) -> None:
    """For tests and benchmarks: forget a kind they registered."""
    _kinds.pop(code, None)


def get_kind(code: str) -> DocumentKind:
    try:
        return _kinds[code]
    except KeyError:
        raise UnknownKind(f"no document kind {code!r} is registered") from None


def kind_name(code: str) -> Label:
    """The kind's name, or its code when no longer registered (a page shows it rather than failing)."""
    kind = _kinds.get(code)
    return kind.name if kind is not None else code


def all_kinds() -> list[DocumentKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.code)
