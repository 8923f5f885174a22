"""The reads behind a citizen's data export: everything the portal holds about one account.

Each kind of record costs a fixed number of queries, whatever the number of rows (prefetching
per kind), so the export of 1 application and of 50 costs the same (tests/privacy/test_export.py).

What the export holds is documented in docs/privacy.md. In short: the profile with the whole
NIK (it is the citizen's own data), applications with their history, details, bills, payments,
refunds, shipments and tracking, the issued documents with their verification log, the audit
events about the account and its records, the licences and vehicles registered to the verified
NIK (through ``accounts.selectors.verified_nik_index``, the one door), and the messages sent.

Staff appear as their role and office ("officer at Satpas Polres X"), never by name, e-mail or
id: the citizen learns which office looked at their data and when, and staff keep their own
personal data. Ids are public ids and references only, never primary keys.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Prefetch, Q

from accounts.models import CitizenProfile, User
from accounts.roles import STAFF_ROLES
from accounts.selectors import verified_nik_index
from applications.appointments import BOOKING_OBJECT_TYPE
from applications.models import Application, Attachment, Booking, StatusChange
from applications.services import ATTACHMENT_OBJECT_TYPE, OBJECT_TYPE
from audit.actions import AuditAction
from audit.models import AuditEvent
from delivery.models import Shipment, TrackingEvent
from delivery.services import OBJECT_TYPE as SHIPMENT_OBJECT_TYPE
from documents.models import IssuedDocument, Verification
from documents.services import OBJECT_TYPE as DOCUMENT_OBJECT_TYPE
from licensing.models import Licence
from licensing.services import licence_number
from notifications.models import Message
from offices.models import Office
from payments.models import Bill, BillLine, Payment, Refund
from payments.refunds import OBJECT_TYPE as REFUND_OBJECT_TYPE
from vehicles.models import Vehicle

PROFILE_OBJECT_TYPE = "accounts.citizenprofile"
USER_OBJECT_TYPE = "accounts.user"

# The per-service detail rows (one-to-one with the application) of the SIM and vehicle services.
DETAIL_APPS = ("licensing", "vehicles")
# Fields never exported from a detail row: keys, hashes, ciphertexts, internal links.
SECRET_SUFFIXES = ("_ciphertext", "_index", "_hash", "_digest")


def detail_accessors() -> list[str]:
    return sorted(
        rel.get_accessor_name() or ""
        for rel in Application._meta.related_objects
        if rel.one_to_one and rel.related_model._meta.app_label in DETAIL_APPS
    )


def plain(value: Any) -> Any:
    """A JSON-friendly value: ISO times and dates, UUIDs as text."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def row_fields(row: models.Model) -> dict[str, Any]:
    """A detail row's own values: no primary key, no relation, nothing secret."""
    data: dict[str, Any] = {}
    for model_field in row._meta.concrete_fields:
        if model_field.primary_key or model_field.is_relation or model_field.name in ("id", "pk"):
            continue
        if model_field.name.endswith(SECRET_SUFFIXES):
            continue
        data[model_field.name] = plain(getattr(row, model_field.attname))
    return data


@dataclass
class Export:
    profile: dict[str, Any]
    applications: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    document_files: list[tuple[str, IssuedDocument]]
    access_log: list[dict[str, Any]]
    licences: list[dict[str, Any]]
    vehicles: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)


def _profile(user: User) -> tuple[dict[str, Any], CitizenProfile | None]:
    profile = CitizenProfile.objects.select_related("province", "regency").filter(user=user).first()
    data: dict[str, Any] = {
        "account": {
            "public_id": str(user.public_id),
            "email": user.email,
            "language": user.language,
            "date_joined": plain(user.date_joined),
        },
        "profile": None,
    }
    if profile is not None:
        data["profile"] = {
            "nik": profile.nik,
            "full_name": profile.full_name,
            "birth_place": profile.birth_place,
            "birth_date": plain(profile.birth_date),
            "sex": profile.sex,
            "address": profile.address,
            "regency": profile.regency.name,
            "province": profile.province.name,
            "postal_code": profile.postal_code,
            "phone": profile.phone,
            "phone_verified_at": plain(profile.phone_verified_at),
            "identity_state": profile.identity_state,
            "identity_method": profile.identity_method,
            "identity_verified_at": plain(profile.identity_verified_at),
            "created_at": plain(profile.created_at),
            "updated_at": plain(profile.updated_at),
        }
    return data, profile


def _applications(user: User) -> list[Application]:
    accessors = detail_accessors()
    return list(
        Application.objects.filter(applicant=user)
        .select_related("handling_office", *accessors)
        .prefetch_related(
            Prefetch("status_changes", queryset=StatusChange.objects.order_by("occurred_at", "pk")),
            Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "pk")),
            Prefetch(
                "bookings", queryset=Booking.objects.select_related("slot").order_by("created_at", "pk")
            ),
            Prefetch(
                "bills",
                queryset=Bill.objects.order_by("issued_at", "pk").prefetch_related(
                    Prefetch("lines", queryset=BillLine.objects.order_by("position", "pk")),
                    Prefetch("payments", queryset=Payment.objects.order_by("received_at", "pk")),
                ),
            ),
            Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "pk")),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("regency")
                .order_by("created_at", "pk")
                .prefetch_related(
                    Prefetch("tracking_events", queryset=TrackingEvent.objects.order_by("occurred_at", "pk"))
                ),
            ),
        )
        .order_by("created_at", "pk")
    )


def _application_data(application: Application) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for accessor in detail_accessors():
        try:
            row = getattr(application, accessor)
        except ObjectDoesNotExist:
            continue
        if row is not None:
            details = row_fields(row)
    return {
        "public_id": str(application.public_id),
        "reference": application.reference,
        "service": application.service_code,
        "subject": application.subject,
        "status": application.status,
        "handling_office": application.handling_office.name if application.handling_office else None,
        "delivery_choice": application.delivery_choice,
        "created_at": plain(application.created_at),
        "submitted_at": plain(application.submitted_at),
        "paid_at": plain(application.paid_at),
        "decided_at": plain(application.decided_at),
        "issued_at": plain(application.issued_at),
        "completed_at": plain(application.completed_at),
        "due_date": plain(application.due_date),
        "details": details,
        "status_history": [
            {
                "action": change.action,
                "from": change.from_status,
                "to": change.to_status,
                "by": change.actor_role or "system",
                "note": change.note,
                "reason": change.reason,
                "at": plain(change.occurred_at),
            }
            for change in application.status_changes.all()
        ],
        "uploads": [
            {
                "public_id": str(attachment.public_id),
                "kind": attachment.kind,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "uploaded_at": plain(attachment.created_at),
            }
            for attachment in application.attachments.all()
        ],
        "appointments": [
            {
                "public_id": str(booking.public_id),
                "starts_at": plain(getattr(booking.slot, "starts_at", None)),
                "state": booking.state,
                "outcome": booking.outcome,
                "booked_at": plain(booking.created_at),
            }
            for booking in application.bookings.all()
        ],
        "bills": [
            {
                "public_id": str(bill.public_id),
                "billing_code": bill.billing_code,
                "total": bill.total,
                "state": bill.state,
                "issued_at": plain(bill.issued_at),
                "expires_at": plain(bill.expires_at),
                "paid_at": plain(bill.paid_at),
                "lines": [
                    {
                        "kind": line.kind,
                        "item": line.label,
                        "item_params": plain(line.label_params),
                        "quantity": line.quantity,
                        "unit_amount": line.unit_amount,
                        "amount": line.amount,
                    }
                    for line in bill.lines.all()
                ],
                "payments": [
                    {
                        "public_id": str(payment.public_id),
                        "bank_reference": payment.gateway_reference,
                        "amount": payment.amount,
                        "paid_at": plain(payment.paid_at),
                        "received_at": plain(payment.received_at),
                        "disposition": payment.disposition,
                    }
                    for payment in bill.payments.all()
                ],
            }
            for bill in application.bills.all()
        ],
        "refunds": [
            {
                "public_id": str(refund.public_id),
                "amount": refund.amount,
                "reason": refund.reason,
                "state": refund.state,
                "bank": refund.bank,
                "account_last4": refund.account_number_last4,
                "account_holder": refund.account_holder,
                "created_at": plain(refund.created_at),
                "paid_at": plain(refund.paid_at),
            }
            for refund in application.refunds.all()
        ],
        "shipments": [
            {
                "public_id": str(shipment.public_id),
                "item": shipment.item,
                "label_code": shipment.label_code,
                "status": shipment.status,
                "recipient": shipment.recipient_name,
                "address": shipment.address,
                "regency": shipment.regency.name if shipment.regency else None,
                "postal_code": shipment.postal_code,
                "phone": shipment.phone,
                "preferred_date": plain(shipment.preferred_date),
                "attempts": shipment.attempts,
                "received_by": shipment.received_by_name,
                "handed_over_at": plain(shipment.handed_over_at),
                "tracking": [
                    {
                        "action": event.action,
                        "from": event.from_status,
                        "to": event.to_status,
                        "by": event.actor_role or "system",
                        "place": event.place,
                        "reason": event.reason_code,
                        "note": event.note,
                        "at": plain(event.occurred_at),
                    }
                    for event in shipment.tracking_events.all()
                ],
            }
            for shipment in application.shipments.all()
        ],
    }


def _documents(user: User) -> list[IssuedDocument]:
    return list(
        IssuedDocument.objects.filter(holder=user)
        .select_related("application")
        .prefetch_related(
            Prefetch("verifications", queryset=Verification.objects.order_by("verified_at", "pk"))
        )
        .order_by("issued_at", "pk")
    )


def _document_data(document: IssuedDocument, pdf_name: str | None) -> dict[str, Any]:
    return {
        "public_id": str(document.public_id),
        "kind": document.kind,
        "reference": document.reference,
        "application": document.application.reference if document.application else None,
        "status": document.status,
        "status_reason": document.status_reason,
        "issued_at": plain(document.issued_at),
        "rendered_at": plain(document.rendered_at),
        "sha256": document.sha256,
        "pdf": pdf_name,
        "verifications": [
            {"at": plain(v.verified_at), "network": v.network, "client": v.client}
            for v in document.verifications.all()
        ],
    }


def _access_log(
    user: User,
    profile: CitizenProfile | None,
    applications: list[Application],
    documents: list[IssuedDocument],
) -> list[dict[str, Any]]:
    """The audit events about the account and its records, and those of the citizen's own doing.

    Not included (docs/privacy.md): an officer's look-up by NIK, which the trail records without
    naming the person found.
    """
    objects: dict[str, set[str]] = {
        USER_OBJECT_TYPE: {str(user.public_id)},
        OBJECT_TYPE: set(),
        ATTACHMENT_OBJECT_TYPE: set(),
        BOOKING_OBJECT_TYPE: set(),
        SHIPMENT_OBJECT_TYPE: set(),
        REFUND_OBJECT_TYPE: set(),
        DOCUMENT_OBJECT_TYPE: {str(d.public_id) for d in documents},
        PROFILE_OBJECT_TYPE: {str(profile.pk)} if profile is not None else set(),
    }
    for application in applications:
        objects[OBJECT_TYPE].add(str(application.public_id))
        objects[ATTACHMENT_OBJECT_TYPE].update(str(a.public_id) for a in application.attachments.all())
        objects[BOOKING_OBJECT_TYPE].update(str(b.public_id) for b in application.bookings.all())
        objects[SHIPMENT_OBJECT_TYPE].update(str(s.public_id) for s in application.shipments.all())
        objects[REFUND_OBJECT_TYPE].update(str(r.public_id) for r in application.refunds.all())
    where = Q(actor_id=user.pk)
    for object_type, ids in objects.items():
        if ids:
            where |= Q(object_type=object_type, object_id__in=sorted(ids))
    events = list(AuditEvent.objects.filter(where).order_by("occurred_at", "pk"))

    staff_ids = {e.actor_id for e in events if e.actor_id is not None and e.actor_id != user.pk}
    roles_by_actor: dict[int, list[str]] = {}
    if staff_ids:
        roles_by_actor = dict(
            User.objects.filter(pk__in=staff_ids)
            .annotate(
                role_names=ArrayAgg(
                    "groups__name", filter=Q(groups__name__in=STAFF_ROLES), distinct=True, default=[]
                )
            )
            .values_list("pk", "role_names")
        )
    office_ids = {e.office_id for e in events if e.office_id is not None}
    offices = dict(Office.objects.filter(pk__in=office_ids).values_list("pk", "name")) if office_ids else {}

    rows = []
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        if event.actor_id is None:
            who = "system"
        elif event.actor_id == user.pk:
            who = "you"
        else:
            recorded = details.get("role")
            role = (
                recorded
                if isinstance(recorded, str) and recorded
                else ", ".join(sorted(roles_by_actor.get(event.actor_id, [])))
            )
            role = role or "staff"
            office = offices.get(event.office_id) if event.office_id is not None else None
            who = f"{role} at {office}" if office else role
        label = AuditAction(event.action).label if event.action in AuditAction.values else event.action
        rows.append(
            {
                "at": plain(event.occurred_at),
                "action": event.action,
                "action_label": str(label),
                "by": who,
                "object_type": event.object_type,
                "object_id": event.object_id if event.object_type != PROFILE_OBJECT_TYPE else "",
                # The citizen's own address is theirs; staff addresses stay out.
                "ip": event.ip if event.actor_id == user.pk else None,
                "what": details.get("field") or details.get("kind") or "",
            }
        )
    return rows


def _registries(user: User) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    index = verified_nik_index(user)
    if index is None:
        return [], []
    licences = [
        {
            "public_id": str(licence.public_id),
            "class": licence.sim_class,
            "number": licence_number(licence),
            "issued_on": plain(licence.issued_on),
            "expires_on": plain(licence.expires_on),
            "state": licence.state,
            "issuing_office": licence.issuing_office.name if licence.issuing_office else None,
        }
        for licence in Licence.objects.filter(holder_nik_index=index)
        .select_related("issuing_office")
        .order_by("issued_on", "pk")
    ]
    vehicles = [
        {
            "public_id": str(vehicle.public_id),
            "plate": vehicle.plate_display,
            "make": vehicle.make,
            "model": vehicle.model,
            "category": vehicle.category,
            "colour": vehicle.colour,
            "year_made": vehicle.year_made,
            "chassis_number": vehicle.chassis_number,
            "engine_number": vehicle.engine_number,
            "stnk_valid_until": plain(vehicle.stnk_valid_until),
            "last_endorsed_on": plain(vehicle.last_endorsed_on),
            "bpkb_number": vehicle.bpkb_number,
            "state": vehicle.state,
        }
        for vehicle in Vehicle.objects.filter(owner_nik_index=index).order_by("plate_normalised", "pk")
    ]
    return licences, vehicles


def _notifications(user: User) -> list[dict[str, Any]]:
    return [
        {
            "public_id": str(message.public_id),
            "channel": message.channel,
            "template": message.template_key,
            "language": message.language,
            "state": message.state,
            "created_at": plain(message.created_at),
            "sent_at": plain(message.sent_at),
            "subject": message.subject,
            "text": message.body,
            "read_at": plain(message.read_at),
        }
        for message in Message.objects.filter(recipient=user).order_by("created_at", "pk")
    ]


def pdf_name(document: IssuedDocument) -> str:
    return f"documents/{document.kind}-{document.public_id}.pdf"


def export_of(user: User) -> Export:
    """Everything the export holds about ``user``: a fixed number of queries per kind of record."""
    profile_data, profile = _profile(user)
    applications = _applications(user)
    documents = _documents(user)
    with_files = [(pdf_name(d), d) for d in documents if d.file]
    file_names = {d.pk: name for name, d in with_files}
    licences, vehicles = _registries(user)
    export = Export(
        profile=profile_data,
        applications=[_application_data(a) for a in applications],
        documents=[_document_data(d, file_names.get(d.pk)) for d in documents],
        document_files=with_files,
        access_log=_access_log(user, profile, applications, documents),
        licences=licences,
        vehicles=vehicles,
        notifications=_notifications(user),
    )
    export.counts = {
        "applications": len(export.applications),
        "documents": len(export.documents),
        "access_events": len(export.access_log),
        "licences": len(licences),
        "vehicles": len(vehicles),
        "messages": len(export.notifications),
    }
    return export
