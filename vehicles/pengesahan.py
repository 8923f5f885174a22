"""The e-Pengesahan: the document kind ``stnk_endorsement`` (A4), the legal proof of an annual
STNK endorsement paid online (DOMAIN.md §2.3; delivery digital only).

It shows the plate, make and model, category, the period the endorsement covers, the STNK's
validity, the amounts paid (the paid bill's lines), the registering Samsat and the QR code of
the public verification page. The owner appears only as the masked name; never a NIK; when
the STNK holder paid (``by_stnk_holder``), no name at all: "paid by the STNK holder". The
verification page shows the plate, the period and whether the endorsement is still valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from documents.registry import DocumentKind, Label, register_kind
from korlantas.lib import clock
from vehicles.models import EndorsementApplication

if TYPE_CHECKING:
    from documents.models import IssuedDocument

KIND = "stnk_endorsement"


def _row(document: IssuedDocument) -> EndorsementApplication | None:
    if document.application_id is None:
        return None
    return (
        EndorsementApplication.objects.select_related("vehicle", "vehicle__registering_samsat")
        .filter(application_id=document.application_id)
        .first()
    )


def _required_row(document: IssuedDocument) -> EndorsementApplication:
    row = _row(document)
    if row is None:
        raise ValueError(f"e-Pengesahan {document.pk} has no endorsement")
    return row


def pengesahan_context(document: IssuedDocument) -> Mapping[str, Any]:
    from documents.selectors import holder_name, masked_name
    from payments.models import Bill

    row = _required_row(document)
    vehicle = row.vehicle
    bill = (
        Bill.objects.filter(application_id=row.application_id, state=Bill.State.PAID)
        .order_by("-paid_at", "-pk")
        .first()
    )
    lines = list(bill.lines.all()) if bill is not None else []
    return {
        "plate": vehicle.plate_display,
        "make": vehicle.make,
        "model": vehicle.model,
        "vehicle_type": vehicle.vehicle_type,
        "category": vehicle.get_category_display(),
        "engine_cc": vehicle.engine_cc,
        "year_made": vehicle.year_made,
        "colour": vehicle.colour,
        # Paid by the STNK holder (not necessarily the owner): no name at all, the owner's
        # least of all.
        "owner_masked": "" if row.by_stnk_holder else masked_name(holder_name(document)),
        "by_stnk_holder": row.by_stnk_holder,
        "covered_from": row.covered_from,
        "covered_until": row.covered_until,
        "endorsed_on": row.endorsed_on,
        "stnk_valid_until": vehicle.stnk_valid_until,
        "samsat_name": vehicle.registering_samsat.name,
        "lines": [
            {"label": line.display_label, "quantity": line.quantity, "amount": line.amount} for line in lines
        ],
        "total": bill.total if bill is not None else 0,
        "paid_at": bill.paid_at if bill is not None else None,
    }


def pengesahan_verification_fields(document: IssuedDocument) -> list[tuple[Label, Any]]:
    """Plate, period, valid: no owner (the page masks the holder's name itself), no NIK."""
    row = _row(document)
    if row is None:
        return []
    valid = row.covered_until is not None and clock.today() < row.covered_until
    return [
        (_("Plate"), row.vehicle.plate_display),
        (_("Endorsement period"), f"{row.covered_from:%d-%m-%Y} – {row.covered_until:%d-%m-%Y}"),
        (_("Endorsement valid"), _("Yes") if valid else _("No, the period is over")),
    ]


def pengesahan_shows_holder(document: IssuedDocument) -> bool:
    """Not for an endorsement paid by the STNK holder: the account is the payer's, not the owner's."""
    row = _row(document)
    return row is None or not row.by_stnk_holder


STNK_ENDORSEMENT = DocumentKind(
    code=KIND,
    name=_("STNK annual endorsement (e-Pengesahan)"),
    template_name="documents/pdf/stnk_endorsement.html",
    page_size="A4",
    context=pengesahan_context,
    template_version="1",
    verification_fields=pengesahan_verification_fields,
    stylesheets=("documents/print.css", "documents/stnk_endorsement.css"),
    shows_holder=pengesahan_shows_holder,
)


def register() -> None:
    register_kind(STNK_ENDORSEMENT)
