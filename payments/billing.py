"""Bills: issued on ``submit``, replaced within the payment window, expired, cancelled.

* ``bill_issue`` runs inside the submission's transaction (a ``submit`` listener): the
  application never waits for payment without a bill. Its lines come from the fee schedule in
  force at that moment (the service's ``fee_codes``), the service's own charges (taxes, fines)
  and the courier postage for the zone of the delivery address.
* ``bill_replace`` is the citizen's "get a new bill" after one expired, while the application
  still waits for payment within its window: the new bill uses the schedule then in force.
* ``bills_expire`` (beat) closes bills past their expiry; the application is untouched
  (``applications.jobs.applications_expire_unpaid`` ends it when the window is over).
* ``bills_close_for_application`` (listener of ``cancel`` and ``expire``) cancels the open bill.

The billing code is 14 random digits and a Luhn check digit: not derivable from any other
bill, and a mistyped digit at a bank teller is caught.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import CitizenProfile
from applications.events import TransitionEvent
from applications.models import Application
from applications.registry import DeliveryChoice, ServiceDefinition, get_service
from korlantas.lib import clock
from payments import messages
from payments.fees import FEES, postage_fee_code
from payments.gateways import GatewayError, default_gateway
from payments.models import Bill, BillLine
from payments.schedule import fees_in_force

logger = logging.getLogger("korlantas.payments")

CODE_LENGTH = 15
SERVICE_CHARGE_KINDS = frozenset({BillLine.Kind.TAX, BillLine.Kind.INSURANCE, BillLine.Kind.FINE})


class BillRefused(Exception):
    """Codes: ``not_awaiting_payment``, ``bill_still_open``, ``window_over``, ``no_fees``,
    ``gateway_unavailable`` (the bank could not be told the code: nothing is saved, try again)."""

    MESSAGES: dict[str, Promise] = {
        "not_awaiting_payment": _("This application is not waiting for a payment."),
        "bill_still_open": _("Your bill can still be paid; a new one is not needed."),
        "window_over": _("The time to pay for this application is over."),
        "no_fees": _("This service has no fee to bill."),
        "gateway_unavailable": _(
            "The bank cannot be reached just now. Nothing was changed: please try again in a few minutes."
        ),
    }

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = self.MESSAGES[code]


def luhn_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: every second digit from the right, check digit excluded
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isdigit() and luhn_digit(code[:-1]) == code[-1]


def new_billing_code() -> str:
    """A fresh random code; a collision (1 in 10^14 per pair) is retried."""
    while True:
        body = str(secrets.randbelow(9 * 10 ** (CODE_LENGTH - 2)) + 10 ** (CODE_LENGTH - 2))
        code = body + luhn_digit(body)
        if not Bill.objects.filter(billing_code=code).exists():
            return code


@dataclass(frozen=True)
class Line:
    kind: str
    label: str
    unit_amount: int
    quantity: int = 1
    fee_code: str = ""
    label_params: dict[str, Any] = field(default_factory=dict)

    @property
    def amount(self) -> int:
        return self.unit_amount * self.quantity


def payment_window_end(application: Application, service: ServiceDefinition) -> dt.datetime:
    submitted_at = application.submitted_at or clock.now()
    return submitted_at + dt.timedelta(days=service.payment_window_days)


def _delivery_province_code(application: Application) -> str:
    profile = CitizenProfile.objects.select_related("province").get(user_id=application.applicant_id)
    return profile.province.code


def bill_lines(application: Application, service: ServiceDefinition, amounts: dict[str, int]) -> list[Line]:
    """What the application pays under ``amounts`` (a schedule's fees by code)."""
    codes = list(service.fee_codes(application))
    if application.delivery_choice == DeliveryChoice.COURIER:
        codes.append(postage_fee_code(_delivery_province_code(application)))
    lines: list[Line] = []
    # Labels are stored in English (the msgids); pages show them in the reader's language.
    with translation.override("en"):
        _add_lines(lines, codes, application, service, amounts)
    return lines


def _add_lines(
    lines: list[Line],
    codes: list[str],
    application: Application,
    service: ServiceDefinition,
    amounts: dict[str, int],
) -> None:
    for code in codes:
        if code not in FEES or code not in amounts:
            raise LookupError(f"fee code {code!r} is not in the schedule in force")
        kind = BillLine.Kind.POSTAGE if FEES[code].group == "postage" else BillLine.Kind.PNBP
        lines.append(Line(kind=kind, label=str(FEES[code].label), unit_amount=amounts[code], fee_code=code))
    for charge in service.other_charges(application):
        if charge.kind not in SERVICE_CHARGE_KINDS or charge.amount < 0 or charge.quantity < 1:
            raise ValueError(f"service {service.code!r}: bad charge {charge!r}")
        lines.append(
            Line(
                kind=charge.kind,
                label=str(charge.label),
                unit_amount=charge.amount,
                quantity=charge.quantity,
                label_params=dict(charge.label_spec or {}),
            )
        )


def _create_bill(application: Application, now: dt.datetime) -> Bill:
    service = get_service(application.service_code)
    in_force = fees_in_force(now)
    lines = bill_lines(application, service, in_force.amounts)
    total = sum(line.amount for line in lines)
    if total <= 0:
        raise BillRefused("no_fees")
    lifetime = dt.timedelta(hours=settings.PAYMENT_BILL_LIFETIME_HOURS)
    gateway = default_gateway()
    bill = Bill.objects.create(
        application=application,
        office_id=application.handling_office_id,
        billing_code=new_billing_code(),
        schedule=in_force.schedule,
        gateway=gateway.code,
        total=total,
        issued_at=now,
        expires_at=min(now + lifetime, payment_window_end(application, service)),
    )
    BillLine.objects.bulk_create(
        BillLine(
            bill=bill,
            kind=line.kind,
            fee_code=line.fee_code,
            label=line.label,
            label_params=line.label_params,
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            amount=line.amount,
            position=position,
        )
        for position, line in enumerate(lines)
    )
    # Inside the transaction: a bank that cannot take the code fails the submission, rather
    # than leaving a citizen with a code no teller accepts. Unreachable (an adapter's error, a
    # timeout): ``BillRefused`` rolls everything back and the citizen is asked to try again.
    try:
        gateway.create_bill(bill)
    except (GatewayError, OSError) as exc:
        logger.warning(
            "bill for application %s: the gateway is unreachable (%s)", application.pk, type(exc).__name__
        )
        raise BillRefused("gateway_unavailable") from exc
    messages.bill_issued(bill)
    return bill


def issue_bill_on_submit(event: TransitionEvent) -> None:
    """``submit`` listener (in the submission's transaction). A bank out of reach refuses the
    submission with a reason the citizen's page shows (the transaction rolls back)."""
    try:
        _create_bill(event.application, clock.now())
    except BillRefused as refused:
        if refused.code != "gateway_unavailable":
            raise
        from applications.services import TransitionRefused

        raise TransitionRefused(refused.code, [refused.message]) from refused


def latest_bill(application_id: int) -> Bill | None:
    return Bill.objects.filter(application_id=application_id).order_by("-issued_at", "-pk").first()


def bill_replace(*, application_id: int, applicant_id: int) -> Bill:
    """The citizen's new bill after the last one expired. Raises ``BillRefused``; an
    application of someone else is ``Application.DoesNotExist``."""
    now = clock.now()
    with transaction.atomic(durable=True):
        application = Application.objects.select_for_update().get(
            pk=application_id, applicant_id=applicant_id
        )
        if application.status != "pending_payment":
            raise BillRefused("not_awaiting_payment")
        if now >= payment_window_end(application, get_service(application.service_code)):
            raise BillRefused("window_over")
        previous = latest_bill(application.pk)
        if previous is not None and previous.state == Bill.State.OPEN:
            if previous.expires_at > now:
                raise BillRefused("bill_still_open")
            _close(previous, Bill.State.EXPIRED, now)
        bill = _create_bill(application, now)
        if previous is not None:
            Bill.objects.filter(pk=previous.pk).update(replaced_by=bill)
    return bill


def _close(bill: Bill, state: str, now: dt.datetime) -> None:
    bill.state = state
    bill.closed_at = now
    bill.save(update_fields=["state", "closed_at"])


def bills_expire(now: dt.datetime | None = None) -> int:
    """Close every open bill past its expiry; returns how many. A bill another transaction
    holds (a payment arriving) is skipped: the next run sees it if it is still open."""
    now = now if now is not None else clock.now()
    expired = 0
    for bill_id in Bill.objects.filter(state=Bill.State.OPEN, expires_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            bill = (
                Bill.objects.select_for_update(skip_locked=True)
                .filter(pk=bill_id, state=Bill.State.OPEN, expires_at__lte=now)
                .first()
            )
            if bill is not None:
                _close(bill, Bill.State.EXPIRED, now)
                expired += 1
    return expired


def bills_remind(now: dt.datetime | None = None) -> int:
    """Remind once, ``PAYMENT_REMINDER_HOURS`` before expiry, of every open bill; returns how many."""
    now = now if now is not None else clock.now()
    horizon = now + dt.timedelta(hours=settings.PAYMENT_REMINDER_HOURS)
    reminded = 0
    candidates = Bill.objects.filter(
        state=Bill.State.OPEN, reminded_at__isnull=True, expires_at__gt=now, expires_at__lte=horizon
    ).values_list("pk", flat=True)
    for bill_id in list(candidates):
        with transaction.atomic():
            bill = (
                Bill.objects.select_for_update(skip_locked=True)
                .filter(pk=bill_id, state=Bill.State.OPEN, reminded_at__isnull=True)
                .first()
            )
            if bill is None:
                continue
            bill.reminded_at = now
            bill.save(update_fields=["reminded_at"])
            messages.bill_expiring(bill)
            reminded += 1
    return reminded


def bills_close_for_application(event: TransitionEvent) -> None:
    """``cancel`` / ``expire`` listener (in the transaction): the open bill is cancelled, so a
    late payment of it is refunded rather than applied."""
    now = clock.now()
    for bill in Bill.objects.select_for_update().filter(
        application_id=event.application.pk, state=Bill.State.OPEN
    ):
        _close(bill, Bill.State.CANCELLED, now)
