"""Reactions to allauth's signals."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver


@receiver(authenticator_added)
def enrolment_counts_as_use(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    """Enrolling TOTP means typing a valid code: that is a use of the second factor in
    this session, so staff reach their pages without typing a second code at once."""
    if request is not None and hasattr(request, "session") and authenticator.type == "totp":
        record_authentication(request, user, "mfa", type="totp", id=authenticator.pk)
