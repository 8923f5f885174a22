"""List and detail pages ask the database a fixed number of times, however many rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import roles, services
from accounts.models import StaffMembership
from tests.accounts.factories import make_profile, make_staff
from tests.factories import UserFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def open_disputes(count: int, start: int) -> None:
    for n in range(start, start + count):
        nik = f"31710145079{n:05d}"
        make_profile(nik)
        make_profile(nik, user=UserFactory())


def test_dispute_list_is_constant(client: Client) -> None:
    sign_in_with_mfa(client, make_staff(roles.OFFICER))
    open_disputes(1, start=1)
    one = queries_for(client, "/staf/identitas/sengketa/")
    open_disputes(9, start=2)
    assert queries_for(client, "/staf/identitas/sengketa/") == one


def test_invitation_list_is_constant(client: Client) -> None:
    supervisor = make_staff(roles.SUPERVISOR)
    office_id = StaffMembership.objects.get(user=supervisor).office_id
    sign_in_with_mfa(client, supervisor)

    def invite(count: int, start: int) -> None:
        for n in range(start, start + count):
            services.staff_invite(
                inviter=supervisor,
                email=f"p{n}@example.id",
                role_names=[roles.OFFICER],
                office_id=office_id,
                polda_id=None,
            )

    invite(1, 0)
    one = queries_for(client, "/staf/undangan/")
    invite(10, 1)
    assert queries_for(client, "/staf/undangan/") == one


@pytest.mark.parametrize("page", ["/warga/", "/warga/identitas/", "/warga/profil/"])
def test_citizen_pages_have_a_small_fixed_cost(client: Client, page: str) -> None:
    profile = make_profile(verified=True)
    client.force_login(profile.user)
    assert queries_for(client, page) <= 12
