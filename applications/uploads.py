"""Checking and normalising an uploaded photo, signature, KTP scan or supporting document.

SECURITY.md §3.2–3.3. ``validate_and_normalise`` decides the type from the bytes alone (never the
client's name or Content-Type), refuses what is too large, too many pixels, more than one frame,
broken, or a PDF with active content, and returns new bytes to store:

* images are decoded and encoded again (JPEG quality 90, or PNG for signatures and PNG
  supporting documents) without EXIF, ICC profile, text chunks, comments or trailing bytes;
* PDFs are opened with pikepdf, checked object by object, and written again by pikepdf.

Nothing here touches storage or the database; the caller stores ``CleanFile.content``.
Refusals raise ``UploadRejected`` whose ``message`` is a lazy translation (English msgid).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, ImageOps, ImageStat

if TYPE_CHECKING:
    import pikepdf

PHOTO = "photo"
SIGNATURE = "signature"
KTP_SCAN = "ktp_scan"
SUPPORTING = "supporting"
# The SIM services' certificates and proofs (applications.models.Attachment.Kind).
HEALTH_CERT = "health_cert"
PSYCH_RESULT = "psych_result"
POLICE_REPORT = "police_report"
DAMAGED_CARD = "damaged_card"
PASSPORT_SCAN = "passport_scan"
# The vehicle services' proofs, and the officer's photos of the number rubbings (physical check).
SALE_RECEIPT = "sale_receipt"
SELLER_KTP = "seller_ktp"
POLICE_BAP = "police_bap"
NOT_PLEDGED = "not_pledged"
NEWSPAPER_NOTICE = "newspaper_notice"
DAMAGED_BPKB = "damaged_bpkb"
RUBBING = "rubbing"
KINDS = (
    PHOTO,
    SIGNATURE,
    KTP_SCAN,
    SUPPORTING,
    HEALTH_CERT,
    PSYCH_RESULT,
    POLICE_REPORT,
    DAMAGED_CARD,
    PASSPORT_SCAN,
    SALE_RECEIPT,
    SELLER_KTP,
    POLICE_BAP,
    NOT_PLEDGED,
    NEWSPAPER_NOTICE,
    DAMAGED_BPKB,
    RUBBING,
)

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}
# A client file name may have one of these extensions, or none (the type still comes from the bytes).
ALLOWED_NAME_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "pdf"})

MB = 1024 * 1024
IMAGE_MAX_BYTES = 5 * MB
PDF_MAX_BYTES = 10 * MB
# Our own limit, far below Pillow's MAX_IMAGE_PIXELS; checked from the header, before decoding.
MAX_PIXELS = 40_000_000
PDF_MAX_PAGES = 20
JPEG_QUALITY = 90
# Kinds that may be a PDF (a scanned certificate); the photo, signature and the damaged card's
# photo must be images.
PDF_KINDS = frozenset(
    {
        KTP_SCAN,
        SUPPORTING,
        HEALTH_CERT,
        PSYCH_RESULT,
        POLICE_REPORT,
        PASSPORT_SCAN,
        SALE_RECEIPT,
        SELLER_KTP,
        POLICE_BAP,
        NOT_PLEDGED,
        NEWSPAPER_NOTICE,
    }
)

# Passport-style photo rules (checked before payment, so the applicant fixes them at once).
PHOTO_MIN_WIDTH = 400
PHOTO_MIN_HEIGHT = 500
PHOTO_MIN_STDDEV = 8.0

_MAGIC = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"%PDF-", PDF),
)
_PIL_FORMAT = {JPEG: "JPEG", PNG: "PNG"}

MESSAGES: dict[str, Promise] = {
    "too_large": _("The file is too large."),
    "unsupported_type": _("Upload a JPEG or PNG image or a PDF document."),
    "too_many_pixels": _("The image has too many pixels. Upload a smaller image."),
    "multi_frame": _("Animated or multi-page images are not accepted. Upload a single image."),
    "corrupt": _("The file is damaged or incomplete. Upload it again."),
    "pdf_not_allowed": _("Upload this as a JPEG or PNG image, not a PDF."),
    "pdf_encrypted": _("The PDF is password-protected or encrypted. Upload an unprotected PDF."),
    "pdf_too_many_pages": _("The PDF has too many pages."),
    "pdf_javascript": _("The PDF contains scripts. Upload a plain PDF."),
    "pdf_auto_action": _("The PDF runs actions when opened. Upload a plain PDF."),
    "pdf_embedded_files": _("The PDF contains attached files. Upload a plain PDF."),
    "pdf_active_content": _("The PDF contains forms or media that are not accepted. Upload a plain PDF."),
    "photo_too_small": _("The photo is too small: it must be at least 400 × 500 pixels."),
    "photo_landscape": _("The photo is in landscape orientation: use a portrait (upright) photo."),
    "photo_blank": _("The photo is blank or nearly one colour: upload a clear photo of your face."),
}


class UploadRejected(Exception):
    """The upload is refused. ``code`` names the first rule broken; ``problems`` lists every
    (code, message) found (the photo checks report all of them at once)."""

    def __init__(self, code: str, problems: tuple[tuple[str, Promise], ...] | None = None) -> None:
        self.code = code
        self.message: Promise = MESSAGES[code]
        self.problems: tuple[tuple[str, Promise], ...] = problems or ((code, self.message),)
        super().__init__(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _message in self.problems)


@dataclass(frozen=True)
class CleanFile:
    """The bytes to store, and what we know of them."""

    content: bytes
    content_type: str
    extension: str
    sha256: str
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.content)


def validate_and_normalise(uploaded_file: IO[bytes] | Any, *, kind: str) -> CleanFile:
    """Check ``uploaded_file`` (a Django ``UploadedFile`` or any binary file object) for ``kind``
    and return the normalised bytes. Raises ``UploadRejected``."""
    if kind not in KINDS:
        raise ValueError(f"unknown attachment kind {kind!r}")
    _check_name(getattr(uploaded_file, "name", "") or "")
    limit = PDF_MAX_BYTES if kind in PDF_KINDS else IMAGE_MAX_BYTES
    declared = getattr(uploaded_file, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise UploadRejected("too_large")
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected("too_large")
    content_type = sniff(data)
    if content_type is None:
        raise UploadRejected("unsupported_type")
    if content_type == PDF:
        if kind not in PDF_KINDS:
            raise UploadRejected("pdf_not_allowed")
        return _clean_pdf(data)
    return _clean_image(data, content_type, kind)


def sniff(data: bytes) -> str | None:
    """The content type from the first bytes, or None if it is none of ours."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    return None


def _check_name(name: str) -> None:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if "." in base:
        extension = base.rsplit(".", 1)[-1].lower()
        if extension not in ALLOWED_NAME_EXTENSIONS:
            raise UploadRejected("unsupported_type")


# --- images -------------------------------------------------------------------------------


def _open(data: bytes, content_type: str) -> Image.Image:
    """Open with only the detected plugin; the header is read, no pixel is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[content_type]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected("too_many_pixels") from exc
    except Image.UnidentifiedImageError as exc:
        raise UploadRejected("unsupported_type") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UploadRejected("corrupt") from exc


def _clean_image(data: bytes, content_type: str, kind: str) -> CleanFile:
    image = _open(data, content_type)
    width, height = image.size
    if width <= 0 or height <= 0:
        raise UploadRejected("corrupt")
    if width * height > MAX_PIXELS:
        raise UploadRejected("too_many_pixels")
    if getattr(image, "n_frames", 1) != 1 or getattr(image, "is_animated", False):
        raise UploadRejected("multi_frame")
    try:
        image.verify()
        image = _open(data, content_type)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _truncated_images_refused():
                image.load()
        image = ImageOps.exif_transpose(image) or image
    except UploadRejected:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, EOFError) as exc:
        raise UploadRejected("corrupt") from exc

    if kind == PHOTO:
        problems = photo_problems(image)
        if problems:
            raise UploadRejected(problems[0], tuple((code, MESSAGES[code]) for code in problems))

    as_png = kind == SIGNATURE or (kind == SUPPORTING and content_type == PNG)
    out = io.BytesIO()
    if as_png:
        mode = "RGBA" if _has_alpha(image) else ("L" if image.mode in ("1", "L", "LA") else "RGB")
        image.convert(mode).save(out, format="PNG", optimize=True)
        stored_type = PNG
    else:
        image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        stored_type = JPEG
    content = out.getvalue()
    return CleanFile(
        content=content,
        content_type=stored_type,
        extension=EXTENSIONS[stored_type],
        sha256=hashlib.sha256(content).hexdigest(),
        width=image.width,
        height=image.height,
    )


@contextlib.contextmanager
def _truncated_images_refused() -> Iterator[None]:
    """Pillow's ``LOAD_TRUNCATED_IMAGES`` is process-wide, and importing WeasyPrint turns it
    on (weasyprint/images.py); a truncated upload must still be refused as corrupt."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def photo_problems(image: Image.Image) -> list[str]:
    """What is wrong with an ID photo, as codes (empty: nothing). ``image`` must be loaded."""
    problems: list[str] = []
    width, height = image.size
    if width < PHOTO_MIN_WIDTH or height < PHOTO_MIN_HEIGHT:
        problems.append("photo_too_small")
    if width > height:
        problems.append("photo_landscape")
    grey = image.convert("L")
    if max(grey.size) > 256:
        grey = grey.copy()
        grey.thumbnail((256, 256))
    if ImageStat.Stat(grey).stddev[0] < PHOTO_MIN_STDDEV:
        problems.append("photo_blank")
    return problems


# --- PDFs ---------------------------------------------------------------------------------

_JAVASCRIPT_KEYS = frozenset({"/JS", "/JavaScript"})
_AUTO_ACTION_KEYS = frozenset({"/OpenAction", "/AA"})
_EMBEDDED_KEYS = frozenset({"/EmbeddedFiles", "/EmbeddedFile"})
_ACTIVE_KEYS = frozenset({"/XFA", "/RichMedia", "/Launch"})
_ACTION_TYPES = {
    "/JavaScript": "pdf_javascript",
    "/Launch": "pdf_active_content",
    "/SubmitForm": "pdf_active_content",
    "/ImportData": "pdf_active_content",
    "/RichMediaExecute": "pdf_active_content",
}


def _clean_pdf(data: bytes) -> CleanFile:
    import pikepdf  # imported on first use: most processes never open a PDF

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise UploadRejected("pdf_encrypted") from exc
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        raise UploadRejected("corrupt") from exc
    with pdf:
        if pdf.is_encrypted:
            raise UploadRejected("pdf_encrypted")
        try:
            pages = len(pdf.pages)
        except (pikepdf.PdfError, RuntimeError) as exc:
            raise UploadRejected("corrupt") from exc
        if pages == 0:
            raise UploadRejected("corrupt")
        if pages > PDF_MAX_PAGES:
            raise UploadRejected("pdf_too_many_pages")
        problem = _pdf_problem(pdf)
        if problem is not None:
            raise UploadRejected(problem)
        out = io.BytesIO()
        try:
            # A /ID derived from the content, not the clock: the same upload gives the same file,
            # so the same document sent for many applicants shares one hash (fraud signals).
            pdf.save(out, deterministic_id=True)
        except (pikepdf.PdfError, RuntimeError) as exc:
            raise UploadRejected("corrupt") from exc
    content = out.getvalue()
    return CleanFile(
        content=content,
        content_type=PDF,
        extension="pdf",
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _pdf_problem(pdf: pikepdf.Pdf) -> str | None:
    """The first kind of active content found in any object (catalog, pages, annotations, names)."""
    import pikepdf  # imported on first use: most processes never open a PDF

    found: set[str] = set()
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            dictionary: Any = obj.stream_dict
        elif isinstance(obj, pikepdf.Dictionary):
            dictionary = obj
        else:
            continue
        found.update(_dictionary_problems(dictionary))
    found.update(_dictionary_problems(pdf.trailer))
    for code in ("pdf_javascript", "pdf_auto_action", "pdf_embedded_files", "pdf_active_content"):
        if code in found:
            return code
    return None


def _dictionary_problems(dictionary: Any, depth: int = 0) -> set[str]:
    import pikepdf  # already loaded by _clean_pdf; a dictionary lookup here

    found: set[str] = set()
    if depth > 8:
        return found
    keys = set(dictionary.keys())
    if keys & _JAVASCRIPT_KEYS:
        found.add("pdf_javascript")
    if keys & _AUTO_ACTION_KEYS:
        found.add("pdf_auto_action")
    if keys & _EMBEDDED_KEYS:
        found.add("pdf_embedded_files")
    if keys & _ACTIVE_KEYS:
        found.add("pdf_active_content")
    for key in ("/S", "/Type", "/Subtype"):
        value = dictionary.get(key)
        if isinstance(value, pikepdf.Name):
            name = str(value)
            if key == "/S" and name in _ACTION_TYPES:
                found.add(_ACTION_TYPES[name])
            if name in ("/EmbeddedFile", "/FileAttachment", "/Filespec") and key != "/S":
                found.add("pdf_embedded_files")
    # Direct (inline) dictionaries are not in ``pdf.objects``; look into them too.
    for key in keys:
        value = dictionary.get(key)
        if isinstance(value, pikepdf.Dictionary) and not value.is_indirect:
            found.update(_dictionary_problems(value, depth + 1))
        elif isinstance(value, pikepdf.Array) and not value.is_indirect:
            for item in value:
                if isinstance(item, pikepdf.Dictionary) and not item.is_indirect:
                    found.update(_dictionary_problems(item, depth + 1))
    return found
