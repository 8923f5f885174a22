"""Sign-in, failed sign-in, sign-out and MFA changes land in the trail through the real
views, with ids and hashes only (SECURITY.md §1.8)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time as counters
from django.test import Client
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from audit.receivers import attempted_login
from audit.services import audit_pii_hash
from tests.audit.helpers import field_values, stored_row_text
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/akun/login/"
LOGOUT_URL = "/akun/logout/"


def only_event(action: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, [e.action for e in AuditEvent.objects.all()]
    return events[0]


def sign_in(client: Client, user: Any) -> None:
    response = client.post(LOGIN_URL, {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)


def reauthenticate(client: Client) -> None:
    """Confirm the password again, as allauth asks before MFA changes."""
    response = client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_sign_in_is_recorded(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    event = only_event(AuditAction.LOGIN)
    assert event.actor_id == user.pk
    assert event.object_type == "accounts.user"
    assert event.object_id == str(user.public_id)
    assert event.ip == "127.0.0.1"
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).exists()
    assert user.email not in stored_row_text(event)


@pytest.mark.parametrize("typed", [str.lower, str.upper])
def test_failed_sign_in_is_recorded_without_the_address_or_password(
    client: Client, typed: Callable[[str], str]
) -> None:
    user = UserFactory()
    wrong_password = "salah-sandi-" + "x7q2"
    response = client.post(LOGIN_URL, {"login": typed(user.email), "password": wrong_password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = only_event(AuditAction.LOGIN_FAILED)
    assert event.actor_id is None
    assert event.ip == "127.0.0.1"
    # The tried address, lower-cased, as a keyed hash: failures against one account
    # can be counted without the address being stored.
    assert event.changed_fields == {"email": audit_pii_hash(user.email.lower())}
    texts = [json.dumps(field_values(event), default=str), stored_row_text(event)]
    for text in texts:
        for secret in (
            user.email,
            user.email.upper(),
            user.email.split("@")[0],
            wrong_password,
            DEFAULT_PASSWORD,
        ):
            assert secret not in text
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_failed_sign_in_for_an_unknown_address_is_recorded(client: Client) -> None:
    response = client.post(LOGIN_URL, {"login": "tidak.ada@example.id", "password": "apa-saja-123456"})
    assert response.status_code == 200
    event = only_event(AuditAction.LOGIN_FAILED)
    assert event.changed_fields == {"email": audit_pii_hash("tidak.ada@example.id")}
    assert "tidak.ada" not in stored_row_text(event)


def test_failed_reauthentication_names_the_signed_in_user(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    response = client.post(reverse("account_reauthenticate"), {"password": "bukan-sandinya-42"})
    assert response.status_code == 200
    event = only_event(AuditAction.LOGIN_FAILED)
    assert event.actor_id == user.pk
    assert event.changed_fields == {"email": audit_pii_hash(user.email.lower())}
    assert "bukan-sandinya-42" not in stored_row_text(event)


def test_attempted_login_reads_the_usual_credential_names() -> None:
    assert attempted_login({"email": " Siti@Example.ID ", "password": "*****"}) == "siti@example.id"
    assert attempted_login({"username": "Siti@Example.ID"}) == "siti@example.id"
    assert attempted_login({"password": "*****"}) is None


def test_sign_out_is_recorded(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    response = client.post(LOGOUT_URL)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    event = only_event(AuditAction.LOGOUT)
    assert (event.actor_id, event.object_id, event.ip) == (user.pk, str(user.public_id), "127.0.0.1")


def current_totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, list(counters())[len(list(counters())) // 2]))


# allauth sends its MFA signals from on_commit callbacks, inside the request in real life;
# only a transactional test commits while the request is still being handled.
@pytest.mark.django_db(transaction=True)
def test_mfa_enrolment_removal_and_recovery_codes_are_recorded(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    reauthenticate(client)

    # Enrol TOTP the way a person does: open the page (which draws a secret), type a code.
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})
    assert response.status_code == 302, response.content[:500]
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    enrolled = AuditEvent.objects.filter(action=AuditAction.MFA_ENROLLED)
    # allauth adds recovery codes along with the first authenticator.
    assert sorted(event.details["type"] for event in enrolled) == ["recovery_codes", "totp"]
    for event in enrolled:
        assert (event.actor_id, event.object_id, event.ip) == (user.pk, str(user.public_id), "127.0.0.1")
        assert secret not in stored_row_text(event)

    response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302, response.content[:500]
    regenerated = only_event(AuditAction.MFA_RECOVERY_CODES_REGENERATED)
    assert regenerated.details == {"type": "recovery_codes"}
    assert regenerated.actor_id == user.pk

    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302, response.content[:500]
    removed = AuditEvent.objects.filter(action=AuditAction.MFA_REMOVED)
    assert sorted(event.details["type"] for event in removed) == ["recovery_codes", "totp"]
    assert {event.actor_id for event in removed} == {user.pk}


@pytest.mark.django_db(transaction=True)
def test_mfa_code_used_and_failed_at_sign_in_are_recorded(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    reauthenticate(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    client.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})
    client.post(LOGOUT_URL)

    response = client.post(LOGIN_URL, {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    failed = only_event(AuditAction.MFA_FAILED)
    assert failed.actor_id == user.pk
    assert failed.details["purpose"] == "login"
    assert "000000" not in json.dumps(failed.details)

    # A code not yet used (allauth refuses a code twice within its window).
    next_counter = list(counters())[-1]
    response = client.post(
        reverse("mfa_authenticate"), {"code": format_hotp_value(hotp_value(secret, next_counter))}
    )
    assert response.status_code == 302
    used = only_event(AuditAction.MFA_USED)
    assert used.details == {"type": "totp", "purpose": "login"}
    assert used.actor_id == user.pk
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN).count() == 2
