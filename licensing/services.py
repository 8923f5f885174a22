"""Writes of the licences held: importing a licence, the nightly expiry, reading the number.

* ``licence_import`` records a licence issued elsewhere (an older system, the demo data): the
  number is encrypted (``NUMBER_PURPOSE``) with its own blind index and last four digits, and
  the licence belongs to the person through the blind index of their NIK, computed exactly as
  ``accounts.services.nik_index`` computes it — so it is theirs once their identity is
  verified, whether or not they had an account when it was imported.
* ``licences_mark_expired`` (beat, ``licensing.tasks.mark_expired_licences``): active licences
  past their expiry date become expired. Running it again changes nothing.
* ``licence_number``: the whole number, for the holder's own card only (never a page or a log).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from accounts.nik import NikError, parse_nik
from accounts.nik import normalise as normalise_nik
from accounts.services import nik_index
from korlantas.lib import clock, pii
from licensing.models import NUMBER_PURPOSE, Licence, SimClass
from offices.models import Office

logger = logging.getLogger("korlantas.licensing")

NIK_LENGTH = 16
# Cards before 25 July 2024: 12 or 13 digits, the 2019 Smart SIM 14 (DOMAIN.md §1.8, §5.2).
LEGACY_LENGTHS = (12, 13, 14)


class LicenceImportError(ValueError):
    """The licence cannot be recorded as given; the message says why."""


def _digits(value: str) -> str:
    return value.replace(" ", "").replace("-", "").replace(".", "").strip()


def number_index(number: str) -> str:
    """The blind index of a licence number (for an exact search, e.g. in the admin)."""
    return pii.blind_index(_digits(number), purpose=NUMBER_PURPOSE)


def _checked_number(number: str, nik: str) -> tuple[str, bool]:
    """The number as stored, and whether it is the holder's NIK (the card format of 25 July 2024)."""
    digits = _digits(number)
    if not digits.isascii() or not digits.isdigit():
        raise LicenceImportError("A SIM number has digits only.")
    if len(digits) == NIK_LENGTH:
        if digits != nik:
            raise LicenceImportError(
                "A 16-digit SIM number is the holder's NIK (cards since 25 July 2024); this one is not."
            )
        return digits, True
    if len(digits) in LEGACY_LENGTHS:
        return digits, False
    raise LicenceImportError(
        f"A SIM number is the holder's 16-digit NIK or an older 12–14-digit number, not {len(digits)} digits."
    )


def licence_import(
    *,
    nik: str,
    sim_class: str,
    number: str,
    issued_on: dt.date,
    expires_on: dt.date,
    issuing_office: Office | None = None,
    state: str = Licence.State.ACTIVE,
) -> Licence:
    """Record a licence a person holds. Raises ``LicenceImportError`` (a ``ValueError``) with
    the reason when the data is inconsistent: a malformed NIK, an unknown class or state, a
    number that is neither the NIK nor a 12–14-digit legacy number, dates out of order or in
    the future, or a second active licence of the same class."""
    nik = normalise_nik(nik)
    try:
        parse_nik(nik)
    except NikError as exc:
        raise LicenceImportError(f"Invalid NIK: {exc.message}") from exc
    if sim_class not in SimClass.values:
        raise LicenceImportError(f"Unknown SIM class {sim_class!r}; one of {', '.join(SimClass.values)}.")
    if state not in Licence.State.values:
        raise LicenceImportError(
            f"Unknown licence state {state!r}; one of {', '.join(Licence.State.values)}."
        )
    digits, is_nik = _checked_number(number, nik)
    if expires_on <= issued_on:
        raise LicenceImportError("A licence expires after the day it is issued.")
    if issued_on > clock.today():
        raise LicenceImportError("A licence cannot be issued in the future.")
    holder = nik_index(nik)
    index = pii.blind_index(digits, purpose=NUMBER_PURPOSE)
    if not is_nik and Licence.objects.filter(number_index=index).exclude(holder_nik_index=holder).exists():
        raise LicenceImportError("This SIM number belongs to a licence of another person.")
    with transaction.atomic():
        if (
            state == Licence.State.ACTIVE
            and Licence.objects.select_for_update()
            .filter(holder_nik_index=holder, sim_class=sim_class, state=Licence.State.ACTIVE)
            .exists()
        ):
            raise LicenceImportError("This person already holds an active licence of this class.")
        licence = Licence.objects.create(
            holder_nik_index=holder,
            sim_class=sim_class,
            number_ciphertext=pii.encrypt(digits, purpose=NUMBER_PURPOSE),
            number_index=index,
            number_last4=digits[-4:],
            number_is_nik=is_nik,
            issued_on=issued_on,
            expires_on=expires_on,
            issuing_office=issuing_office,
            state=state,
        )
    logger.info("licence %s imported (class %s, state %s)", licence.pk, sim_class, state)
    return licence


def licences_mark_expired(today: dt.date | None = None) -> int:
    """Active licences whose last valid day is before ``today`` (Jakarta) become expired.

    Returns how many changed; a second run the same day changes none (beat job)."""
    today = today if today is not None else clock.today()
    changed = Licence.objects.filter(state=Licence.State.ACTIVE, expires_on__lt=today).update(
        state=Licence.State.EXPIRED
    )
    if changed:
        logger.info("%s licences expired", changed)
    return changed


def licence_number(licence: Licence) -> str:
    """The whole number — for the holder's own card (the e-SIM document) only."""
    return pii.decrypt(licence.number_ciphertext, purpose=NUMBER_PURPOSE)
