"""Authentication events into the audit trail (SECURITY.md §1.8, ASVS 16.3.1).

Django's auth signals give sign-in, failed sign-in and sign-out; allauth.mfa's signals
give authenticators added, removed, reset (recovery codes regenerated), used and failed.
Connected in ``AuditConfig.ready``. Each receiver writes one row with ids and hashes only:
a failed sign-in stores the keyed hash of the login that was tried, never the address
itself, and never the password.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from audit.actions import AuditAction
from audit.services import audit_record, client_ip

USER_OBJECT_TYPE = "accounts.user"
DISPATCH_PREFIX = "audit.receivers."


def user_object_id(user: Any) -> str:
    """How the trail names a user as an object: the opaque ``public_id`` (as the accounts
    services do), never the e-mail address."""
    return str(getattr(user, "public_id", None) or user.pk)


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def _acting_user_id(request: HttpRequest | None, fallback: Any) -> int | None:
    """The signed-in user of the request; else the user the event is about."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return int(user.pk)
    return int(fallback.pk) if fallback is not None and fallback.pk is not None else None


def _user_event(action: str, request: HttpRequest | None, user: Any, details: Mapping[str, object]) -> None:
    audit_record(
        action=action,
        actor_id=_acting_user_id(request, user),
        object_type=USER_OBJECT_TYPE if user is not None else "",
        object_id=user_object_id(user) if user is not None else "",
        details=details,
        ip=_ip(request),
    )


def on_user_logged_in(sender: object, request: HttpRequest | None, user: Any, **kwargs: object) -> None:
    # The user who just signed in is the actor (request.user may not be set yet).
    audit_record(
        action=AuditAction.LOGIN,
        actor_id=user.pk,
        object_type=USER_OBJECT_TYPE,
        object_id=user_object_id(user),
        ip=_ip(request),
    )


def on_user_logged_out(sender: object, request: HttpRequest | None, user: Any, **kwargs: object) -> None:
    # ``user`` is None when the session had nobody signed in.
    audit_record(
        action=AuditAction.LOGOUT,
        actor_id=user.pk if user is not None else None,
        object_type=USER_OBJECT_TYPE if user is not None else "",
        object_id=user_object_id(user) if user is not None else "",
        ip=_ip(request),
    )


def attempted_login(credentials: Mapping[str, object]) -> str | None:
    """The login (an e-mail address) tried in a failed sign-in, lower-cased, if any.

    allauth passes it as ``email``; Django's own forms (the admin's) as ``username`` or
    the user model's USERNAME_FIELD.
    """
    username_field = get_user_model().USERNAME_FIELD
    for key in ("email", "username", "login", username_field):
        value = credentials.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


def on_user_login_failed(
    sender: object, credentials: Mapping[str, object], request: HttpRequest | None = None, **kwargs: object
) -> None:
    # Nobody is known to be acting, unless a signed-in user failed to confirm their
    # password (reauthentication). The tried address is kept only as a keyed hash, so
    # repeated failures against one account can be told apart without storing it.
    login = attempted_login(credentials)
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        actor_id=_acting_user_id(request, None),
        changed={"email": login} if login is not None else None,
        ip=_ip(request),
    )


def on_authenticator_added(
    sender: object, request: HttpRequest | None, user: Any, authenticator: Any, **kwargs: object
) -> None:
    _user_event(AuditAction.MFA_ENROLLED, request, user, {"type": str(authenticator.type)})


def on_authenticator_removed(
    sender: object, request: HttpRequest | None, user: Any, authenticator: Any, **kwargs: object
) -> None:
    _user_event(AuditAction.MFA_REMOVED, request, user, {"type": str(authenticator.type)})


def on_authenticator_reset(
    sender: object, request: HttpRequest | None, user: Any, authenticator: Any, **kwargs: object
) -> None:
    # allauth sends this when a user regenerates their own recovery codes; a reset of
    # someone else's MFA by staff is recorded by the accounts services (mfa.reset_by_admin).
    _user_event(AuditAction.MFA_RECOVERY_CODES_REGENERATED, request, user, {"type": str(authenticator.type)})


def on_authenticator_used(
    sender: object,
    request: HttpRequest | None,
    user: Any,
    authenticator: Any,
    reauthenticated: bool = False,
    passwordless: bool = False,
    **kwargs: object,
) -> None:
    purpose = "reauthentication" if reauthenticated else "passwordless" if passwordless else "login"
    _user_event(AuditAction.MFA_USED, request, user, {"type": str(authenticator.type), "purpose": purpose})


def on_authentication_failed(
    sender: object,
    request: HttpRequest | None,
    user: Any,
    authenticator: Any = None,
    reauthentication: bool = False,
    **kwargs: object,
) -> None:
    details: dict[str, object] = {"purpose": "reauthentication" if reauthentication else "login"}
    if authenticator is not None:
        details["type"] = str(authenticator.type)
    _user_event(AuditAction.MFA_FAILED, request, user, details)


def connect() -> None:
    """Connect every receiver once (dispatch_uid makes a second call harmless)."""
    from allauth.mfa import signals as mfa_signals

    user_logged_in.connect(on_user_logged_in, dispatch_uid=DISPATCH_PREFIX + "user_logged_in")
    user_logged_out.connect(on_user_logged_out, dispatch_uid=DISPATCH_PREFIX + "user_logged_out")
    user_login_failed.connect(on_user_login_failed, dispatch_uid=DISPATCH_PREFIX + "user_login_failed")
    mfa_signals.authenticator_added.connect(
        on_authenticator_added, dispatch_uid=DISPATCH_PREFIX + "mfa_added"
    )
    mfa_signals.authenticator_removed.connect(
        on_authenticator_removed, dispatch_uid=DISPATCH_PREFIX + "mfa_removed"
    )
    mfa_signals.authenticator_reset.connect(
        on_authenticator_reset, dispatch_uid=DISPATCH_PREFIX + "mfa_reset"
    )
    mfa_signals.authenticator_used.connect(on_authenticator_used, dispatch_uid=DISPATCH_PREFIX + "mfa_used")
    mfa_signals.authentication_failed.connect(
        on_authentication_failed, dispatch_uid=DISPATCH_PREFIX + "mfa_failed"
    )
