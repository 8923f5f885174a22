"""Which offices a supervisor supervises.

An office supervisor (``StaffMembership.office``) supervises their office; a Polda supervisor
(``StaffMembership.polda``, no office) every office of that Polda. Anyone without the
SUPERVISOR role supervises nothing. The same rule as ``applications.selectors.staff_scope``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from accounts.models import StaffMembership, User
from accounts.roles import SUPERVISOR, roles_of
from offices.models import Office


@dataclass(frozen=True)
class Scope:
    offices: list[Office]  # by name
    via_polda: bool  # the user supervises a Polda (every office of it), not one office

    @property
    def office_ids(self) -> list[int]:
        return [office.pk for office in self.offices]


def supervised_scope(user: User) -> Scope:
    """The offices ``user`` supervises, in one query (after the roles, read once per request)."""
    if SUPERVISOR not in roles_of(user):
        return Scope(offices=[], via_polda=False)
    own_office = StaffMembership.objects.filter(user=user, office_id=OuterRef("pk"))
    own_polda = StaffMembership.objects.filter(user=user, office__isnull=True, polda_id=OuterRef("polda_id"))
    # Two EXISTS, not joins: a Polda with many staff must not multiply the office rows.
    offices: list[Office] = list(
        Office.objects.annotate(via_polda=Exists(own_polda))
        .filter(Exists(own_office) | Q(via_polda=True))
        .order_by("name", "pk")
    )
    return Scope(offices=offices, via_polda=any(getattr(office, "via_polda", False) for office in offices))


def supervised_office_ids(user: User) -> list[int]:
    """The ids of the offices ``user`` supervises; [] for none."""
    return supervised_scope(user).office_ids


def supervisor_ids_of(*, office_id: int, polda_id: int | None) -> list[int]:
    """The other direction: the active supervisors of the office and the Polda-level supervisors
    of its Polda (user ids, ascending), in one query — who is told about the office's work."""
    members = Q(office_id=office_id)
    if polda_id is not None:
        members |= Q(office__isnull=True, polda_id=polda_id)
    return list(
        StaffMembership.objects.filter(members, user__is_active=True, user__groups__name=SUPERVISOR)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
