"""Named reads of the licences held.

A person's licences are found through the blind index of their *verified* NIK
(``accounts.selectors.verified_nik_index``, the one door): an unverified or disputed claimant
sees none. The page's rows say what the holder can do with each licence (renew, replace,
apply for an international licence); the application pages enforce the same rules again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils.functional import Promise

from accounts.models import User
from accounts.selectors import verified_nik_index
from korlantas.lib import clock
from licensing import rules
from licensing.classes import class_description
from licensing.models import Licence, RenewalDispensation, SimClass

# The application services a licence leads to (applications.registry codes).
SERVICE_NEW = "sim_new"
SERVICE_RENEWAL = "sim_renewal"
SERVICE_UPGRADE = "sim_upgrade"
SERVICE_REPLACEMENT = "sim_replacement"
SERVICE_INTERNATIONAL = "sim_international"

_STATE_RANK = Case(
    When(state=Licence.State.ACTIVE, then=Value(0)),
    When(state=Licence.State.EXPIRED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def licences_held(holder_nik_index: str) -> list[Licence]:
    """Every licence registered to this NIK index, by class (A, A Umum, B I, … as Perpol 5/2021
    lists them: the stored values sort that way), the current one of a class first."""
    return list(
        Licence.objects.filter(holder_nik_index=holder_nik_index)
        .select_related("issuing_office")
        .order_by("sim_class", _STATE_RANK, "-expires_on", "-pk")
    )


def licences_of(user: User) -> list[Licence]:
    index = verified_nik_index(user)
    return licences_held(index) if index is not None else []


def licence_of(user: User, public_id: uuid.UUID | str) -> Licence | None:
    """One of the user's own licences, or None (someone else's is as if it did not exist)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    index = verified_nik_index(user)
    if index is None:
        return None
    return (
        Licence.objects.select_related("issuing_office").filter(holder_nik_index=index, public_id=key).first()
    )


def dispensations_open(today: dt.date) -> list[RenewalDispensation]:
    """Dispensation windows one can still renew in today."""
    return list(RenewalDispensation.objects.filter(renew_until__gte=today))


def start_path(service_code: str, licence: Licence | None = None, sim_class: str = "") -> str:
    """The page that starts an application of ``service_code``, with the licence or the class
    preselected (a licence's public id is no personal data)."""
    path = reverse("applications:start", kwargs={"service_code": service_code})
    query = {"licence": str(licence.public_id)} if licence is not None else {}
    if sim_class:
        query["sim_class"] = sim_class
    return f"{path}?{urlencode(query)}" if query else path


def new_licence_path(sim_class: str) -> str:
    """A new licence of ``sim_class``: a class with a prerequisite is applied for as an upgrade
    (licensing.forms offers only the classes without one as new licences)."""
    service = SERVICE_UPGRADE if rules.PREREQUISITES.get(sim_class) else SERVICE_NEW
    return start_path(service, sim_class=sim_class)


@dataclass(frozen=True)
class LicenceRow:
    licence: Licence
    description: Promise | str
    is_valid: bool  # active and not past its last valid day
    days_left: int | None  # None once past expiry
    renewal_open: bool
    renew_url: str
    replace_url: str
    international_url: str
    new_url: str  # a new licence of the class: what is left once renewal is impossible

    @property
    def expired(self) -> bool:
        return self.days_left is None

    @property
    def renewal_opens_on(self) -> dt.date:
        return rules.renewal_opens_on(self.licence)


def licence_rows(licences: Sequence[Licence], today: dt.date | None = None) -> list[LicenceRow]:
    """What the holder's page shows of each licence: one query (the open dispensations) in all."""
    today = today if today is not None else clock.today()
    # Asked whenever there is a licence at all, so the page's query count does not depend on
    # the licences' states.
    dispensations = dispensations_open(today) if licences else []
    # A class held by a valid licence: its older, expired licences lead nowhere.
    held = {lic.sim_class for lic in licences if rules.is_valid(lic, today)}
    rows = []
    for licence in licences:
        in_date = today <= licence.expires_on
        is_valid = rules.is_valid(licence, today)
        superseded = not is_valid and licence.sim_class in held
        can_renew = not superseded and rules.renewal_allowed(licence, today, dispensations)
        national = licence.sim_class != SimClass.INTERNATIONAL
        rows.append(
            LicenceRow(
                licence=licence,
                description=class_description(licence.sim_class),
                is_valid=is_valid,
                days_left=(licence.expires_on - today).days if in_date else None,
                renewal_open=can_renew,
                renew_url=start_path(SERVICE_RENEWAL, licence) if can_renew else "",
                replace_url=start_path(SERVICE_REPLACEMENT, licence) if is_valid else "",
                international_url=(
                    start_path(SERVICE_INTERNATIONAL, licence) if is_valid and national else ""
                ),
                new_url=(
                    new_licence_path(licence.sim_class)
                    if not (is_valid or can_renew or superseded)
                    and licence.state in (Licence.State.ACTIVE, Licence.State.EXPIRED)
                    else ""
                ),
            )
        )
    return rows
