"""Who someone is to the portal. Staff roles are Django groups; everyone else is a citizen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

OFFICER = "officer"
SUPERVISOR = "supervisor"
DISPATCHER = "dispatcher"
COURIER = "courier"
STAFF_ROLES = (OFFICER, SUPERVISOR, DISPATCHER, COURIER)
# Roles that work in the office dashboard (couriers have their own phone pages).
OFFICE_ROLES = frozenset({OFFICER, SUPERVISOR, DISPATCHER})


def roles_of(user: Any) -> frozenset[str]:
    """The staff roles of a user, read once per request object and kept on it."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_korlantas_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=STAFF_ROLES).values_list("name", flat=True))
        user._korlantas_roles = cached
    return cached


def is_staff_member(user: Any) -> bool:
    return bool(roles_of(user))


def is_citizen(user: Any) -> bool:
    """Signed in, holds no staff role and is no administrator."""
    return (
        getattr(user, "is_authenticated", False)
        and not user.is_staff
        and not user.is_superuser
        and not roles_of(user)
    )


def needs_mfa(user: Any) -> bool:
    """Staff and administrators must use a second factor; citizens may."""
    return getattr(user, "is_authenticated", False) and (
        user.is_staff or user.is_superuser or bool(roles_of(user))
    )


def role_groups(names: Iterable[str]) -> list[Any]:
    """The groups of these roles (created by a migration; recreated if an operator removed one)."""
    from django.contrib.auth.models import Group

    unknown = set(names) - set(STAFF_ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return [Group.objects.get_or_create(name=name)[0] for name in names]
