"""Refunds: created automatically, waiting for the citizen's account, paid once.

* ``refund_create`` — one refund per payment (``Refund.payment`` is one-to-one): a payment that
  must go back (a late, replaced or duplicate payment; the applied payment of an application
  rejected, lapsed or cancelled after payment). The citizen is asked at once for an account.
* ``refund_for_closed_application`` — listener of ``reject``, ``lapse_revision``,
  ``lapse_appointment`` and ``cancel``: the applied payment of the application goes back.
* ``refund_account_give`` — the citizen's bank, account number and holder. A holder whose name
  matches the profile's (as on the e-KTP, compared without case, spaces or punctuation) sends
  the refund to the bank; another name waits for an officer (``refund_account_check``).
* ``refund_send`` — the task's work: through the gateway, whose ``refund`` is idempotent on
  the refund's id, so a retried or repeated task never pays twice.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import CitizenProfile, User
from accounts.roles import OFFICER, SUPERVISOR, roles_of
from applications.events import TransitionEvent
from applications.selectors import staff_scope
from audit.services import audit_record
from korlantas.lib import clock, pii
from payments import messages
from payments.gateways import GatewayError, RefundAccount, get_gateway
from payments.models import Bill, Payment, Refund

logger = logging.getLogger("korlantas.payments")

ACCOUNT_PURPOSE = "payments.refund.account_number"
MAX_SEND_ATTEMPTS = 5
OBJECT_TYPE = "payments.refund"

# Banks a refund can go to (BI codes of the largest; the sandbox accepts any of them).
BANKS: dict[str, str] = {
    "002": "BRI",
    "008": "Bank Mandiri",
    "009": "BNI",
    "014": "BCA",
    "200": "BTN",
    "451": "Bank Syariah Indonesia",
    "022": "CIMB Niaga",
    "011": "Bank Danamon",
    "013": "Bank Permata",
    "110": "Bank BJB",
}

CLOSING_REASONS = {
    "reject": Refund.Reason.REJECTED,
    "lapse_revision": Refund.Reason.LAPSED,
    "lapse_appointment": Refund.Reason.LAPSED,
    "cancel": Refund.Reason.CANCELLED,
}


class RefundRefused(Exception):
    MESSAGES: dict[str, Promise] = {
        "not_awaiting_account": _("This refund no longer needs an account."),
        "not_awaiting_check": _("This refund is not waiting for a check."),
        "not_staff_of_office": _("Only staff of the office that handled the application can check it."),
    }

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = self.MESSAGES[code]


def refund_create(*, payment: Payment, reason: str) -> Refund:
    """In the caller's transaction. A second call for the same payment returns the first refund."""
    existing = Refund.objects.filter(payment=payment).first()
    if existing is not None:
        return existing
    refund = Refund.objects.create(
        application_id=payment.bill.application_id, payment=payment, amount=payment.amount, reason=reason
    )
    audit_record(
        action="refund.created",
        object_type=OBJECT_TYPE,
        object_id=str(refund.public_id),
        details={"reason": reason, "amount": refund.amount, "payment": str(payment.public_id)},
        office_id=payment.bill.office_id,
    )
    messages.refund_requested(refund)
    return refund


def refund_for_closed_application(event: TransitionEvent) -> None:
    """The applied payment of an application closed without its document goes back."""
    payment = (
        Payment.objects.select_related("bill")
        .filter(bill__application_id=event.application.pk, disposition=Payment.Disposition.APPLIED)
        .first()
    )
    if payment is None:
        return
    Bill.objects.filter(pk=payment.bill_id).update(state=Bill.State.REFUNDED, closed_at=clock.now())
    refund_create(payment=payment, reason=CLOSING_REASONS[event.action])


def normalised_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


@dataclass(frozen=True)
class AccountGiven:
    refund: Refund
    # True: sent to the bank now; False: an officer checks the holder's name first.
    sent: bool


def refund_account_give(
    *, refund_public_id: uuid.UUID, user: User, bank: str, account_number: str, holder: str
) -> AccountGiven:
    """The form has checked the values' shapes. Someone else's refund is ``Refund.DoesNotExist``."""
    from payments.tasks import send_refund

    with transaction.atomic(durable=True):
        refund = Refund.objects.select_for_update().get(
            public_id=refund_public_id, application__applicant=user
        )
        if refund.state not in (Refund.State.AWAITING_ACCOUNT, Refund.State.AWAITING_CHECK):
            raise RefundRefused("not_awaiting_account")
        profile_name = (
            CitizenProfile.objects.filter(user=user).values_list("full_name", flat=True).first() or ""
        )
        matches = bool(profile_name) and normalised_name(profile_name) == normalised_name(holder)
        refund.bank = bank
        refund.account_number_ciphertext = pii.encrypt(account_number, purpose=ACCOUNT_PURPOSE)
        refund.account_number_last4 = account_number[-4:]
        refund.account_holder = holder.strip()
        refund.holder_matches_profile = matches
        refund.account_given_at = clock.now()
        refund.state = Refund.State.QUEUED if matches else Refund.State.AWAITING_CHECK
        refund.save()
        audit_record(
            action="refund.account_given",
            actor_id=user.pk,
            object_type=OBJECT_TYPE,
            object_id=str(refund.public_id),
            changed={"bank": bank, "account_holder": refund.account_holder},
            details={"holder_matches_profile": matches},
        )
        if matches:
            # Robust: a broker that refuses the message is only logged (the citizen's account is
            # saved, the refund stays queued) and ``send_queued_refunds`` (beat) sends it later.
            transaction.on_commit(lambda: send_refund.delay(refund.pk), robust=True)
    return AccountGiven(refund=refund, sent=matches)


def refund_account_check(*, refund_id: int, officer: User, approve: bool) -> Refund:
    """An officer of the application's office decides about a holder whose name differs from
    the profile: approve (the refund goes to the bank) or ask the citizen for another account."""
    from payments.tasks import send_refund

    with transaction.atomic(durable=True):
        refund = Refund.objects.select_for_update().select_related("application").get(pk=refund_id)
        if (
            not ({OFFICER, SUPERVISOR} & set(roles_of(officer)))
            or not staff_scope(user=officer).filter(pk=refund.application_id).exists()
        ):
            raise RefundRefused("not_staff_of_office")
        if refund.state != Refund.State.AWAITING_CHECK:
            raise RefundRefused("not_awaiting_check")
        refund.checked_by_id = officer.pk
        refund.state = Refund.State.QUEUED if approve else Refund.State.AWAITING_ACCOUNT
        refund.save(update_fields=["checked_by_id", "state"])
        audit_record(
            action="refund.account_checked",
            actor_id=officer.pk,
            object_type=OBJECT_TYPE,
            object_id=str(refund.public_id),
            details={"approved": approve},
            office_id=refund.application.handling_office_id,
        )
        if approve:
            transaction.on_commit(lambda: send_refund.delay(refund.pk), robust=True)  # as above
        else:
            messages.refund_requested(refund)
    return refund


def refund_send(*, refund_id: int) -> str:
    """Pay a queued refund through its payment's gateway. Returns the refund's state after."""
    with transaction.atomic(durable=True):
        refund = Refund.objects.select_for_update().select_related("payment", "application").get(pk=refund_id)
        if refund.state != Refund.State.QUEUED:
            return refund.state
        account = RefundAccount(
            bank=refund.bank,
            account_number=pii.decrypt(refund.account_number_ciphertext, purpose=ACCOUNT_PURPOSE),
            holder=refund.account_holder,
        )
        refund.attempts += 1
        try:
            result = get_gateway(refund.payment.gateway).refund(refund, account)
        except (GatewayError, OSError) as exc:  # unreachable or timed out: stays queued, sent again later
            refund.last_error = (str(exc) if isinstance(exc, GatewayError) else type(exc).__name__)[:300]
            if refund.attempts >= MAX_SEND_ATTEMPTS:
                refund.state = Refund.State.FAILED
                logger.error("refund %s failed for good after %s attempts", refund.pk, refund.attempts)
            refund.save(update_fields=["attempts", "last_error", "state"])
            return refund.state
        refund.state = Refund.State.PAID
        refund.gateway_reference = result.reference
        refund.paid_at = clock.now()
        refund.last_error = ""
        refund.save(update_fields=["attempts", "last_error", "state", "gateway_reference", "paid_at"])
        audit_record(
            action="refund.paid",
            object_type=OBJECT_TYPE,
            object_id=str(refund.public_id),
            details={"amount": refund.amount},
            office_id=refund.application.handling_office_id,
        )
        messages.refund_paid(refund)
    return refund.state
