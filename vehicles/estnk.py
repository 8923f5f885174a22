"""The e-STNK: the document kind ``stnk`` (A5), the electronic vehicle registration certificate
issued by the 5-year renewal (``vehicles.renewal``), the change of ownership and the move to
another region (DOMAIN.md §2.2).

``issue_estnk`` issues it, in the caller's transaction, for the vehicle *as it now stands*
(plate, owner, validity) and supersedes the vehicle's previous valid e-STNK, whichever service
issued that one. The PDF shows what §2.2 lists that is safe to print: plate, make/model/type,
category, engine capacity, colour, year, fuel, plate colour, registering Samsat, the STNK's
validity, the plate's month/year (``MM.YY`` of the validity), the owner's name *masked*, the
chassis number masked to its last 5 characters and the QR code of the public verification
page. Never a NIK or an address. The verification page shows the plate, the validity and the
registration's state.

The data are read from the vehicle when the PDF is rendered: a valid e-STNK is the vehicle's
latest, so that is what it stands for; a superseded one is never rendered again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.registry import DocumentKind, Label, register_kind
from korlantas.lib import clock
from vehicles.models import (
    BpkbReplacementApplication,
    EndorsementApplication,
    MutationApplication,
    RenewalApplication,
    TransferApplication,
    Vehicle,
)

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application
    from documents.models import IssuedDocument

KIND = "stnk"
SUPERSEDE_REASON = "A new e-STNK was issued for this vehicle."

# Every vehicle service's detail row (``vehicles.selectors.APPLICATION_VEHICLE_ROWS``): an
# e-STNK's vehicle is that of its application.
_DETAIL_MODELS = (
    EndorsementApplication,
    RenewalApplication,
    TransferApplication,
    BpkbReplacementApplication,
    MutationApplication,
)


def _vehicle(document: IssuedDocument) -> Vehicle | None:
    from vehicles.selectors import vehicle_of_application

    if document.application is None:
        return None
    return vehicle_of_application(document.application)


def _required_vehicle(document: IssuedDocument) -> Vehicle:
    vehicle = _vehicle(document)
    if vehicle is None:
        raise ValueError(f"e-STNK {document.pk} names no vehicle")
    return vehicle


def plate_month_year(vehicle: Vehicle) -> str:
    """The month and year stamped on the plate: those of the STNK's validity (``MM.YY``)."""
    return f"{vehicle.stnk_valid_until:%m.%y}"


def estnk_context(document: IssuedDocument) -> Mapping[str, Any]:
    from documents.selectors import holder_name, masked_name

    vehicle = _required_vehicle(document)
    return {
        "plate": vehicle.plate_display,
        "plate_month_year": plate_month_year(vehicle),
        "plate_colour": vehicle.get_plate_colour_display(),
        "make": vehicle.make,
        "model": vehicle.model,
        "vehicle_type": vehicle.vehicle_type,
        "category": vehicle.get_category_display(),
        "engine_cc": vehicle.engine_cc,
        "colour": vehicle.colour,
        "year_made": vehicle.year_made,
        "fuel": vehicle.get_fuel_display(),
        "chassis_masked": vehicle.masked_chassis,
        "owner_masked": masked_name(holder_name(document)),
        "stnk_valid_until": vehicle.stnk_valid_until,
        "samsat_name": vehicle.registering_samsat.name,
        "issued_on": timezone.localdate(document.issued_at),
    }


def estnk_verification_fields(document: IssuedDocument) -> list[tuple[Label, Any]]:
    """Plate, validity, the registration's state: no owner, no NIK, no chassis number."""
    vehicle = _vehicle(document)
    if vehicle is None:
        return []
    in_force = clock.today() <= vehicle.stnk_valid_until
    return [
        (_("Plate"), vehicle.plate_display),
        (
            _("STNK valid until"),
            f"{vehicle.stnk_valid_until:%d-%m-%Y}" + ("" if in_force else f" ({_('expired')})"),
        ),
        (_("Registration"), vehicle.get_state_display()),
    ]


ESTNK = DocumentKind(
    code=KIND,
    name=_("Vehicle registration certificate (e-STNK)"),
    template_name="documents/pdf/stnk.html",
    page_size="A5",
    context=estnk_context,
    template_version="1",
    verification_fields=estnk_verification_fields,
    stylesheets=("documents/print.css", "documents/stnk.css"),
)


def previous_estnks(vehicle: Vehicle) -> list[IssuedDocument]:
    """The vehicle's valid e-STNKs (normally at most one), oldest first."""
    from documents.models import IssuedDocument

    of_vehicle = Q()
    for model in _DETAIL_MODELS:
        of_vehicle |= Q(application_id__in=model.objects.filter(vehicle=vehicle).values("application_id"))
    return list(
        IssuedDocument.objects.filter(of_vehicle, kind=KIND, status=IssuedDocument.Status.VALID).order_by(
            "issued_at", "pk"
        )
    )


def issue_estnk(*, application: Application, vehicle: Vehicle, actor: User | None) -> IssuedDocument:
    """In the caller's transaction (an ``issue`` listener): issue the e-STNK for ``vehicle`` as it
    now stands (plate, owner, validity), superseding the vehicle's previous valid e-STNK."""
    from documents.services import document_issue, document_supersede

    previous = [doc for doc in previous_estnks(vehicle) if doc.application_id != application.pk]
    document = document_issue(
        kind=KIND,
        application=application,
        holder=application.applicant,
        reference=application.reference,
        actor=actor,
    )
    for old in previous:
        if old.pk != document.pk:
            document_supersede(old=old, new=document, reason=SUPERSEDE_REASON, actor=actor)
    return document


def register() -> None:
    register_kind(ESTNK)
