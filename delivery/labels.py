"""The delivery documents (issue 9, points 2 and 4): the A6 parcel label and the courier's A4
manifest, two document kinds rendered by the documents pipeline (Celery ``render_document``).

* ``shipment_label`` — issued when the parcel is packed (``shipment_pack``), kept on
  ``Shipment.label_document``. It shows the label code big and as a QR code that encodes the
  label code's text itself (so any scanner, the couriers' and dispatchers' included, reads the
  code directly), the recipient, the address, the phone, the item, the application reference
  and the office. Holder: the applicant. It is issued with ``application=None``: an application
  may ship several items (an STNK and its plates), each with its own label, and the documents
  app allows one valid document per application and kind. The shipment is found from the
  document (``Shipment.label_document``).
* ``courier_manifest`` — issued when a run is created, and again (superseding the previous one)
  whenever the run changes (``delivery.dispatch``). Kept on ``CourierRun.manifest``. Holder: the
  courier; no application.

The public verification page of either document shows no name, address or phone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from applications.models import Application
from delivery import services
from delivery.models import CourierRun, Shipment
from documents import qr
from documents.registry import DocumentKind, InlineAsset, Label, register_kind

if TYPE_CHECKING:
    from documents.models import IssuedDocument

LABEL_KIND = "shipment_label"
MANIFEST_KIND = "courier_manifest"
LABEL_QR_ASSET = "label_qr"


# --- the label ----------------------------------------------------------------------------


def _shipment_of_label(document: IssuedDocument) -> Shipment:
    shipment = (
        Shipment.objects.select_related("application", "office", "regency")
        .filter(label_document_id=document.pk)
        .first()
    )
    if shipment is None:
        raise ValueError(f"label document {document.pk} belongs to no shipment")
    return shipment


def label_context(document: IssuedDocument) -> Mapping[str, Any]:
    shipment = _shipment_of_label(document)
    return {
        "label_code": shipment.label_code,
        "recipient_name": shipment.recipient_name,
        "address": shipment.address,
        "regency": shipment.regency.name if shipment.regency is not None else "",
        "postal_code": shipment.postal_code,
        "phone": shipment.phone,
        "item": shipment.get_item_display(),
        "application_reference": shipment.application.reference,
        "office_name": shipment.office.name,
        "office_address": shipment.office.street_address,
    }


def label_assets(document: IssuedDocument) -> Mapping[str, InlineAsset]:
    """The QR code of the label code's text (not of a URL): a scanner reads the code itself."""
    shipment = Shipment.objects.filter(label_document_id=document.pk).only("label_code").first()
    if shipment is None:
        raise ValueError(f"label document {document.pk} belongs to no shipment")
    return {LABEL_QR_ASSET: InlineAsset("image/png", qr.qr_png(shipment.label_code))}


def label_verification_fields(document: IssuedDocument) -> list[tuple[Label, Any]]:
    """The label code, the item and the office: never the recipient, address or phone."""
    shipment = Shipment.objects.select_related("office").filter(label_document_id=document.pk).first()
    if shipment is None:
        return []
    return [
        (_("Label code"), shipment.label_code),
        (_("Item"), shipment.get_item_display()),
        (_("Office"), shipment.office.name),
    ]


SHIPMENT_LABEL = DocumentKind(
    code=LABEL_KIND,
    name=_("Parcel label"),
    template_name="documents/pdf/shipment_label.html",
    page_size="A6",
    context=label_context,
    template_version="1",
    verification_fields=label_verification_fields,
    stylesheets=("documents/print.css", "documents/shipment_label.css"),
    assets=label_assets,
)


# --- the manifest -------------------------------------------------------------------------


def _run_of_manifest(document: IssuedDocument) -> CourierRun:
    run = CourierRun.objects.select_related("office", "courier").filter(manifest_id=document.pk).first()
    if run is None:
        raise ValueError(f"manifest {document.pk} belongs to no run")
    return run


def manifest_context(document: IssuedDocument) -> Mapping[str, Any]:
    run = _run_of_manifest(document)
    shipments = (
        Shipment.objects.filter(run_id=run.pk)
        .select_related("application", "regency")
        .order_by("run_position", "pk")
    )
    return {
        "run_date": run.run_date,
        "courier": run.courier.email,
        "office_name": run.office.name,
        "office_address": run.office.street_address,
        "rows": [
            {
                "position": shipment.run_position,
                "label_code": shipment.label_code,
                "item": shipment.get_item_display(),
                "application_reference": shipment.application.reference,
                "recipient_name": shipment.recipient_name,
                "address": shipment.address,
                "regency": shipment.regency.name if shipment.regency is not None else "",
                "postal_code": shipment.postal_code,
                "phone": shipment.phone,
            }
            for shipment in shipments
        ],
    }


def manifest_verification_fields(document: IssuedDocument) -> list[tuple[Label, Any]]:
    """The run's date, office and number of parcels: no recipient."""
    run = CourierRun.objects.select_related("office").filter(manifest_id=document.pk).first()
    if run is None:
        return []
    return [
        (_("Run date"), f"{run.run_date:%d-%m-%Y}"),
        (_("Office"), run.office.name),
        (_("Parcels"), Shipment.objects.filter(run_id=run.pk).count()),
    ]


COURIER_MANIFEST = DocumentKind(
    code=MANIFEST_KIND,
    name=_("Courier run manifest"),
    template_name="documents/pdf/courier_manifest.html",
    page_size="A4",
    context=manifest_context,
    template_version="1",
    verification_fields=manifest_verification_fields,
    stylesheets=("documents/print.css", "documents/courier_manifest.css"),
)


# --- packing issues the label -------------------------------------------------------------


def shipment_pack(*, shipment_id: int, actor: User) -> Shipment:
    """Mark the parcel packed (``services.shipment_mark_packed``: only a printed item) and issue
    its label, in one transaction; the label's PDF is rendered after commit. Idempotent: a
    packed parcel keeps its label. Raises ``services.ShipmentRefused``."""
    from documents.services import document_issue

    with transaction.atomic():
        shipment = services.shipment_mark_packed(shipment_id=shipment_id, actor=actor)
        if shipment.label_document_id is None:
            applicant_id = (
                Application.objects.filter(pk=shipment.application_id)
                .values_list("applicant_id", flat=True)
                .get()
            )
            applicant = User.objects.get(pk=applicant_id)
            document = document_issue(
                kind=LABEL_KIND,
                application=None,
                holder=applicant,
                reference=shipment.label_code,
                actor=actor,
            )
            shipment.label_document = document
            shipment.save(update_fields=["label_document"])
    return shipment


def register() -> None:
    register_kind(SHIPMENT_LABEL)
    register_kind(COURIER_MANIFEST)
