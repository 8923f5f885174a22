"""The e-BPKB: the document kind ``bpkb`` (A4), the vehicle's ownership book as it stands after a
transfer of ownership, a BPKB replacement or a move to another region (DOMAIN.md §3.3, §3.4).

It shows the BPKB number, the plate, the vehicle (make, type, category, model, year, capacity,
colour, fuel), the chassis and engine numbers masked to their last 5 characters, the registering
Samsat, the current owner's name masked, the ownership history and the QR code of the public
verification page. Previous owners are "previous owner 1, 2, …", never named; never a NIK or an
address (the paper book carries them; a PDF anyone may be shown must not).

Each new e-BPKB supersedes the vehicle's previous valid one (whichever service issued it):
``issue_ebpkb`` is the one entry point, called by the services' ``issue`` listeners.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from documents.registry import DocumentKind, Label, register_kind
from vehicles.models import (
    BpkbReplacementApplication,
    MutationApplication,
    OwnershipRecord,
    TransferApplication,
    Vehicle,
    VehicleHistoryEntry,
)
from vehicles.selectors import vehicle_of_application

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application
    from documents.models import IssuedDocument

KIND = "bpkb"
SUPERSEDE_REASON = "A new e-BPKB was issued for this vehicle."


def mask_tail(value: str, visible: int = 5) -> str:
    """Only the last ``visible`` characters; the rest as bullets (a chassis or engine number)."""
    hidden = max(len(value) - visible, 0)
    return "•" * hidden + value[-visible:]


def _vehicle_applications(vehicle: Vehicle) -> Q:
    """The applications about ``vehicle`` that may hold an e-BPKB (as a filter on documents)."""
    return (
        Q(application__in=TransferApplication.objects.filter(vehicle=vehicle).values("application_id"))
        | Q(
            application__in=BpkbReplacementApplication.objects.filter(vehicle=vehicle).values(
                "application_id"
            )
        )
        | Q(application__in=MutationApplication.objects.filter(vehicle=vehicle).values("application_id"))
        | Q(
            application__in=VehicleHistoryEntry.objects.filter(
                vehicle=vehicle, application__isnull=False
            ).values("application_id")
        )
    )


def valid_ebpkbs(vehicle: Vehicle) -> list[IssuedDocument]:
    """The vehicle's valid e-BPKBs, newest first (normally at most one)."""
    from documents.models import IssuedDocument

    return list(
        IssuedDocument.objects.filter(
            _vehicle_applications(vehicle), kind=KIND, status=IssuedDocument.Status.VALID
        ).order_by("-issued_at", "-pk")
    )


def issue_ebpkb(*, application: Application, vehicle: Vehicle, actor: User | None) -> IssuedDocument:
    """In the caller's transaction (an ``issue`` listener): issue the e-BPKB for ``vehicle`` as it
    now stands (BPKB number, plate, owner, ownership history), superseding its previous valid e-BPKB.

    The holder is the application's applicant (the owner once the service has run). Issuing twice
    for one application returns the document already issued."""
    from documents.models import IssuedDocument
    from documents.services import document_issue, document_supersede

    existing = IssuedDocument.objects.filter(
        application=application, kind=KIND, status=IssuedDocument.Status.VALID
    ).first()
    if existing is not None:
        return existing
    previous = [document for document in valid_ebpkbs(vehicle) if document.application_id != application.pk]
    replaces = previous[0] if previous else None
    document = document_issue(
        kind=KIND,
        application=application,
        holder=application.applicant,
        reference=application.reference,
        replaces=replaces,
        reason=SUPERSEDE_REASON if replaces is not None else "",
        actor=actor,
    )
    for older in previous[1:]:
        document_supersede(old=older, new=document, reason=SUPERSEDE_REASON, actor=actor)
    return document


# --- the document's contents ----------------------------------------------------------------


def _required_vehicle(document: IssuedDocument) -> Vehicle:
    vehicle = vehicle_of_application(document.application) if document.application is not None else None
    if vehicle is None:
        raise ValueError(f"e-BPKB {document.pk} names no vehicle")
    return vehicle


def _owner_label(number: int) -> Promise:
    return format_lazy(_("Previous owner {number}"), number=number)


def ownership_rows(vehicle: Vehicle, owner_masked: str) -> list[dict[str, Any]]:
    """The ownership periods, oldest first: the current owner masked, the others numbered."""
    records = list(OwnershipRecord.objects.filter(vehicle=vehicle).order_by("from_date", "pk"))
    rows: list[dict[str, Any]] = []
    previous = 0
    for record in records:
        if record.to_date is None:
            owner: Label = format_lazy(_("Current owner ({name})"), name=owner_masked or "—")
        else:
            previous += 1
            owner = _owner_label(previous)
        rows.append(
            {
                "owner": owner,
                "from_date": record.from_date,
                "to_date": record.to_date,
                "how": record.get_how_display(),
            }
        )
    return rows


def ebpkb_context(document: IssuedDocument) -> Mapping[str, Any]:
    from documents.selectors import holder_name, masked_name

    vehicle = _required_vehicle(document)
    owner_masked = masked_name(holder_name(document))
    return {
        "bpkb_number": vehicle.bpkb_number,
        "plate": vehicle.plate_display,
        "make": vehicle.make,
        "model": vehicle.model,
        "vehicle_type": vehicle.vehicle_type,
        "category": vehicle.get_category_display(),
        "engine_cc": vehicle.engine_cc,
        "year_made": vehicle.year_made,
        "colour": vehicle.colour,
        "fuel": vehicle.get_fuel_display(),
        "chassis_masked": mask_tail(vehicle.chassis_number),
        "engine_masked": mask_tail(vehicle.engine_number),
        "samsat_name": vehicle.registering_samsat.name,
        "owner_masked": owner_masked,
        "history": ownership_rows(vehicle, owner_masked),
        "issued_on": document.issued_at,
    }


def ebpkb_verification_fields(document: IssuedDocument) -> list[tuple[Label, Any]]:
    """BPKB number, plate, vehicle: no owner (the page masks the holder's name itself), no NIK."""
    vehicle = vehicle_of_application(document.application) if document.application is not None else None
    if vehicle is None:
        return []
    return [
        (_("BPKB number"), vehicle.bpkb_number or "—"),
        (_("Plate"), vehicle.plate_display),
        (_("Make and model"), f"{vehicle.make} {vehicle.model}"),
        (_("Chassis number"), mask_tail(vehicle.chassis_number)),
    ]


EBPKB = DocumentKind(
    code=KIND,
    name=_("Vehicle ownership book (e-BPKB)"),
    template_name="documents/pdf/bpkb.html",
    page_size="A4",
    context=ebpkb_context,
    template_version="2",
    verification_fields=ebpkb_verification_fields,
    stylesheets=("documents/print.css", "documents/bpkb.css"),
)

_registered = False


def register() -> None:
    """Register the kind once (called from ``vehicles.transfer.register``)."""
    global _registered
    if _registered:
        return
    register_kind(EBPKB)
    _registered = True
