"""SECURITY.md §8 items 12, 13, 15, 16 and 17: the parts no other test tried yet.

* 12 — the session id changes again when the second factor completes the sign-in.
* 13 — a password change ends the account's other sessions; a deactivated account's session dies.
* 15 — a recovery code works once; a password reset does not skip the second factor.
* 16 — sign-up answers the same for a known and an unknown address.
* 17 — the password policy at sign-up, change and reset: 7 characters refused, common passwords
  refused for being common, a 64+ character Unicode passphrase accepted and required exactly.

Everything goes through the real allauth pages with Django's test client.
"""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import User
from tests.accounts.factories import make_staff
from tests.accounts.totp import totp_now
from tests.factories import DEFAULT_PASSWORD, UserFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

LOGIN = "/akun/login/"
SIGNED_IN_ONLY = "/akun/email/"  # any page that needs a signed-in person and no second factor
MFA_STEP = "/akun/2fa/authenticate/"


def session_key(client: Client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie is not None else None


def is_signed_in(client: Client) -> bool:
    return client.get(SIGNED_IN_ONLY).status_code == 200


def officer_with_totp() -> tuple[User, str]:
    officer = make_staff(roles.OFFICER)
    secret = generate_totp_secret()
    TOTP.activate(officer, secret)
    return officer, secret


# --- item 12: the session id changes at each step of the sign-in --------------------------------


def test_session_id_changes_when_the_second_factor_completes_the_sign_in(client: Client) -> None:
    officer, secret = officer_with_totp()
    client.get(LOGIN)
    response = client.post(LOGIN, {"login": officer.email, "password": DEFAULT_PASSWORD})
    assert response["Location"].startswith(MFA_STEP)
    after_password = session_key(client)
    assert after_password is not None  # the pending sign-in lives in a session
    assert not is_signed_in(client)

    response = client.post(MFA_STEP, {"code": totp_now(secret)})
    assert response.status_code == 302
    after_mfa = session_key(client)
    assert after_mfa is not None
    assert after_mfa != after_password
    assert client.get("/staf/").status_code == 200

    # The half-signed-in session of the password step opens nothing.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = after_password
    assert replay.get("/staf/").status_code == 302
    assert not is_signed_in(replay)


# --- item 13: other sessions end --------------------------------------------------------------------


def test_a_password_change_ends_the_accounts_other_sessions_but_not_this_one() -> None:
    user = UserFactory()
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
        assert is_signed_in(client)
    assert session_key(here) != session_key(elsewhere)

    response = here.post(
        "/akun/password/change/",
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "jalan-baru-yang-panjang-2026",
            "password2": "jalan-baru-yang-panjang-2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]

    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    # And the old password opens nothing any more.
    again = Client()
    again.post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD})
    assert not is_signed_in(again)


def test_a_deactivated_accounts_session_dies_at_its_next_request(client: Client) -> None:
    officer = make_staff(roles.OFFICER)
    sign_in_with_mfa(client, officer)
    assert client.get("/staf/").status_code == 200

    # What the admin's "active" box does (accounts/admin.py); the admin form itself is tested elsewhere.
    User.objects.filter(pk=officer.pk).update(is_active=False)

    response = client.get("/staf/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not is_signed_in(client)


# --- item 15: recovery codes once; a reset does not skip the second factor ------------------------


def test_a_recovery_code_signs_in_once(client: Client) -> None:
    officer, _secret = officer_with_totp()
    codes = RecoveryCodes.activate(officer).get_unused_codes()
    code = codes[0]

    client.post(LOGIN, {"login": officer.email, "password": DEFAULT_PASSWORD})
    assert client.post(MFA_STEP, {"code": code}).status_code == 302
    assert client.get("/staf/").status_code == 200

    other = Client()
    response = other.post(LOGIN, {"login": officer.email, "password": DEFAULT_PASSWORD})
    assert response["Location"].startswith(MFA_STEP)
    response = other.post(MFA_STEP, {"code": code})
    assert response.status_code == 200  # the form again, with its error
    assert other.get("/staf/").status_code == 302
    # Another, unused code still works: the refusal was about the used one.
    assert other.post(MFA_STEP, {"code": codes[1]}).status_code == 302
    assert other.get("/staf/").status_code == 200


def reset_link(email: str) -> str:
    mail.outbox.clear()
    assert Client().post("/akun/password/reset/", {"email": email}).status_code == 302
    (message,) = [m for m in mail.outbox if email in m.to]
    match = re.search(r"https?://[^/\s]+(/akun/password/reset/key/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def set_password_by_link(client: Client, link: str, password: str) -> int:
    """Follows the e-mailed link (allauth moves the key into the session) and posts the form."""
    response = client.get(link)
    if response.status_code == 302:
        link = response["Location"]
        response = client.get(link)
    return client.post(link, {"password1": password, "password2": password}).status_code


def test_a_password_reset_still_asks_for_the_second_factor() -> None:
    officer, secret = officer_with_totp()
    link = reset_link(officer.email)
    resetting = Client()
    new_password = "jembatan-merah-putih-2026"
    assert set_password_by_link(resetting, link, new_password) == 302
    # The reset signs nobody in (ACCOUNT_LOGIN_ON_PASSWORD_RESET is off).
    assert not is_signed_in(resetting)
    assert resetting.get("/staf/").status_code == 302

    # Signing in with the new password stops at the second factor, as before.
    client = Client()
    response = client.post(LOGIN, {"login": officer.email, "password": new_password})
    assert response["Location"].startswith(MFA_STEP)
    assert client.get("/staf/").status_code == 302
    assert client.post(MFA_STEP, {"code": totp_now(secret)}).status_code == 302
    assert client.get("/staf/").status_code == 200
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()

    # The link worked once (SECURITY.md 6.4.1).
    assert set_password_by_link(Client(), link, "yet-another-long-password") != 302
    client = Client()
    response = client.post(LOGIN, {"login": officer.email, "password": "yet-another-long-password"})
    assert response.status_code == 200  # the sign-in form again: that password was never set


# --- item 16: sign-up tells nobody whether an address has an account ------------------------------


def test_sign_up_answers_the_same_for_a_known_and_an_unknown_address() -> None:
    UserFactory(email="sudah-ada@example.id")
    mail.outbox.clear()
    password = "sungai-musi-mengalir-tenang"

    def sign_up(email: str) -> tuple[int, str, list[str]]:
        client = Client()
        response = client.post(
            "/akun/signup/", {"email": email, "password1": password, "password2": password}
        )
        location = response.get("Location", "")
        page = client.get(location) if location else response
        return response.status_code, location, [t.name for t in page.templates if t.name]

    known = sign_up("sudah-ada@example.id")
    unknown = sign_up("belum-ada@example.id")
    assert known == unknown
    assert known[0] == 302
    # Each address got one message (the owner of the known one is told someone tried), and no
    # second account was made.
    assert sorted(m.to[0] for m in mail.outbox) == ["belum-ada@example.id", "sudah-ada@example.id"]
    assert User.objects.filter(email__iexact="sudah-ada@example.id").count() == 1


# --- item 17: the password policy at sign-up, change and reset ------------------------------------

SEVEN = "Rb7#qk2"
# Long enough for the length rule, refused only for being common (Django's list of 20 000).
COMMON = "password1234"
PASSPHRASE = "Kereta api berangkat pukul tujuh pagi dari Gambir menuju Yogyakarta ☕🚆 ok"


def error_codes(response: object) -> set[str]:
    form = response.context["form"]  # type: ignore[attr-defined]
    return {error.code for errors in form.errors.as_data().values() for error in errors}


def test_policy_constants_are_what_the_item_asks() -> None:
    assert len(SEVEN) == 7
    assert len(PASSPHRASE) >= 64
    assert any(ord(ch) > 127 for ch in PASSPHRASE)


@pytest.mark.parametrize(
    ("password", "code"), [(SEVEN, "password_too_short"), (COMMON, "password_too_common")]
)
def test_sign_up_refuses_short_and_common_passwords(password: str, code: str) -> None:
    response = Client().post(
        "/akun/signup/", {"email": "baru@example.id", "password1": password, "password2": password}
    )
    assert response.status_code == 200
    assert code in error_codes(response)
    assert not User.objects.filter(email="baru@example.id").exists()


@pytest.mark.parametrize(
    ("password", "code"), [(SEVEN, "password_too_short"), (COMMON, "password_too_common")]
)
def test_password_change_refuses_short_and_common_passwords(client: Client, password: str, code: str) -> None:
    user = UserFactory()
    client.post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD})
    response = client.post(
        "/akun/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert code in error_codes(response)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("password", "code"), [(SEVEN, "password_too_short"), (COMMON, "password_too_common")]
)
def test_password_reset_refuses_short_and_common_passwords(password: str, code: str) -> None:
    user = UserFactory()
    link = reset_link(user.email)
    client = Client()
    response = client.get(link)
    form_url = response["Location"] if response.status_code == 302 else link
    response = client.post(form_url, {"password1": password, "password2": password})
    assert response.status_code == 200
    assert code in error_codes(response)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_long_unicode_passphrase_is_accepted_at_change_and_needed_exactly(client: Client) -> None:
    user = UserFactory()
    client.post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD})
    response = client.post(
        "/akun/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": PASSPHRASE, "password2": PASSPHRASE},
    )
    assert response.status_code == 302
    for wrong in (PASSPHRASE[:-1], PASSPHRASE.upper(), PASSPHRASE[:64]):
        attempt = Client()
        attempt.post(LOGIN, {"login": user.email, "password": wrong})
        assert not is_signed_in(attempt), wrong
    right = Client()
    assert right.post(LOGIN, {"login": user.email, "password": PASSPHRASE}).status_code == 302
    assert is_signed_in(right)


def test_password_change_needs_the_current_password(client: Client) -> None:
    user = UserFactory()
    client.post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD})
    response = client.post(
        "/akun/password/change/",
        {"oldpassword": "bukan-sandi-lama-ini", "password1": PASSPHRASE, "password2": PASSPHRASE},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert reverse("account_change_password") == "/akun/password/change/"
