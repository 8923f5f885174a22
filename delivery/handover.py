"""Proof of delivery: the recipient's one-time code, and the hand-over record (issue 9, point 6).

* ``delivery_code_send`` — a new code for the shipment: bumps ``code_generation`` (the old code
  dies), stores only its hash, clears the failures and the lock, and queues the message (SMS and
  e-mail, each where the holder's contact is confirmed) when the transaction commits. The outbox
  row holds ids only and ``code_for``; the code is derived again, as
  ``HMAC(key, shipment, generation)``, when the message is sent (``notifications.codes``), so a
  retried send repeats it. Sent by the ``go_out`` listener for every attempt.
* ``delivery_code_reissue`` — a dispatcher (or supervisor) of the shipment's office sends a new
  code while the parcel is out for delivery: after a lock, an expiry or a lost message.
* The ``delivery_code_valid`` guard of ``deliver`` — the code must exist, be younger than
  ``CODE_VALIDITY``, not be locked and match. A wrong code raises ``DeliveryCodeWrong``;
  ``shipment_deliver`` counts it *after* the refused transition rolled back (in its own
  transaction), and the ``MAX_CODE_FAILURES``-th wrong code locks the code until a reissue.
* The ``recipient_recorded`` guard — the recipient's name, a ``Relation`` and a checked photo.
* The ``deliver`` effect — stores the photo (already re-encoded by ``applications.uploads``),
  the name and relation, audits the photo's SHA-256, and consumes the code (clears its hash):
  all in the delivery's transaction, so the code is consumed only when the delivery commits.
* ``shipment_deliver`` — what the courier's page calls: checks the photo, takes the step, counts
  a wrong code, and removes the stored photo if the step did not commit.

The code is never shown to the courier, never logged and never written to the audit trail, a
task argument or the outbox.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import DISPATCHER, SUPERVISOR, roles_of
from applications import uploads
from audit.services import audit_record
from delivery.models import Relation, Shipment, TrackingEvent
from delivery.services import (
    OBJECT_TYPE,
    Reason,
    ShipmentRefused,
    StepContext,
    _actor_role,
    shipment_transition,
)
from korlantas.lib import clock
from notifications import codes
from notifications.models import Message
from notifications.services import ContextIds, notify

logger = logging.getLogger("korlantas.delivery")

PURPOSE = "delivery.handover"
CODE_DIGITS = 6
CODE_VALIDITY = dt.timedelta(hours=24)
MAX_CODE_FAILURES = 5
TEMPLATE_KEY = "delivery_code"
NAME_MAX_LENGTH = 100


class DeliveryCodeWrong(ShipmentRefused):
    """The typed code does not match. Raised by the guard inside the transition (which rolls
    back); ``shipment_deliver`` then counts the failure for this ``generation``."""

    def __init__(self, shipment_id: int, generation: int, reasons: list[Reason] | None = None) -> None:
        super().__init__("delivery_code_wrong", reasons or [_("The code is not right.")])
        self.shipment_id = shipment_id
        self.generation = generation


# --- sending ----------------------------------------------------------------------------------


def delivery_code_send(*, shipment_id: int) -> Shipment:
    """A new code for a shipment out for delivery (the next generation; the old one dies)."""
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update(of=("self",)).get(pk=shipment_id)
        if shipment.status != "out_for_delivery":
            raise ShipmentRefused(
                "wrong_state", [_("A delivery code is sent only while the parcel is out for delivery.")]
            )
        _send(shipment)
    return shipment


def _send(shipment: Shipment) -> None:
    """Bump the generation, store the new code's hash and queue the messages (locked row)."""
    shipment.code_generation += 1
    generation = shipment.code_generation
    code = codes.derive_code(PURPOSE, shipment.pk, generation, digits=CODE_DIGITS)
    shipment.code_hash = codes.code_hash(PURPOSE, shipment.pk, generation, code)
    del code
    shipment.code_sent_at = clock.now()
    shipment.code_failures = 0
    shipment.code_locked_at = None
    shipment.save(
        update_fields=["code_generation", "code_hash", "code_sent_at", "code_failures", "code_locked_at"]
    )
    TrackingEvent.objects.create(shipment=shipment, action="code_sent")
    audit_record(
        action="shipment.delivery_code_sent",
        object_type=OBJECT_TYPE,
        object_id=str(shipment.public_id),
        details={"generation": generation},
        office_id=shipment.office_id,
    )
    applicant_id = shipment.application.applicant_id
    context_ids: ContextIds = {
        "shipment_id": shipment.pk,
        "valid_hours": int(CODE_VALIDITY.total_seconds() // 3600),
        "code_for": {"purpose": PURPOSE, "object_id": shipment.pk, "generation": generation},
    }
    # One call per channel: each goes where the holder's contact is confirmed, whatever the
    # holder's preferences (a delivery code is critical).
    sent: list[Message] = []
    for channel in (Message.Channel.SMS, Message.Channel.EMAIL):
        sent += notify(
            recipient=applicant_id,
            template_key=TEMPLATE_KEY,
            context_ids=context_ids,
            critical=True,
            channels=[channel],
        )
    logger.info(
        "shipment %s: delivery code generation %s queued (%s message(s))",
        shipment.pk,
        generation,
        len(sent),
    )


def send_code_when_out(shipment: Shipment) -> None:
    """``go_out`` listener (in the transition's transaction, the row locked): every attempt
    gets a fresh code."""
    _send(shipment)


def delivery_code_reissue(*, shipment_id: int, dispatcher: User) -> Shipment:
    """A dispatcher or supervisor of the shipment's office sends a new code (after a lock)."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",)).select_related("office").get(pk=shipment_id)
        )
        role = _actor_role(shipment, dispatcher)
        if role not in (DISPATCHER, SUPERVISOR) or not roles_of(dispatcher) & {DISPATCHER, SUPERVISOR}:
            raise ShipmentRefused("not_found", [_("This shipment does not exist.")])
        if shipment.status != "out_for_delivery":
            raise ShipmentRefused(
                "wrong_state", [_("A delivery code is sent only while the parcel is out for delivery.")]
            )
        _send(shipment)
        audit_record(
            action="shipment.delivery_code_reissued",
            actor_id=dispatcher.pk,
            object_type=OBJECT_TYPE,
            object_id=str(shipment.public_id),
            details={"generation": shipment.code_generation},
            office_id=shipment.office_id,
        )
    return shipment


# --- the state of a code ------------------------------------------------------------------------


def code_expires_at(shipment: Shipment) -> dt.datetime | None:
    if shipment.code_sent_at is None:
        return None
    return shipment.code_sent_at + CODE_VALIDITY


def code_is_locked(shipment: Shipment) -> bool:
    return shipment.code_locked_at is not None


def code_is_usable(shipment: Shipment) -> bool:
    """A code was sent, is not locked, not consumed and not expired (no code is compared)."""
    expires = code_expires_at(shipment)
    return (
        bool(shipment.code_hash)
        and not code_is_locked(shipment)
        and expires is not None
        and clock.now() < expires
    )


def _normalise(typed: object) -> str:
    return "".join(character for character in str(typed or "") if not character.isspace())


# --- the guards and the effect of ``deliver`` ---------------------------------------------------


def delivery_code_valid(context: StepContext) -> list[Reason]:
    shipment = context.shipment
    if code_is_locked(shipment):
        return [_("The code is locked after too many wrong tries. Ask the office to send a new code.")]
    expires = code_expires_at(shipment)
    if not shipment.code_hash or expires is None:
        return [_("No delivery code has been sent for this attempt. Ask the office to send one.")]
    if clock.now() >= expires:
        return [_("The code has expired. Ask the office to send a new code.")]
    typed = _normalise(context.data.get("code"))
    if not (typed.isdigit() and len(typed) == CODE_DIGITS) or not codes.code_matches(
        PURPOSE, shipment.pk, shipment.code_generation, typed, shipment.code_hash
    ):
        raise DeliveryCodeWrong(shipment.pk, shipment.code_generation)
    return []


def recipient_recorded(context: StepContext) -> list[Reason]:
    reasons: list[Reason] = []
    name = str(context.data.get("received_by_name") or "").strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        reasons.append(_("Enter the name of the person who received the parcel."))
    if context.data.get("relation") not in Relation.values:
        reasons.append(_("Choose who received the parcel."))
    photo = context.data.get("photo")
    if not isinstance(photo, uploads.CleanFile) or photo.content_type not in (uploads.JPEG, uploads.PNG):
        reasons.append(_("Take a photo of the hand-over."))
    return reasons


def record_handover(context: StepContext) -> list[str]:
    """The ``deliver`` effect (the guards passed): proof stored, code consumed."""
    shipment = context.shipment
    photo: uploads.CleanFile = context.data["photo"]
    shipment.received_by_name = str(context.data["received_by_name"]).strip()
    shipment.received_relation = str(context.data["relation"])
    shipment.proof_photo.save(f"proof.{photo.extension}", ContentFile(photo.content), save=False)
    stored = context.data.get("stored_files")
    if isinstance(stored, list):
        stored.append(shipment.proof_photo.name or "")
    shipment.code_hash = ""  # consumed: committed with the delivery, or not at all
    audit_record(
        action="shipment.handover_recorded",
        actor_id=context.actor.pk if context.actor is not None else None,
        object_type=OBJECT_TYPE,
        object_id=str(shipment.public_id),
        changed={"received_by_name": shipment.received_by_name},
        details={
            "relation": shipment.received_relation,
            "photo_sha256": photo.sha256,
            "generation": shipment.code_generation,
        },
        office_id=shipment.office_id,
    )
    return ["received_by_name", "received_relation", "proof_photo", "code_hash"]


# --- the courier's step -------------------------------------------------------------------------


def check_photo(photo: IO[bytes] | Any) -> uploads.CleanFile:
    """The hand-over photo through the uploads checks (an image; re-encoded). Raises
    ``uploads.UploadRejected``."""
    clean = uploads.validate_and_normalise(photo, kind=uploads.RUBBING)
    if clean.content_type not in (uploads.JPEG, uploads.PNG):
        raise uploads.UploadRejected("pdf_not_allowed")
    return clean


def shipment_deliver(
    *,
    shipment_id: int,
    courier: User,
    code: str,
    received_by_name: str,
    relation: str,
    photo: uploads.CleanFile | IO[bytes] | Any | None,
    expected_version: int | None = None,
) -> Shipment:
    """The assigned courier hands the parcel over: the recipient's code, name, relation, photo.

    Call it outside any transaction (a page does): a wrong code is counted in a transaction of
    its own after the refused step rolled back, and the refusal is then raised
    (``DeliveryCodeWrong``, its reasons saying how many tries are left or that the code is now
    locked). ``photo`` is an uploaded file or the ``CleanFile`` a form already checked.
    Raises ``ShipmentRefused`` or ``uploads.UploadRejected``."""
    clean = photo if isinstance(photo, uploads.CleanFile) or photo is None else check_photo(photo)
    stored: list[str] = []
    try:
        return shipment_transition(
            shipment_id=shipment_id,
            action="deliver",
            actor=courier,
            expected_version=expected_version,
            data={
                "code": code,
                "received_by_name": received_by_name,
                "relation": relation,
                "photo": clean,
                "stored_files": stored,
            },
        )
    except DeliveryCodeWrong as wrong:
        _remove(stored)
        raise _count_failure(wrong) from None
    except BaseException:
        _remove(stored)
        raise


def _remove(names: list[str]) -> None:
    storage = Shipment._meta.get_field("proof_photo").storage
    for name in names:
        if name:
            storage.delete(name)


def _count_failure(wrong: DeliveryCodeWrong) -> DeliveryCodeWrong:
    """One more wrong try of this generation; the last allowed one locks the code."""
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update(of=("self",)).get(pk=wrong.shipment_id)
        if shipment.code_generation != wrong.generation or shipment.code_locked_at is not None:
            # A new code was sent meanwhile, or another try locked it: nothing to count.
            return DeliveryCodeWrong(wrong.shipment_id, wrong.generation)
        shipment.code_failures += 1
        fields = ["code_failures"]
        locked = shipment.code_failures >= MAX_CODE_FAILURES
        if locked:
            shipment.code_locked_at = clock.now()
            fields.append("code_locked_at")
        shipment.save(update_fields=fields)
        audit_record(
            action="shipment.delivery_code_locked" if locked else "shipment.delivery_code_wrong",
            object_type=OBJECT_TYPE,
            object_id=str(shipment.public_id),
            details={"generation": shipment.code_generation, "failures": shipment.code_failures},
            office_id=shipment.office_id,
        )
    logger.warning(
        "shipment %s: wrong delivery code (%s of %s)", shipment.pk, shipment.code_failures, MAX_CODE_FAILURES
    )
    if locked:
        message: Reason = _(
            "The code is now locked after too many wrong tries. Ask the office to send a new code."
        )
    else:
        left = MAX_CODE_FAILURES - shipment.code_failures
        message = ngettext(
            "The code is not right. %(left)d try is left.",
            "The code is not right. %(left)d tries are left.",
            left,
        ) % {"left": left}
    return DeliveryCodeWrong(wrong.shipment_id, wrong.generation, [message])
