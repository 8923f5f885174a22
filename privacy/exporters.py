"""The ZIP of a citizen's data export: JSON files and the PDFs of their issued documents.

Built in a spooled temporary file (in memory up to ``SPOOL_BYTES``, then on disk), so a large
export never sits whole in memory, and sent as a file response. PDFs are copied from storage
in chunks; one larger than ``MAX_PDF_BYTES``, or beyond ``MAX_TOTAL_PDF_BYTES`` in all, is left
out and documents.json says so ("pdf_omitted") — the citizen downloads it from the document's
own page. A PDF missing from storage is reported the same way.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from typing import IO, Any

from privacy.selectors import Export

SPOOL_BYTES = 8 * 1024 * 1024
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_TOTAL_PDF_BYTES = 50 * 1024 * 1024
CHUNK = 64 * 1024

README = """Korlantas Digital - your data
=============================

profile.json        your account and profile (with your whole NIK)
applications.json   your applications: status history, details, bills, payments, refunds, shipments
documents.json      your issued documents and who verified them when (network and browser family)
documents/          the PDFs of your issued documents
access_log.json     who did what with your data: you, the system, or staff by role and office
licences.json       driving licences registered to your verified NIK
vehicles.json       vehicles registered to your verified NIK
notifications.json  messages the portal sent you

Times are ISO 8601 in UTC. Keep this file safe: it holds your personal data.
"""


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def write_zip(export: Export) -> IO[bytes]:
    """The export as a ZIP in a temporary file, positioned at its start."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned open
    total = 0
    omitted: dict[str, str] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, document in export.document_files:
            try:
                size = document.file.size
            except (OSError, ValueError):
                omitted[name] = "missing"
                continue
            if size > MAX_PDF_BYTES or total + size > MAX_TOTAL_PDF_BYTES:
                omitted[name] = "too_large"
                continue
            try:
                with document.file.open("rb") as source, archive.open(name, "w") as target:
                    while chunk := source.read(CHUNK):
                        target.write(chunk)
            except OSError:
                omitted[name] = "missing"
                continue
            total += size
        documents = []
        for entry in export.documents:
            pdf = entry.get("pdf")
            if isinstance(pdf, str) and pdf in omitted:
                entry = {**entry, "pdf": None, "pdf_omitted": omitted[pdf]}
            documents.append(entry)
        archive.writestr("README.txt", README)
        archive.writestr("profile.json", _json(export.profile))
        archive.writestr("applications.json", _json(export.applications))
        archive.writestr("documents.json", _json(documents))
        archive.writestr("access_log.json", _json(export.access_log))
        archive.writestr("licences.json", _json(export.licences))
        archive.writestr("vehicles.json", _json(export.vehicles))
        archive.writestr("notifications.json", _json(export.notifications))
    out.seek(0)
    return out
