"""The QR code on every document: the absolute URL of its public verification page.

The URL is built from the ``PUBLIC_BASE_URL`` setting (the portal's public origin, e.g.
``https://korlantas.go.id``) and the document's unguessable token, never from a request: a
worker renders documents with no request at hand, and a printed URL must not depend on
which host name a citizen happened to use.

The image is a greyscale PNG with one pixel per module (plus the 4-module quiet zone the
standard asks for); the print stylesheets scale it up with ``image-rendering: pixelated``,
which WeasyPrint writes as a non-interpolated image, so the code stays sharp at any size.
"""

from __future__ import annotations

import io

import segno
from django.conf import settings
from PIL import Image

DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
QUIET_ZONE_MODULES = 4
# Medium error correction survives a fold or a smudge on paper and keeps the symbol small.
ERROR_CORRECTION = "m"
# Evaluating all eight mask patterns (the encoder's default) costs about 8 ms per code in pure
# Python, a third of a card's rendering budget; any mask decodes, so one is fixed.
MASK_PATTERN = 0

# Module value to grey level: 0 (light) to white, anything else (dark) to black.
_MODULE_TO_GREY = bytes([255]) + bytes(255)


def verification_url(token: str) -> str:
    """The public verification page of the document with this token."""
    base = str(getattr(settings, "PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL)).rstrip("/")
    return f"{base}/verify/{token}/"


def qr_matrix(data: str) -> list[bytes]:
    """The symbol's modules, row by row, quiet zone included: 0 for a light module, non-zero
    (segno uses 1) for a dark one."""
    # Byte mode is what a URL with lower-case letters needs anyway; naming it skips the
    # encoder's segment analysis (0.6 ms).
    code = segno.make_qr(data, error=ERROR_CORRECTION, mask=MASK_PATTERN, boost_error=False, mode="byte")
    width = len(code.matrix[0]) + 2 * QUIET_ZONE_MODULES
    blank = bytes(width)
    margin = bytes(QUIET_ZONE_MODULES)
    rows = [blank] * QUIET_ZONE_MODULES
    rows += [margin + bytes(row) + margin for row in code.matrix]
    rows += [blank] * QUIET_ZONE_MODULES
    return rows


def qr_png(data: str, *, pixels_per_module: int = 1) -> bytes:
    """A greyscale PNG of the QR code for ``data`` (greyscale rather than 1-bit, because
    WeasyPrint would otherwise convert a 1-bit image to RGB and re-encode it every time)."""
    if pixels_per_module < 1:
        raise ValueError("pixels_per_module must be at least 1")
    rows = qr_matrix(data)
    size = len(rows)
    pixels = b"".join(rows).translate(_MODULE_TO_GREY)
    image = Image.frombytes("L", (size, size), pixels)
    if pixels_per_module > 1:
        image = image.resize((size * pixels_per_module, size * pixels_per_module), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
