"""The e-SIM card: the document kind ``sim_card`` (card size, front and back).

One card per licence row (DOMAIN.md §1.8: a separate row, and a separate card, per class),
issued by ``licensing.issuance`` when a SIM application is issued and rendered by the
documents app on the ``pdf`` queue.

* Front: the photo of the application, the holder's name as on the e-KTP, the licence number
  — on the holder's own card the whole number (since 25 July 2024 the holder's NIK), decrypted
  here for this rendering only —, the class and what it covers, issue and expiry dates, the
  issuing office. Captions are Indonesian with English below, like the 2024 card.
* Back: the QR code of the public verification page, the document's reference, what the class
  covers, and the validity rule.

The public verification page shows the class, the expiry date, the licence's state, the issuing
office and the number **masked** — never the NIK, the whole number, a birth date or the photo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import CitizenProfile
from applications.models import Attachment
from documents.registry import DocumentKind, InlineAsset, Label, register_kind
from licensing.classes import class_description
from licensing.models import Licence, SimApplication, SimClass
from licensing.services import licence_number

if TYPE_CHECKING:
    from documents.models import IssuedDocument

KIND = "sim_card"
PHOTO_ASSET = "photo"


def licence_of_document(document: IssuedDocument) -> Licence | None:
    """The licence the card is for (``Licence.document``); before the link is written, the
    licence its application issued."""
    licence = Licence.objects.select_related("issuing_office").filter(document=document).first()
    if licence is None and document.application_id is not None:
        licence = (
            Licence.objects.select_related("issuing_office")
            .filter(application_id=document.application_id)
            .order_by("-pk")
            .first()
        )
    return licence


def _required_licence(document: IssuedDocument) -> Licence:
    licence = licence_of_document(document)
    if licence is None:
        raise ValueError(f"SIM card {document.pk} has no licence")
    return licence


def grouped_number(number: str) -> str:
    """``3171 0145 0790 0003``: groups of four, as printed on the card."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def class_name(sim_class: str) -> str:
    return str(SimClass(sim_class).label) if sim_class in SimClass.values else sim_class


def _base_class(document: IssuedDocument, licence: Licence) -> str:
    """For an international SIM, the class of the national licence it is based on."""
    if licence.sim_class != SimClass.INTERNATIONAL or document.application_id is None:
        return ""
    sim = (
        SimApplication.objects.select_related("licence")
        .filter(application_id=document.application_id)
        .first()
    )
    return sim.licence.sim_class if sim is not None and sim.licence is not None else ""


def sim_card_context(document: IssuedDocument) -> Mapping[str, Any]:
    licence = _required_licence(document)
    profile = CitizenProfile.objects.filter(user_id=document.holder_id).only("full_name").first()
    base_class = _base_class(document, licence)
    international = licence.sim_class == SimClass.INTERNATIONAL
    covers: str | Promise = class_description(
        base_class if international and base_class else licence.sim_class
    )
    return {
        "holder_name": (profile.full_name if profile is not None else "").upper(),
        "international": international,
        "class_code": "INT" if international else class_name(licence.sim_class),
        "class_name": class_name(base_class) if international else class_name(licence.sim_class),
        "covers": covers,
        "number": grouped_number(licence_number(licence)),
        "issued_on": licence.issued_on,
        "expires_on": licence.expires_on,
        "validity_years": 3 if international else 5,
        "office_name": licence.issuing_office.name if licence.issuing_office is not None else "",
    }


def sim_card_assets(document: IssuedDocument) -> Mapping[str, InlineAsset]:
    """The applicant's photo (normalised by the upload checks to JPEG or PNG)."""
    if document.application_id is None:
        return {}
    photo = (
        Attachment.objects.filter(application_id=document.application_id, kind=Attachment.Kind.PHOTO)
        .order_by("-created_at", "-pk")
        .first()
    )
    if photo is None or photo.content_type not in ("image/jpeg", "image/png"):
        return {}
    with photo.file.open("rb") as file:
        data = file.read()
    return {PHOTO_ASSET: InlineAsset(photo.content_type, data)}


def sim_card_verification_fields(document: IssuedDocument) -> list[tuple[Label, Any]]:
    """What anyone holding the QR code may see: no NIK, no whole number, no photo."""
    licence = licence_of_document(document)
    if licence is None:
        return []
    base_class = _base_class(document, licence)
    if licence.sim_class == SimClass.INTERNATIONAL:
        label = f"SIM Internasional ({class_name(base_class)})" if base_class else "SIM Internasional"
    else:
        label = f"SIM {class_name(licence.sim_class)}"
    expires_on: dt.date = licence.expires_on
    return [
        (_("Class"), label),
        (_("Valid until"), expires_on),
        (_("Licence state"), licence.get_state_display()),
        (_("Issuing office"), licence.issuing_office.name if licence.issuing_office is not None else "—"),
        (_("Licence number"), licence.masked_number),
    ]


SIM_CARD = DocumentKind(
    code=KIND,
    name=_("Driving licence (e-SIM)"),
    template_name="documents/pdf/sim_card.html",
    page_size="85.6mm 54mm",
    context=sim_card_context,
    template_version="1",
    verification_fields=sim_card_verification_fields,
    stylesheets=("documents/sim_card.css",),
    assets=sim_card_assets,
)


def register() -> None:
    """Called once from LicensingConfig.ready()."""
    register_kind(SIM_CARD)
