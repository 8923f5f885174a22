"""Issuing a SIM: the ``issue`` listener of the five SIM services (issue 7, point 8).

In the issue transition's transaction (``applications.events``, phase ``in_transaction``):

* a new ``Licence`` row for the holder — the number is their NIK (the card format of 25 July
  2024), encrypted with its blind index by ``licensing.services.licence_import``; issued today
  (Jakarta), valid until ``rules.new_expiry`` (5 years, international 3), issued by the
  application's handling office;
* renewal and replacement: the licence concerned becomes ``replaced`` (``replaced_by`` the new
  row) and its card document is superseded by the new card, so its verification page says so;
  an international SIM renewed the same way replaces the holder's current international SIM;
* upgrade and new licence: a row for the class; the holder's other classes are untouched. An
  old licence of the class still marked active although past its expiry date (the nightly
  ``licences_mark_expired`` has not run yet) is marked expired first, so the one-active-licence
  rule holds;
* the ``sim_card`` document for the application (``documents.services.document_issue``: the
  documents app renders it after commit) and ``Licence.document``.

Notifications already tell the citizen on ``issue``; delivery plans the physical card.
"""

from __future__ import annotations

import datetime as dt
import logging

from accounts.models import CitizenProfile, User
from applications.events import TransitionEvent
from applications.models import Application
from documents.models import IssuedDocument
from documents.services import document_issue
from korlantas.lib import clock
from licensing import card, rules
from licensing.models import Licence, RenewalDispensation, SimApplication, SimClass
from licensing.selectors import (
    SERVICE_INTERNATIONAL,
    SERVICE_NEW,
    SERVICE_RENEWAL,
    SERVICE_REPLACEMENT,
    SERVICE_UPGRADE,
)
from licensing.services import licence_import

logger = logging.getLogger("korlantas.licensing")

SIM_SERVICE_CODES = frozenset(
    {SERVICE_NEW, SERVICE_RENEWAL, SERVICE_UPGRADE, SERVICE_REPLACEMENT, SERVICE_INTERNATIONAL}
)
Kind = SimApplication.Kind


class IssuanceError(RuntimeError):
    """The application cannot be issued as it stands (the approve guard should have said so)."""


def international_renewal_of(
    licences: list[Licence], today: dt.date, dispensations: list[RenewalDispensation]
) -> Licence | None:
    """The holder's international SIM that an international application renews: one that is
    still valid or may still be renewed (90-day window, dispensations); None means a new one."""
    candidates = [
        lic
        for lic in licences
        if lic.sim_class == SimClass.INTERNATIONAL
        and (rules.is_valid(lic, today) or rules.renewal_allowed(lic, today, dispensations))
    ]
    return max(candidates, key=lambda lic: lic.expires_on, default=None)


def _locked(licence_id: int) -> Licence:
    return Licence.objects.select_for_update(of=("self",)).select_related("document").get(pk=licence_id)


def _previous_licence(sim: SimApplication, holder_index: str, today: dt.date) -> Licence | None:
    """The licence the new one replaces, locked; None for a new licence or an upgrade."""
    if sim.kind in (Kind.RENEWAL, Kind.REPLACEMENT):
        if sim.licence_id is None:
            raise IssuanceError(f"SIM application {sim.pk} names no licence to {sim.kind}")
        previous = _locked(sim.licence_id)
        if previous.holder_nik_index != holder_index:
            raise IssuanceError(f"licence {previous.pk} is not the applicant's")
        if previous.state in (Licence.State.REPLACED, Licence.State.REVOKED):
            raise IssuanceError(f"licence {previous.pk} is {previous.state}")
        return previous
    if sim.kind == Kind.INTERNATIONAL:
        held = list(
            Licence.objects.filter(
                holder_nik_index=holder_index,
                sim_class=SimClass.INTERNATIONAL,
                state__in=[Licence.State.ACTIVE, Licence.State.EXPIRED],
            )
        )
        dispensations = list(RenewalDispensation.objects.filter(renew_until__gte=today))
        renewed = international_renewal_of(held, today, dispensations)
        return _locked(renewed.pk) if renewed is not None else None
    return None


def _retire_lapsed(holder_index: str, sim_class: str, today: dt.date, keep: Licence | None) -> None:
    """Active rows of the class already past expiry become expired (what the nightly job does)."""
    lapsed = Licence.objects.select_for_update().filter(
        holder_nik_index=holder_index, sim_class=sim_class, state=Licence.State.ACTIVE, expires_on__lt=today
    )
    if keep is not None:
        lapsed = lapsed.exclude(pk=keep.pk)
    lapsed.update(state=Licence.State.EXPIRED)


def licence_issue(*, application: Application, actor: User | None = None) -> Licence:
    """Create the licence and its card for an approved SIM application (see the module docstring).
    Runs in the caller's transaction. Raises ``IssuanceError``."""
    sim = SimApplication.objects.filter(application=application).first()
    if sim is None:
        raise IssuanceError(f"application {application.pk} has no SIM details")
    profile = CitizenProfile.objects.filter(user_id=application.applicant_id).first()
    if profile is None or not profile.identity_verified or not profile.nik_index:
        raise IssuanceError(f"the applicant of application {application.pk} has no verified identity")
    today = clock.today()
    previous = _previous_licence(sim, profile.nik_index, today)
    _retire_lapsed(profile.nik_index, sim.sim_class, today, keep=previous)
    if previous is not None:
        # First, so the new row does not meet the one-active-licence-per-class rule.
        previous.state = Licence.State.REPLACED
        previous.state_reason = f"{sim.kind}: {application.reference}"
        previous.save(update_fields=["state", "state_reason"])
    nik = profile.nik
    licence = licence_import(
        nik=nik,
        sim_class=sim.sim_class,
        number=nik,
        issued_on=today,
        expires_on=rules.new_expiry(sim.kind, sim.sim_class, today),
        issuing_office=application.handling_office,
    )
    old_card = previous.document if previous is not None else None
    replaces = old_card if old_card is not None and old_card.status == IssuedDocument.Status.VALID else None
    document = document_issue(
        kind=card.KIND,
        application=application,
        holder=application.applicant,
        reference=application.reference,
        replaces=replaces,
        reason=f"Replaced by the card of application {application.reference} ({sim.kind})"
        if replaces
        else "",
        actor=actor,
    )
    licence.application = application
    licence.document = document
    licence.save(update_fields=["application", "document"])
    if previous is not None:
        previous.replaced_by = licence
        previous.save(update_fields=["replaced_by"])
    logger.info(
        "licence %s issued for application %s (%s, replaces %s)",
        licence.pk,
        application.pk,
        sim.kind,
        previous.pk if previous is not None else "-",
    )
    return licence


def issue_on_transition(event: TransitionEvent) -> None:
    """``issue`` listener (in the transaction): only the SIM services."""
    application = event.application
    if application.service_code not in SIM_SERVICE_CODES:
        return
    actor = User.objects.filter(pk=event.actor_id).first() if event.actor_id is not None else None
    licence_issue(application=application, actor=actor)
