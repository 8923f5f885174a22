from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress

from accounts.models import User

DEFAULT_PASSWORD = "jalan-raya-aman-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"warga{n}@example.id")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """A verified primary address, as after allauth's e-mail confirmation."""
        if not create or extracted is False:
            return
        self.save()
        EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


def sign_in_with_mfa(client: Any, user: User) -> None:
    """Signed in with password and TOTP in this session, as allauth records it.

    Reaches the state a staff member is in after the real two-step sign-in, which
    tests/accounts/test_staff_mfa.py walks through page by page.
    """
    import time

    from allauth.account.internal.flows import login as allauth_login

    client.force_login(user)
    session = client.session
    session[allauth_login.AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session[allauth_login._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
