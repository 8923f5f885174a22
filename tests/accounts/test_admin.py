"""Administrators invite staff anywhere and reset lost authenticators from the admin."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.test import Client

from accounts import roles
from accounts.models import StaffInvitation
from audit.models import AuditEvent
from tests.accounts.factories import make_staff
from tests.factories import UserFactory, sign_in_with_mfa
from tests.offices.factories import OfficeFactory, PoldaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    sign_in_with_mfa(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_invites_a_polda_supervisor(admin_client: Client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    polda = PoldaFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/accounts/staffinvitation/add/",
            {"email": "kasubdit@example.id", "roles": [roles.SUPERVISOR], "polda": polda.pk},
        )
    assert response.status_code == 302
    invitation = StaffInvitation.objects.get()
    assert invitation.polda == polda
    assert invitation.office is None
    assert mail.outbox[-1].to == ["kasubdit@example.id"]


def test_admin_invitation_errors_show_on_the_form(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/accounts/staffinvitation/add/",
        {"email": "x@example.id", "roles": [roles.OFFICER], "polda": PoldaFactory().pk},
    )
    assert response.status_code == 200
    assert "Polda" in str(response.context["adminform"].form.non_field_errors())
    response = admin_client.post(
        "/admin/accounts/staffinvitation/add/",
        {
            "email": "x@example.id",
            "roles": [roles.OFFICER],
            "office": OfficeFactory().pk,
            "polda": PoldaFactory().pk,
        },
    )
    assert response.status_code == 200
    assert StaffInvitation.objects.count() == 0


def test_admin_action_resets_a_lost_authenticator(admin_client: Client) -> None:
    officer = make_staff(roles.OFFICER)
    TOTP.activate(officer, generate_totp_secret())
    response = admin_client.post(
        "/admin/accounts/user/", {"action": "reset_mfa", "_selected_action": [officer.pk]}
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=officer).exists()
    assert AuditEvent.objects.filter(action="mfa.reset_by_admin").count() == 1
