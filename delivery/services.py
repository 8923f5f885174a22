"""Every write to a shipment (DESIGN §6; issue 9).

* ``shipments_create_on_issue`` — the ``issue`` listener (in the transaction): one shipment per
  item the service ships (``delivery.items``), addressed from the citizen's profile; a
  collection choice goes straight to ``ready_for_collection``. A service that ships nothing, or
  a digital-only choice, leaves the application to its service (which completes it).
* ``shipment_transition`` — THE function that changes ``Shipment.status``: it locks the row,
  checks the version, the actor's role and scope, the workflow table and its guards, applies
  the step, records a ``TrackingEvent`` and an audit event, and completes the application
  once every shipment of it has ended.
* Facts that are not states (each a tracking event): ``shipment_mark_printed``,
  ``shipment_mark_packed``, ``shipment_confirm_address``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import CitizenProfile, StaffMembership, User
from accounts.roles import COURIER, DISPATCHER, OFFICER, SUPERVISOR, roles_of
from applications import events
from applications.models import Application
from applications.registry import DeliveryChoice
from applications.services import application_transition
from audit.services import audit_record
from delivery import items
from delivery.models import Shipment, TrackingEvent
from delivery.workflow import CITIZEN, MAX_ATTEMPTS, SHIPMENT_WORKFLOW, SYSTEM, TERMINAL
from korlantas.lib import clock
from korlantas.lib.workflow import IllegalTransition

logger = logging.getLogger("korlantas.delivery")

Reason = str | Promise
OBJECT_TYPE = "shipment"
LABEL_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no 0/O, 1/I, 2/Z, 5/S, 8/B look-alikes
LABEL_LENGTH = 10


class ShipmentRefused(Exception):
    """The step is not allowed now. ``code`` says which rule; ``reasons`` are for people."""

    def __init__(self, code: str, reasons: list[Reason]) -> None:
        super().__init__(code, reasons)
        self.code = code
        self.reasons = reasons


class StaleShipment(ShipmentRefused):
    def __init__(self) -> None:
        super().__init__("stale", [_("Someone else changed this shipment meanwhile. Reload the page.")])


_WORKFLOW_MESSAGES: dict[str, Reason] = {
    "unknown_action": _("This step does not exist."),
    "wrong_state": _("This step is not possible in the shipment's current state."),
    "not_allowed_for_actor": _("You may not take this step."),
}


# --- creating shipments -----------------------------------------------------------------


def new_label_code() -> str:
    return "".join(secrets.choice(LABEL_ALPHABET) for _ in range(LABEL_LENGTH))


def shipments_create_on_issue(event: events.TransitionEvent) -> None:
    """``issue`` listener (in the transaction): the application's shipments, once."""
    application = event.application
    if application.delivery_choice not in (DeliveryChoice.COURIER, DeliveryChoice.COLLECTION):
        return
    wanted = items.items_for(application)
    if not wanted:
        return
    profile = CitizenProfile.objects.filter(user_id=application.applicant_id).first()
    office = application.handling_office
    if office is None:  # an issued application always has one; fail loudly if not
        raise RuntimeError(f"application {application.pk} is issued without a handling office")
    documents = _documents_by_item(application)
    for item in wanted:
        if Shipment.objects.filter(application=application, item=item).exists():
            continue
        shipment = Shipment.objects.create(
            application=application,
            item=item,
            document=documents.get(item),
            office=office,
            label_code=_unique_label_code(),
            recipient_name=profile.full_name if profile is not None else "",
            address=profile.address if profile is not None else "",
            regency_id=profile.regency_id if profile is not None else None,
            postal_code=profile.postal_code if profile is not None else "",
            phone=profile.phone if profile is not None else "",
        )
        _track(shipment, "created", actor_id=event.actor_id, role=event.actor_role, place=office.name)
        if application.delivery_choice == DeliveryChoice.COLLECTION:
            shipment_transition(shipment_id=shipment.pk, action="switch_to_collection", actor=None)
    logger.info("application %s: %s shipment(s) created", application.pk, len(wanted))


def _unique_label_code() -> str:
    for _attempt in range(10):
        code = new_label_code()
        if not Shipment.objects.filter(label_code=code).exists():
            return code
    raise RuntimeError("could not draw a free label code")  # 26^10 codes: never in practice


# The document kind each item is printed from (plates are made, not printed from a document).
DOCUMENT_KIND_OF_ITEM = {
    "sim_card": "sim_card",
    "stnk": "stnk",
    "bpkb": "bpkb",
    "endorsement_proof": "stnk_endorsement",
}


def _documents_by_item(application: Application) -> dict[str, Any]:
    from documents.models import IssuedDocument

    valid = IssuedDocument.objects.filter(application=application, status=IssuedDocument.Status.VALID)
    by_kind = {document.kind: document for document in valid.order_by("pk")}
    return {item: by_kind[kind] for item, kind in DOCUMENT_KIND_OF_ITEM.items() if kind in by_kind}


# --- the transition -----------------------------------------------------------------------


@dataclass(frozen=True)
class StepContext:
    shipment: Shipment
    actor: User | None
    role: str
    data: Mapping[str, Any] = field(default_factory=dict)


Guard = Callable[[StepContext], list[Reason]]
# Guards that need the request's data (the delivery code, the recipient, the collector) are
# added by the modules that own those steps: ``register_guard``. Unknown guards fail closed.
_guards: dict[str, Guard] = {}
# What a step writes besides the status (attempts, times, proof): ``register_effect``.
_effects: dict[str, Callable[[StepContext], list[str]]] = {}


def register_guard(name: str, guard: Guard) -> None:
    _guards[name] = guard


def register_effect(action: str, effect: Callable[[StepContext], list[str]]) -> None:
    _effects[action] = effect


def shipment_transition(
    *,
    shipment_id: int,
    action: str,
    actor: User | None,
    expected_version: int | None = None,
    note: str = "",
    reason_code: str = "",
    data: Mapping[str, Any] | None = None,
) -> Shipment:
    """Take ``action`` on the shipment; the only code that changes ``Shipment.status``.

    Runs in the caller's transaction (opens one if there is none). ``data`` carries what the
    step's guards and effects need (the typed delivery code, the recipient, the courier to
    assign, the label code scanned). Raises ``ShipmentRefused`` (or ``StaleShipment``)."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",)).select_related("office").get(pk=shipment_id)
        )
        role = "?"
        try:
            if expected_version is not None and shipment.version != expected_version:
                raise StaleShipment()
            role = _actor_role(shipment, actor)
            try:
                transition = SHIPMENT_WORKFLOW.check(shipment.status, action, role)
            except IllegalTransition as exc:
                raise ShipmentRefused(exc.reason, [_WORKFLOW_MESSAGES[exc.reason]]) from exc
            context = StepContext(shipment=shipment, actor=actor, role=role, data=dict(data or {}))
            reasons: list[Reason] = []
            for name in transition.guards:
                guard = _guards.get(name)
                if guard is None:
                    logger.error("shipment guard %s has no function", name)
                    reasons.append(_("A check for this step is not configured. Contact the office."))
                    continue
                reasons.extend(guard(context))
            if action == "fail_attempt" and not reason_code:
                reasons.append(_("Choose why the parcel could not be delivered."))
            if reasons:
                raise ShipmentRefused("guards_failed", reasons)
        except ShipmentRefused as refused:
            logger.warning(
                "shipment %s: %s by user %s as %s refused (%s)",
                shipment.pk,
                action,
                actor.pk if actor is not None else None,
                role,
                refused.code,
            )
            raise
        from_status = shipment.status
        fields = ["status", "version"]
        effect = _effects.get(action)
        if effect is not None:
            fields += effect(context)
        if action == "go_out":
            shipment.attempts += 1
            fields.append("attempts")
        now = clock.now()
        if transition.target == "returned_to_office":
            shipment.returned_at = now
            fields.append("returned_at")
        if transition.target == "ready_for_collection":
            shipment.ready_for_collection_at = now
            fields.append("ready_for_collection_at")
        if transition.target in TERMINAL:
            shipment.handed_over_at = now
            fields.append("handed_over_at")
        shipment.status = transition.target
        shipment.version += 1
        shipment.save(update_fields=list(dict.fromkeys(fields)))
        _track(
            shipment,
            action,
            from_status=from_status,
            to_status=transition.target,
            actor_id=actor.pk if actor is not None else None,
            role=role,
            place=_place(shipment, role),
            reason_code=reason_code,
            note=note,
        )
        audit_record(
            action=f"shipment.{action}",
            actor_id=actor.pk if actor is not None else None,
            object_type=OBJECT_TYPE,
            object_id=str(shipment.public_id),
            details={"from_status": from_status, "to_status": transition.target, "role": role},
            office_id=shipment.office_id,
        )
        for listener in _listeners.get(action, ()):
            listener(shipment)
        if transition.target in TERMINAL:
            _complete_when_all_handed_over(shipment)
    return shipment


_listeners: dict[str, list[Callable[[Shipment], None]]] = {}


def listen(action: str, listener: Callable[[Shipment], None]) -> None:
    """Run ``listener(shipment)`` in the transaction after each ``action`` (notifications)."""
    bucket = _listeners.setdefault(action, [])
    if listener not in bucket:
        bucket.append(listener)


def _complete_when_all_handed_over(shipment: Shipment) -> None:
    application = Application.objects.select_for_update(of=("self",)).get(pk=shipment.application_id)
    if application.status != "issued":
        return
    open_items = Shipment.objects.filter(application_id=application.pk).exclude(status__in=TERMINAL)
    if open_items.exists():
        return
    application_transition(application_id=application.pk, action="complete", actor=None)


def _actor_role(shipment: Shipment, actor: User | None) -> str:
    if actor is None:
        return SYSTEM
    application_applicant = (
        Application.objects.filter(pk=shipment.application_id).values_list("applicant_id", flat=True).first()
    )
    if actor.pk == application_applicant:
        return CITIZEN
    roles = roles_of(actor)
    membership = StaffMembership.objects.filter(user=actor).first()
    in_office = membership is not None and (
        membership.office_id == shipment.office_id
        or (
            membership.office_id is None
            and SUPERVISOR in roles
            and membership.polda_id == shipment.office.polda_id
        )
    )
    if COURIER in roles and shipment.courier_id == actor.pk:
        return COURIER
    if in_office:
        for role in (SUPERVISOR, DISPATCHER, OFFICER):
            if role in roles:
                return role
    raise ShipmentRefused("not_found", [_("This shipment does not exist.")])


def _place(shipment: Shipment, role: str) -> str:
    if role == COURIER:
        return str(_("With the courier"))
    return shipment.office.name


def _track(
    shipment: Shipment,
    action: str,
    *,
    from_status: str = "",
    to_status: str = "",
    actor_id: int | None = None,
    role: str = "",
    place: str = "",
    reason_code: str = "",
    note: str = "",
) -> TrackingEvent:
    return TrackingEvent.objects.create(
        shipment=shipment,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor_id,
        actor_role=role,
        place=place,
        reason_code=reason_code,
        note=note,
    )


# --- built-in guards ----------------------------------------------------------------------


def _printed(context: StepContext) -> list[Reason]:
    shipment = context.shipment
    if shipment.printed_at is None or shipment.packed_at is None:
        return [_("The item is not printed and packed yet.")]
    return []


def _address_confirmed(context: StepContext) -> list[Reason]:
    if context.shipment.address_confirmed_at is None:
        return [_("The citizen has not confirmed the delivery address yet.")]
    return []


def _attempt_left(context: StepContext) -> list[Reason]:
    if context.shipment.attempts >= MAX_ATTEMPTS:
        return [_("No delivery attempt is left: return the parcel to the office.")]
    return []


def _label_scanned(context: StepContext) -> list[Reason]:
    typed = str(context.data.get("label_code", "")).strip().upper().replace("-", "").replace(" ", "")
    if typed != context.shipment.label_code:
        return [_("The label code does not match this parcel.")]
    return []


def _failure_reason_given(context: StepContext) -> list[Reason]:
    return []  # checked with the reason code itself in shipment_transition


def _courier_of_office(context: StepContext) -> list[Reason]:
    courier = context.data.get("courier")
    if not isinstance(courier, User) or not courier.is_active or COURIER not in roles_of(courier):
        return [_("Choose a courier.")]
    if not StaffMembership.objects.filter(user=courier, office_id=context.shipment.office_id).exists():
        return [_("Choose a courier of this office.")]
    return []


def _assign_courier(context: StepContext) -> list[str]:
    shipment = context.shipment
    shipment.courier = context.data["courier"]
    run = context.data.get("run")
    shipment.run = run
    shipment.run_position = context.data.get("run_position")
    return ["courier", "run", "run_position"]


def _clear_courier(context: StepContext) -> list[str]:
    shipment = context.shipment
    shipment.courier = None
    shipment.run = None
    shipment.run_position = None
    return ["courier", "run", "run_position"]


register_guard("printed", _printed)
register_guard("courier_of_office", _courier_of_office)
register_effect("assign", _assign_courier)
register_effect("unassign", _clear_courier)
register_effect("switch_to_collection", _clear_courier)
register_guard("address_confirmed", _address_confirmed)
register_guard("attempt_left", _attempt_left)
register_guard("label_scanned", _label_scanned)
register_guard("failure_reason_given", _failure_reason_given)


# --- facts on the way (not states) --------------------------------------------------------


def _locked_for_office(shipment_id: int, actor: User) -> Shipment:
    shipment = Shipment.objects.select_for_update(of=("self",)).select_related("office").get(pk=shipment_id)
    role = _actor_role(shipment, actor)
    if role not in (OFFICER, SUPERVISOR, DISPATCHER):
        raise ShipmentRefused("not_found", [_("This shipment does not exist.")])
    return shipment


def shipment_mark_printed(*, shipment_id: int, actor: User) -> Shipment:
    """Office staff printed the item (from its issued document) and checked it."""
    with transaction.atomic():
        shipment = _locked_for_office(shipment_id, actor)
        if shipment.printed_at is not None:
            return shipment
        if shipment.status in TERMINAL:
            raise ShipmentRefused("wrong_state", [_("This shipment has ended.")])
        fields = ["printed_at", "version"]
        if shipment.document_id is None and shipment.item in DOCUMENT_KIND_OF_ITEM:
            # The issuing service's listener may run after ours in the issue transaction: the
            # document is linked when it is printed from.
            document = _documents_by_item(Application.objects.get(pk=shipment.application_id)).get(
                shipment.item
            )
            if document is None:
                raise ShipmentRefused("no_document", [_("The document to print is not issued yet.")])
            shipment.document = document
            fields.append("document")
        shipment.printed_at = clock.now()
        shipment.version += 1
        shipment.save(update_fields=fields)
        _track(shipment, "printed", actor_id=actor.pk, role="office", place=shipment.office.name)
        audit_record(
            action="shipment.printed",
            actor_id=actor.pk,
            object_type=OBJECT_TYPE,
            object_id=str(shipment.public_id),
            office_id=shipment.office_id,
        )
    return shipment


def shipment_mark_packed(*, shipment_id: int, actor: User) -> Shipment:
    """Packed with its label; only what was printed can be packed."""
    with transaction.atomic():
        shipment = _locked_for_office(shipment_id, actor)
        if shipment.packed_at is not None:
            return shipment
        if shipment.printed_at is None:
            raise ShipmentRefused("not_printed", [_("Print the item before packing it.")])
        shipment.packed_at = clock.now()
        shipment.version += 1
        shipment.save(update_fields=["packed_at", "version"])
        _track(shipment, "packed", actor_id=actor.pk, role="office", place=shipment.office.name)
        audit_record(
            action="shipment.packed",
            actor_id=actor.pk,
            object_type=OBJECT_TYPE,
            object_id=str(shipment.public_id),
            office_id=shipment.office_id,
        )
    return shipment


@dataclass(frozen=True)
class Address:
    address: str
    regency_id: int
    postal_code: str
    phone: str


def shipment_confirm_address(*, shipment_id: int, actor: User, address: Address | None = None) -> Shipment:
    """The holder confirms the delivery address, or corrects it (``address``), before pickup."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",)).select_related("office").get(pk=shipment_id)
        )
        if _actor_role(shipment, actor) != CITIZEN:
            raise ShipmentRefused("not_found", [_("This shipment does not exist.")])
        if shipment.status not in ("created", "assigned"):
            raise ShipmentRefused(
                "wrong_state", [_("The address can only be changed before the courier picks the parcel up.")]
            )
        fields = ["address_confirmed_at", "version"]
        action = "address_confirmed"
        if address is not None and (
            address.address,
            address.regency_id,
            address.postal_code,
            address.phone,
        ) != (shipment.address, shipment.regency_id, shipment.postal_code, shipment.phone):
            shipment.address = address.address
            shipment.regency_id = address.regency_id
            shipment.postal_code = address.postal_code
            shipment.phone = address.phone
            fields += ["address", "regency", "postal_code", "phone"]
            action = "address_changed"
        shipment.address_confirmed_at = clock.now()
        shipment.version += 1
        shipment.save(update_fields=fields)
        _track(shipment, action, actor_id=actor.pk, role=CITIZEN)
        audit_record(
            action=f"shipment.{action}",
            actor_id=actor.pk,
            object_type=OBJECT_TYPE,
            object_id=str(shipment.public_id),
            office_id=shipment.office_id,
        )
    return shipment


def register() -> None:
    """Called once from DeliveryConfig.ready()."""
    events.listen("issue", shipments_create_on_issue, phase="in_transaction")
