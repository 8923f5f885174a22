"""``manage.py rerender_documents --kind K [--all]``: render a kind's documents again.

After a template fix, bump the kind's ``template_version`` and deploy; this command then sends
every valid document of the kind that was not rendered with the current version (or never
rendered at all) to the ``pdf`` queue. ``--all`` sends every valid document of the kind,
forcing a new file even when its version is current. Superseded and revoked documents keep
the PDF they had. Only ids go on the queue.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from documents.models import IssuedDocument
from documents.registry import UnknownKind, all_kinds, get_kind
from documents.tasks import render_document


class Command(BaseCommand):
    help = "Send the documents of a kind to be rendered again (after a template fix)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, help="The document kind, e.g. registration_proof.")
        parser.add_argument(
            "--all",
            action="store_true",
            help="Every valid document of the kind, even those rendered with the current template version.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kind = get_kind(options["kind"])
        except UnknownKind:
            known = ", ".join(k.code for k in all_kinds()) or "none"
            raise CommandError(f"Unknown document kind {options['kind']!r} (registered: {known}).") from None
        documents = IssuedDocument.objects.filter(kind=kind.code, status=IssuedDocument.Status.VALID)
        force = bool(options["all"])
        if not force:
            documents = documents.filter(
                ~Q(template_version=kind.template_version) | Q(file="") | Q(sha256="")
            )
        sent = 0
        for document_id in documents.order_by("pk").values_list("pk", flat=True).iterator():
            render_document.delay(document_id, force)
            sent += 1
        self.stdout.write(
            f"Sent {sent} {kind.code} document(s) to render with template version {kind.template_version}."
        )
