"""`manage.py seed` makes demo citizens and staff of every role at two offices, once."""

from __future__ import annotations

import io
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command

from accounts import demo, roles
from accounts.models import CitizenProfile, StaffMembership, User
from tests.accounts.totp import totp_now

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed", stdout=out)
    return out.getvalue()


def test_demo_accounts_are_created_once_and_printed() -> None:
    first = seed()
    counts = (User.objects.count(), CitizenProfile.objects.count(), Authenticator.objects.count())
    second = seed()
    assert (User.objects.count(), CitizenProfile.objects.count(), Authenticator.objects.count()) == counts
    # Every role at a Satpas and a Samsat; an officer and a supervisor at the BPKB unit and at a
    # Samsat of another region (the vehicle services' routes).
    assert first.count("TOTP secret") == second.count("TOTP secret") == 12
    states = set(CitizenProfile.objects.values_list("identity_state", flat=True))
    assert states == {"verified", "unverified"}
    offices = StaffMembership.objects.values_list("office__kind", "office_id").distinct()
    assert sorted(kind for kind, _office in offices) == ["bpkb_unit", "samsat", "samsat", "satpas"]
    for _kind, office_id in offices:
        members = User.objects.filter(staff_membership__office_id=office_id)
        every_role = office_id in {office.pk for office in demo._demo_offices()}
        expected = set(roles.STAFF_ROLES) if every_role else {roles.OFFICER, roles.SUPERVISOR}
        assert {g for u in members for g in roles.roles_of(u)} == expected


def test_printed_totp_secret_produces_valid_codes() -> None:
    output = seed()
    email, secret = re.search(r"officer at [^:]+: (\S+) / \S+ / TOTP secret (\S+)", output).groups()  # type: ignore[union-attr]
    authenticator = Authenticator.objects.get(user__email=email, type=Authenticator.Type.TOTP)
    assert TOTP(authenticator).validate_code(totp_now(secret))
