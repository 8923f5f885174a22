"""Staff are invited, enrol TOTP at first sign-in, and reach no staff page — nor the admin —
without having used it in the session. Walked through the real pages."""

from __future__ import annotations

import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from accounts import roles, services
from accounts.models import StaffInvitation, StaffMembership, User
from audit.models import AuditEvent
from korlantas.lib import pii
from tests.accounts.factories import make_staff
from tests.accounts.totp import totp_now
from tests.factories import UserFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "jembatan-suramadu-panjang-2026"


def invite(supervisor_client: Client, email: str, *role_names: str) -> str:
    mail.outbox.clear()
    response = supervisor_client.post("/staf/undangan/", {"email": email, "roles": list(role_names)})
    assert response.status_code == 302, response.content.decode()[:2000]
    (message,) = mail.outbox
    assert message.to == [email]
    match = re.search(r"http://[^/\s]+(/undangan/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def supervisor() -> User:
    return make_staff(roles.SUPERVISOR, roles.OFFICER)


def test_invitation_to_first_staff_page_through_totp_enrolment(client: Client, supervisor: User) -> None:
    sign_in_with_mfa(client, supervisor)
    link = invite(client, "petugas.baru@example.id", roles.OFFICER)
    assert AuditEvent.objects.filter(action="staff.invited").count() == 1

    newcomer = Client()
    assert newcomer.get(link).status_code == 200
    response = newcomer.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(email="petugas.baru@example.id")
    assert roles.roles_of(user) == {roles.OFFICER}
    assert (
        StaffMembership.objects.get(user=user).office == StaffMembership.objects.get(user=supervisor).office
    )
    # The link works once.
    assert newcomer.post(link, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 200
    assert User.objects.filter(email="petugas.baru@example.id").count() == 1

    # First sign-in: the staff page sends the newcomer to enrol an authenticator.
    response = newcomer.post("/akun/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/staf/"
    response = newcomer.get("/staf/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/2fa/totp/activate/")
    assert newcomer.get("/admin/").status_code == 302
    # Changing MFA asks for the password again (ACCOUNT_REAUTHENTICATION_REQUIRED).
    response = newcomer.get("/akun/2fa/totp/activate/")
    assert response["Location"].startswith("/akun/reauthenticate/")
    newcomer.post("/akun/reauthenticate/", {"password": PASSWORD})
    page = newcomer.get("/akun/2fa/totp/activate/")
    secret = page.context["form"].secret
    response = newcomer.post("/akun/2fa/totp/activate/", {"code": totp_now(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    # TOTP secrets are stored encrypted.
    stored = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert stored != secret
    assert pii.decrypt(stored, purpose="allauth.mfa.authenticator.secret") == secret
    # Enrolling used the factor: the office dashboard opens.
    assert newcomer.get("/staf/").status_code == 200


def test_staff_with_totp_must_use_it_to_sign_in(client: Client) -> None:
    officer = make_staff(roles.OFFICER)
    officer.set_password(PASSWORD)
    officer.save()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(officer, secret)
    response = client.post("/akun/login/", {"login": officer.email, "password": PASSWORD})
    assert response["Location"].startswith("/akun/2fa/authenticate/")
    # Without the second step, no staff page.
    assert client.get("/staf/").status_code == 302
    response = client.post("/akun/2fa/authenticate/", {"code": totp_now(secret)})
    assert response.status_code == 302
    assert client.get("/staf/").status_code == 200
    # The same code cannot be used twice (allauth remembers it in the Redis cache).
    other = Client()
    other.post("/akun/login/", {"login": officer.email, "password": PASSWORD})
    response = other.post("/akun/2fa/authenticate/", {"code": totp_now(secret)})
    assert response.status_code == 200
    assert other.get("/staf/").status_code == 302


def test_password_alone_does_not_open_the_admin(client: Client) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/2fa/totp/activate/")
    sign_in_with_mfa(client, admin)
    assert client.get("/admin/").status_code == 200


def test_admin_login_page_is_the_portals_sign_in(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/akun/login/?next=/admin/"


def test_lost_authenticator_is_reset_by_an_administrator() -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    officer = make_staff(roles.OFFICER)
    TOTP.activate(officer, generate_totp_secret())
    administrator = UserFactory(is_superuser=True, is_staff=True)
    assert services.staff_mfa_reset(administrator=administrator, user=officer) == 1
    assert not Authenticator.objects.filter(user=officer).exists()
    event = AuditEvent.objects.get(action="mfa.reset_by_admin")
    assert event.actor_id == administrator.pk
    with pytest.raises(Exception, match="administrators only"):
        services.staff_mfa_reset(administrator=make_staff(roles.SUPERVISOR), user=officer)


def test_supervisor_invites_only_to_their_own_office(client: Client, supervisor: User) -> None:
    from django.core.exceptions import PermissionDenied

    from tests.offices.factories import OfficeFactory

    elsewhere = OfficeFactory()
    with pytest.raises(PermissionDenied):
        services.staff_invite(
            inviter=supervisor,
            email="x@example.id",
            role_names=[roles.OFFICER],
            office_id=elsewhere.pk,
            polda_id=None,
        )
    officer = make_staff(roles.OFFICER)
    with pytest.raises(PermissionDenied):
        services.staff_invite(
            inviter=officer,
            email="y@example.id",
            role_names=[roles.OFFICER],
            office_id=StaffMembership.objects.get(user=officer).office_id,
            polda_id=None,
        )
    assert StaffInvitation.objects.count() == 0


def test_expired_invitation_is_refused(client: Client, supervisor: User) -> None:
    import datetime as dt

    sign_in_with_mfa(client, supervisor)
    link = invite(client, "terlambat@example.id", roles.COURIER)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=8)):
        response = Client().post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 200
    assert not User.objects.filter(email="terlambat@example.id").exists()


def test_wrong_token_is_404(client: Client, supervisor: User) -> None:
    sign_in_with_mfa(client, supervisor)
    link = invite(client, "tebakan@example.id", roles.OFFICER)
    forged = link.rsplit("/", 2)[0] + "/" + "0" * 64 + "/"
    assert Client().get(forged).status_code == 404


def test_invitation_to_an_address_that_signed_up_meanwhile_is_refused(
    client: Client, supervisor: User
) -> None:
    sign_in_with_mfa(client, supervisor)
    link = invite(client, "cepat@example.id", roles.OFFICER)
    UserFactory(email="cepat@example.id")
    response = Client().post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 200
    assert User.objects.filter(email__iexact="cepat@example.id").count() == 1
