"""Sign-up, sign-in and passwords as SECURITY.md §1.2 asks (allauth, configured)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signup(client: Client, password: str, email: str = "baru@example.id") -> int:
    response = client.post("/akun/signup/", {"email": email, "password1": password, "password2": password})
    return response.status_code


@pytest.mark.parametrize(
    "password",
    ["pendek-sekali"[:11], "password1234", "123456789012345", "baru@example.id"],
)
def test_weak_passwords_are_refused(client: Client, password: str) -> None:
    assert signup(client, password) == 200
    from accounts.models import User

    assert not User.objects.filter(email="baru@example.id").exists()


def test_long_unicode_passphrase_is_accepted_exactly(client: Client) -> None:
    passphrase = "Saya suka naik sepeda ke pasar setiap pagi ☀️ bersama keluarga tercinta 🚲" * 2
    assert len(passphrase) > 128
    assert signup(client, passphrase) == 302
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(email="baru@example.id").update(verified=True)
    other = Client()
    assert (
        other.post("/akun/login/", {"login": "baru@example.id", "password": passphrase[:-1]}).status_code
        == 200
    )
    assert other.post("/akun/login/", {"login": "baru@example.id", "password": passphrase}).status_code == 302


def test_signup_requires_email_verification_before_sign_in(client: Client) -> None:
    assert signup(client, "jalan-panjang-menuju-rumah") == 302
    assert "confirm-email" in mail.outbox[-1].body
    response = Client().post(
        "/akun/login/", {"login": "baru@example.id", "password": "jalan-panjang-menuju-rumah"}
    )
    assert response.status_code == 302
    assert "/akun/confirm-email/" in response["Location"]


def test_sign_in_and_reset_do_not_reveal_whether_an_account_exists(client: Client) -> None:
    UserFactory(email="ada@example.id")
    known = Client().post("/akun/login/", {"login": "ada@example.id", "password": "salah-sandinya-12"})
    unknown = Client().post("/akun/login/", {"login": "tidakada@example.id", "password": "salah-sandinya-12"})
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors
    reset_known = Client().post("/akun/password/reset/", {"email": "ada@example.id"})
    reset_unknown = Client().post("/akun/password/reset/", {"email": "tidakada@example.id"})
    assert reset_known.status_code == reset_unknown.status_code == 302
    assert reset_known["Location"] == reset_unknown["Location"]


def test_after_five_failures_an_account_is_locked_for_a_while() -> None:
    """allauth's login_failed limit (5 per 5 minutes per account, 10 a minute per IP)."""
    user = UserFactory()
    for n in range(5):
        Client().post("/akun/login/", {"login": user.email, "password": f"salah-sandi-{n:03d}"})
    en = Client()
    en.cookies["django_language"] = "en"
    response = en.post("/akun/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    # Even the right password is refused now, with a message saying why.
    assert response.status_code == 200
    assert "Too many failed login attempts" in str(response.context["form"].non_field_errors())


def test_password_change_sends_a_security_notice(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    mail.outbox.clear()
    client.post("/akun/reauthenticate/", {"password": DEFAULT_PASSWORD})
    response = client.post(
        "/akun/password/change/",
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "jalan-baru-yang-panjang",
            "password2": "jalan-baru-yang-panjang",
        },
    )
    assert response.status_code == 302
    assert any(user.email in message.to for message in mail.outbox)


def test_sign_out_is_post_only(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    assert client.get("/akun/logout/").status_code == 200  # a confirmation page
    assert client.get("/akun/email/").status_code == 200  # still signed in
    client.post("/akun/logout/")
    assert client.get("/akun/email/").status_code == 302


def test_regency_options_follow_the_province(client: Client) -> None:
    from tests.accounts.factories import region_for

    _, jakarta_pusat = region_for("3171014507900003")
    _, bandung = region_for("3273011203950002")
    client.force_login(UserFactory())
    html = client.get(f"/warga/profil/wilayah/?province={jakarta_pusat.province_id}").content.decode()
    assert jakarta_pusat.name in html
    assert bandung.name not in html
