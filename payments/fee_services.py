"""Writes of the fee schedule: entering a future schedule, changing or withdrawing it before it
takes effect.

Rules (DESIGN §5, issue 6 point 1):

* a schedule gives a positive whole amount of rupiah for every code of ``payments.fees.FEES``,
  each exactly once, and no other code;
* a new schedule starts after today (Jakarta): the amounts in force today never change under a
  citizen's feet, and a bill issued today keeps the schedule it was issued under;
* a schedule already in force or past (``effective_from`` on or before today), or one any bill
  references, is history: it is never changed or deleted (``fee_schedule_locked_reason``).

Every write is audited (``fee_schedule.created``, ``.updated``, ``.deleted``) in its transaction.
``fee_schedule_problems`` is the same check without writing, for forms that want to show every
problem next to its field before calling a write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from audit.services import audit_record
from payments.fees import FEES
from payments.models import Bill, Fee, FeeSchedule
from payments.schedule import jakarta_date

ACTION_CREATED = "fee_schedule.created"
ACTION_UPDATED = "fee_schedule.updated"
ACTION_DELETED = "fee_schedule.deleted"

# Keys of ``fee_schedule_problems`` besides the fee codes themselves.
NAME = "name"
EFFECTIVE_FROM = "effective_from"
AMOUNTS = "amounts"  # missing, unknown or repeated codes: about the schedule as a whole
# A sanity bound far above any fee (the dearest, a 1-digit chosen number, is Rp 20 million).
MAX_AMOUNT = 10**12

Amounts = Mapping[str, Any] | Iterable[tuple[str, Any]]


class FeeScheduleInvalid(ValidationError):
    """A schedule that breaks the rules; ``message_dict`` keys are ``name``,
    ``effective_from``, ``amounts`` or a fee code."""


class FeeScheduleLocked(ValidationError):
    """The schedule is in force, past, or used by bills: it is history and stays as it is."""


def _pairs(amounts: Amounts) -> list[tuple[str, Any]]:
    if isinstance(amounts, Mapping):
        return list(amounts.items())
    return [(code, value) for code, value in amounts]


def _is_positive_whole(value: Any) -> bool:
    # bool is an int to Python, never an amount of money; floats and strings are refused too.
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_AMOUNT


def fee_schedule_problems(
    *,
    name: str,
    effective_from: dt.date | None,
    amounts: Amounts,
    schedule: FeeSchedule | None = None,
    today: dt.date | None = None,
) -> dict[str, list[str]]:
    """Everything wrong with a schedule about to be written (empty: nothing). ``schedule`` is
    the one being changed, if any (its own date is not "taken")."""
    today = today or jakarta_date()
    problems: dict[str, list[str]] = {}

    def add(key: str, message: str | Promise) -> None:
        problems.setdefault(key, []).append(str(message))

    if not name.strip():
        add(NAME, _("Give the schedule a name, e.g. the regulation that sets it."))

    if effective_from is None:
        add(EFFECTIVE_FROM, _("Give the first day the schedule is in force."))
    else:
        if effective_from <= today:
            add(
                EFFECTIVE_FROM,
                _(
                    "A new schedule must start after today (%(today)s): the fees in force today "
                    "and bills already issued never change."
                )
                % {"today": date_format(today, "j M Y")},
            )
        taken = FeeSchedule.objects.filter(effective_from=effective_from)
        if schedule is not None and schedule.pk is not None:
            taken = taken.exclude(pk=schedule.pk)
        if taken.exists():
            add(EFFECTIVE_FROM, _("Another schedule already starts on this day."))

    pairs = _pairs(amounts)
    seen: set[str] = set()
    repeated: list[str] = []
    for code, value in pairs:
        if code in seen:
            repeated.append(code)
            continue
        seen.add(code)
        if code not in FEES or _is_positive_whole(value):
            continue
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_AMOUNT:
            add(code, _("%(fee)s: the amount is implausibly large.") % {"fee": FEES[code].label})
        else:
            add(
                code,
                _("%(fee)s: the amount must be a whole number of rupiah greater than zero.")
                % {"fee": FEES[code].label},
            )
    missing = [code for code in FEES if code not in seen]
    unknown = sorted(seen - set(FEES))
    if missing:
        add(
            AMOUNTS,
            _("The schedule must give an amount for every fee. Missing: %(codes)s.")
            % {"codes": ", ".join(missing)},
        )
    if unknown:
        add(AMOUNTS, _("These are no fee codes of the portal: %(codes)s.") % {"codes": ", ".join(unknown)})
    if repeated:
        add(
            AMOUNTS,
            _("Each fee is listed once. Listed more than once: %(codes)s.")
            % {"codes": ", ".join(sorted(set(repeated)))},
        )
    return problems


def fee_schedule_locked_reason(schedule: FeeSchedule, *, today: dt.date | None = None) -> str | None:
    """Why ``schedule`` can no longer be changed or deleted, or None when it still can."""
    today = today or jakarta_date()
    if schedule.effective_from <= today:
        return _("This schedule is in force or past: it is history and can no longer be changed.")
    if schedule.pk is not None and Bill.objects.filter(schedule_id=schedule.pk).exists():
        return _("Bills were issued under this schedule: it can no longer be changed.")
    return None


def _check(
    *, name: str, effective_from: dt.date | None, amounts: Amounts, schedule: FeeSchedule | None = None
) -> dict[str, int]:
    problems = fee_schedule_problems(
        name=name, effective_from=effective_from, amounts=amounts, schedule=schedule
    )
    if problems:
        raise FeeScheduleInvalid(problems)
    return {code: int(value) for code, value in _pairs(amounts)}


def _actor_id(user: Any) -> int | None:
    return getattr(user, "pk", None) if user is not None else None


def _save_with_unique_date(schedule: FeeSchedule) -> None:
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError:
        # Another administrator took the day between the check and the write.
        raise FeeScheduleInvalid(
            {EFFECTIVE_FROM: [_("Another schedule already starts on this day.")]}
        ) from None


def fee_schedule_create(
    *,
    name: str,
    effective_from: dt.date,
    amounts: Amounts,
    legal_basis: str = "",
    created_by: Any = None,
    copied_from: FeeSchedule | None = None,
) -> FeeSchedule:
    """Enter a schedule that takes effect on ``effective_from`` (after today, Jakarta)."""
    with transaction.atomic():
        clean = _check(name=name, effective_from=effective_from, amounts=amounts)
        schedule = FeeSchedule(
            name=name.strip(), effective_from=effective_from, legal_basis=legal_basis.strip()
        )
        _save_with_unique_date(schedule)
        Fee.objects.bulk_create(
            Fee(schedule=schedule, code=code, amount=amount) for code, amount in clean.items()
        )
        details: dict[str, Any] = {"effective_from": effective_from.isoformat(), "fees": len(clean)}
        if copied_from is not None:
            details["copied_from"] = copied_from.pk
        audit_record(
            action=ACTION_CREATED,
            actor_id=_actor_id(created_by),
            object_type="payments.feeschedule",
            object_id=str(schedule.pk),
            details=details,
        )
    return schedule


def fee_schedule_copy(
    *,
    source: FeeSchedule,
    name: str,
    effective_from: dt.date,
    legal_basis: str = "",
    changes: Mapping[str, int] | None = None,
    created_by: Any = None,
) -> FeeSchedule:
    """A new schedule with ``source``'s amounts, except ``changes`` (code → amount)."""
    amounts = dict(source.fees.values_list("code", "amount"))
    # A code added to FEES since ``source`` was entered has no amount to copy: it is reported
    # missing unless ``changes`` gives it.
    amounts.update(changes or {})
    return fee_schedule_create(
        name=name,
        effective_from=effective_from,
        amounts=amounts,
        legal_basis=legal_basis,
        created_by=created_by,
        copied_from=source,
    )


def _lock(schedule_id: int) -> FeeSchedule:
    schedule = FeeSchedule.objects.select_for_update().get(pk=schedule_id)
    reason = fee_schedule_locked_reason(schedule)
    if reason is not None:
        raise FeeScheduleLocked(reason)
    return schedule


def fee_schedule_update(
    *,
    schedule_id: int,
    name: str,
    effective_from: dt.date,
    amounts: Amounts,
    legal_basis: str = "",
    updated_by: Any = None,
) -> FeeSchedule:
    """Change a schedule that has not taken effect yet (and has no bills)."""
    with transaction.atomic():
        schedule = _lock(schedule_id)
        clean = _check(name=name, effective_from=effective_from, amounts=amounts, schedule=schedule)
        old = dict(schedule.fees.values_list("code", "amount"))
        changed_fields = [
            field
            for field, value in (
                ("name", name.strip()),
                ("effective_from", effective_from),
                ("legal_basis", legal_basis.strip()),
            )
            if getattr(schedule, field) != value
        ]
        schedule.name = name.strip()
        schedule.effective_from = effective_from
        schedule.legal_basis = legal_basis.strip()
        _save_with_unique_date(schedule)
        changed_fees = sorted(code for code, amount in clean.items() if old.get(code) != amount)
        schedule.fees.exclude(code__in=list(clean)).delete()
        for code in changed_fees:
            Fee.objects.update_or_create(schedule=schedule, code=code, defaults={"amount": clean[code]})
        audit_record(
            action=ACTION_UPDATED,
            actor_id=_actor_id(updated_by),
            object_type="payments.feeschedule",
            object_id=str(schedule.pk),
            details={
                "effective_from": effective_from.isoformat(),
                "fields": changed_fields,
                "fees": changed_fees,
            },
        )
    return schedule


def fee_schedule_delete(*, schedule_id: int, deleted_by: Any = None) -> None:
    """Withdraw a schedule before it takes effect."""
    with transaction.atomic():
        schedule = _lock(schedule_id)
        effective_from = schedule.effective_from
        schedule.delete()
        audit_record(
            action=ACTION_DELETED,
            actor_id=_actor_id(deleted_by),
            object_type="payments.feeschedule",
            object_id=str(schedule_id),
            details={"effective_from": effective_from.isoformat()},
        )
