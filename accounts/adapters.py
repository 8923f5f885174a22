"""allauth adapters: where people land after signing in, and TOTP secrets encrypted at rest."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest
from django.urls import reverse

from accounts import roles
from korlantas.lib import pii

TOTP_PURPOSE = "allauth.mfa.authenticator.secret"


def home_url_for(user: object) -> str:
    user_roles = roles.roles_of(user)
    if user_roles & roles.OFFICE_ROLES:
        return reverse("accounts:staff_home")
    if roles.COURIER in user_roles:
        return reverse("accounts:courier_home")
    if roles.is_citizen(user):
        return reverse("accounts:citizen_home")
    return reverse("admin:index")


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return home_url_for(request.user)


class MFAAdapter(DefaultMFAAdapter):
    """allauth stores TOTP seeds as given unless the adapter encrypts them (SECURITY.md §1.2)."""

    def encrypt(self, text: str) -> str:
        return pii.encrypt(text, purpose=TOTP_PURPOSE)

    def decrypt(self, encrypted_text: str) -> str:
        return pii.decrypt(encrypted_text, purpose=TOTP_PURPOSE)
