"""Collection at the office, returns, the citizen's reschedule (issue 9, points 7 and 8).

* ``shipment_collect`` — an officer, dispatcher or supervisor of the office hands the item over
  (``collect``, through ``delivery.services.shipment_transition``). The collector is the holder
  — the NIK typed from their KTP is compared by blind index with the holder's profile, never
  stored or logged — or a proxy with an authorisation letter (``supporting`` upload: PDF or
  image, checked by ``applications.uploads``), kept in ``Shipment.proxy_letter``, its SHA-256
  audited. The ``collector_verified`` guard and the ``collect`` effect are registered here.
* ``shipment_scan_in`` — the dispatcher scans a returned parcel back in by its label code
  (``return_to_office``).
* ``shipment_reschedule`` — between attempts the holder asks for a day (1 to 7 working days
  ahead): ``Shipment.preferred_date`` and a ``rescheduled`` tracking event (a fact, not a state).
* ``collection_notice_send`` — "ready for collection at <office>, bring your KTP", once per
  shipment, when it waits at the office *and* the item is printed and packed (a shipment switched
  to collection before printing is told when it is; the hourly job catches those up).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import DISPATCHER, OFFICER, SUPERVISOR
from accounts.services import nik_index
from applications.models import Application
from applications.uploads import CleanFile, UploadRejected, validate_and_normalise
from audit.services import audit_record
from delivery import services
from delivery.models import Relation, Shipment, TrackingEvent
from delivery.services import OBJECT_TYPE, Reason, ShipmentRefused, StepContext
from delivery.workflow import AWAITING_COLLECTION, CITIZEN
from korlantas.lib import clock
from notifications.services import notify
from offices import workdays

logger = logging.getLogger("korlantas.delivery")

HOLDER = "holder"
PROXY = "proxy"
LETTER_KIND = "supporting"  # applications.uploads: a PDF or an image
RESCHEDULE_MAX_WORKING_DAYS = 7
UNCOLLECTED_AFTER = dt.timedelta(days=30)
# Roles at the collection desk (the ``collect`` step's actors).
DESK_ROLES = (OFFICER, DISPATCHER, SUPERVISOR)

# Tracking actions of facts recorded here (not states).
RESCHEDULED = "rescheduled"
COLLECTION_NOTICE = "collection_notice"

READY_KEY = "shipment_ready_for_collection"
RETURNED_KEY = "shipment_returned"


# --- who collects -------------------------------------------------------------------------


@dataclass(frozen=True)
class Collector:
    """What the counter recorded. ``nik`` (holder) is only compared, never kept."""

    kind: str  # HOLDER or PROXY
    nik: str = ""
    proxy_name: str = ""
    letter: Any = None  # the uploaded file (proxy)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


NIK_MISSING = _("Type the 16-digit NIK from the collector's KTP.")
NIK_MISMATCH = _(
    "The NIK on this KTP is not the holder's. Hand the item over only to the holder, "
    "or to a proxy with an authorisation letter."
)
PROXY_NAME_MISSING = _("Type the proxy's name as on their KTP.")
LETTER_MISSING = _("Upload the holder's authorisation letter.")


def field_of_reason() -> dict[str, str]:
    """Which form field a guard's reason is about (in the current language)."""
    return {
        str(NIK_MISSING): "nik",
        str(NIK_MISMATCH): "nik",
        str(PROXY_NAME_MISSING): "proxy_name",
        str(LETTER_MISSING): "letter",
    }


def _collector_verified(context: StepContext) -> list[Reason]:
    """``collect`` guard: the holder's NIK matches, or a named proxy brings a checked letter."""
    kind = context.data.get("collector")
    if kind == HOLDER:
        typed = _digits(str(context.data.get("nik", "")))
        if len(typed) != 16:
            return [NIK_MISSING]
        expected = (
            Application.objects.filter(pk=context.shipment.application_id)
            .values_list("applicant__citizen_profile__nik_index", flat=True)
            .first()
        )
        if not expected or nik_index(typed) != expected:
            return [NIK_MISMATCH]
        return []
    if kind == PROXY:
        reasons: list[Reason] = []
        if not str(context.data.get("proxy_name", "")).strip():
            reasons.append(PROXY_NAME_MISSING)
        if not isinstance(context.data.get("letter"), CleanFile):
            reasons.append(LETTER_MISSING)
        return reasons
    return [_("Say who collects: the holder or a proxy.")]


def _record_collector(context: StepContext) -> list[str]:
    """``collect`` effect: who received it; a proxy's letter is stored (the client's name is not)."""
    shipment = context.shipment
    if context.data.get("collector") == HOLDER:
        shipment.received_by_name = shipment.recipient_name
        shipment.received_relation = Relation.HOLDER
        return ["received_by_name", "received_relation"]
    letter = context.data.get("letter")
    if context.data.get("collector") != PROXY or not isinstance(letter, CleanFile):
        return []  # only reached when the guard was bypassed (a test of the core): nothing to record
    shipment.received_by_name = str(context.data["proxy_name"]).strip()[:100]
    shipment.received_relation = Relation.FAMILY
    shipment.proxy_letter.save(f"letter.{letter.extension}", ContentFile(letter.content), save=False)
    return ["received_by_name", "received_relation", "proxy_letter"]


def shipment_collect(
    *, shipment_id: int, actor: User, collector: Collector, expected_version: int | None = None
) -> Shipment:
    """Hand a waiting item over at the counter. Raises ``ShipmentRefused`` (nothing saved);
    a rejected letter is refused with the upload's message under the code ``letter``."""
    data: dict[str, Any] = {"collector": collector.kind}
    if collector.kind == HOLDER:
        data["nik"] = collector.nik
    elif collector.kind == PROXY:
        data["proxy_name"] = collector.proxy_name
        if collector.letter is not None:
            try:
                data["letter"] = validate_and_normalise(collector.letter, kind=LETTER_KIND)
            except UploadRejected as rejected:
                raise ShipmentRefused(
                    "letter", [message for _code, message in rejected.problems]
                ) from rejected
    with transaction.atomic():
        shipment = services.shipment_transition(
            shipment_id=shipment_id,
            action="collect",
            actor=actor,
            expected_version=expected_version,
            data=data,
        )
        details: dict[str, object] = {"collector": collector.kind}
        if collector.kind == PROXY:
            details["letter_sha256"] = data["letter"].sha256
        audit_record(
            action="shipment.collector_verified",
            actor_id=actor.pk,
            object_type=OBJECT_TYPE,
            object_id=str(shipment.public_id),
            details=details,
            office_id=shipment.office_id,
        )
    logger.info("shipment %s collected by the %s", shipment.pk, collector.kind)
    return shipment


def shipment_scan_in(*, shipment_id: int, actor: User, label_code: str) -> Shipment:
    """The dispatcher scans a parcel back in after its last attempt (``return_to_office``)."""
    return services.shipment_transition(
        shipment_id=shipment_id, action="return_to_office", actor=actor, data={"label_code": label_code}
    )


def shipment_by_label(*, label_code: str) -> Shipment | None:
    code = label_code.strip().upper().replace("-", "").replace(" ", "")
    return Shipment.objects.filter(label_code=code).first() if code else None


# --- reschedule ---------------------------------------------------------------------------


def reschedule_window(today: dt.date | None = None) -> list[dt.date]:
    """The days a holder may ask for: the next 1 to 7 working days."""
    today = today if today is not None else clock.today()
    last = workdays.add_working_days(today, RESCHEDULE_MAX_WORKING_DAYS)
    days = []
    day = today + dt.timedelta(days=1)
    while day <= last:
        if workdays.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def shipment_reschedule(*, shipment_id: int, actor: User, preferred_date: dt.date) -> Shipment:
    """The holder asks for the next attempt on ``preferred_date`` (between attempts only)."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",)).select_related("application").get(pk=shipment_id)
        )
        if shipment.application.applicant_id != actor.pk:  # only the holder; to anyone else it does not exist
            raise ShipmentRefused("not_found", [_("This shipment does not exist.")])
        if shipment.status != "failed_attempt":
            raise ShipmentRefused(
                "wrong_state", [_("A new day can be chosen only after a missed delivery attempt.")]
            )
        if preferred_date not in reschedule_window():
            raise ShipmentRefused("date", [_("Choose one of the next 7 working days.")])
        shipment.preferred_date = preferred_date
        shipment.version += 1
        shipment.save(update_fields=["preferred_date", "version"])
        TrackingEvent.objects.create(
            shipment=shipment,
            action=RESCHEDULED,
            actor_id=actor.pk,
            actor_role=CITIZEN,
            note=preferred_date.isoformat(),
        )
        audit_record(
            action="shipment.rescheduled",
            actor_id=actor.pk,
            object_type=OBJECT_TYPE,
            object_id=str(shipment.public_id),
            details={"preferred_date": preferred_date.isoformat()},
            office_id=shipment.office_id,
        )
    return shipment


# --- telling the holder to come -------------------------------------------------------------


def collection_notice_send(shipment: Shipment) -> bool:
    """Once per shipment, in the caller's transaction: "ready for collection" (or "returned")
    when it waits at the office and the item is printed and packed. True if sent now."""
    if (
        shipment.status not in AWAITING_COLLECTION
        or shipment.printed_at is None
        or shipment.packed_at is None
    ):
        return False
    if TrackingEvent.objects.filter(shipment_id=shipment.pk, action=COLLECTION_NOTICE).exists():
        return False
    key = RETURNED_KEY if shipment.status == "returned_to_office" else READY_KEY
    TrackingEvent.objects.create(shipment=shipment, action=COLLECTION_NOTICE, actor_role="system")
    applicant_id = shipment.application.applicant_id
    notify(recipient=applicant_id, template_key=key, context_ids={"shipment_id": shipment.pk})
    return True


def collection_notices_catch_up() -> int:
    """Hourly: notices of shipments switched to collection before they were printed."""
    sent = 0
    candidates = (
        Shipment.objects.filter(
            status__in=AWAITING_COLLECTION, printed_at__isnull=False, packed_at__isnull=False
        )
        .exclude(tracking_events__action=COLLECTION_NOTICE)
        .values_list("pk", flat=True)
    )
    for shipment_id in list(candidates):
        with transaction.atomic():
            shipment = (
                Shipment.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("application")
                .filter(pk=shipment_id)
                .first()
            )
            if shipment is not None and collection_notice_send(shipment):
                sent += 1
    return sent


def register() -> None:
    """Guards and effects of ``collect`` (called from ``delivery.citizen.register``)."""
    services.register_guard("collector_verified", _collector_verified)
    services.register_effect("collect", _record_collector)
