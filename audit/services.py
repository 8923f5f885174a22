"""Writing the audit trail. Every audit row is written here, by ``audit_record``.

Call it inside the same transaction as the change it records, so the change and its
event are committed (or rolled back) together (SECURITY.md §5.4).

What a row may hold (DESIGN.md §8): ids, field names, keyed hashes, and facts that are
not personal data. Changed values are hashed with a key (HMAC-SHA256 keyed with
SECRET_KEY): a plain hash of a 16-digit NIK, a birth date or an e-mail address could be
reversed by trying every candidate, a keyed one cannot without the key. The same value
always gives the same hash (for one SECRET_KEY), so a hash can still be compared with
``audit_pii_hash`` of a known value.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from audit.models import AuditEvent
from korlantas.lib.request_context import current_client_address

HASH_KEY_SALT = "korlantas.audit"

ACTION_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")

# A key of ``details`` containing any of these (case and separators ignored) names
# personal data or a secret: such values belong hashed in ``changed``, or nowhere.
PERSONAL_KEY_PARTS = (
    "nik",
    "name",
    "email",
    "phone",
    "address",
    "birth",
    "password",
    "code",
    "token",
    "secret",
)
# Values that are personal data whatever their key is called.
EMAIL_VALUE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NIK_VALUE = re.compile(r"\d{16}")


def audit_pii_hash(value: object) -> str:
    """The keyed hash (hex) that stands in for a personal value in the audit trail."""
    return salted_hmac(HASH_KEY_SALT, str(value), algorithm="sha256").hexdigest()


def audit_record(
    *,
    action: str,
    actor_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    changed: Mapping[str, object] | None = None,
    details: Mapping[str, object] | None = None,
    ip: str | None = None,
    office_id: int | None = None,
) -> AuditEvent:
    """Append one event to the audit trail.

    ``changed`` maps field names to their new values; only the names and the keyed
    hashes of the values are stored. ``details`` holds non-personal facts (a reason, an
    authenticator type); a key or value that looks like personal data is a ``ValueError``.
    Without ``ip``, the address of the request being served is recorded, if there is one
    (``korlantas.lib.request_context``; none in jobs and tasks).
    """
    if not ACTION_PATTERN.fullmatch(action) or len(action) > 64:
        raise ValueError(f"An audit action is a dotted lower-case name such as 'auth.login', not {action!r}.")
    if len(object_type) > 64 or len(object_id) > 64:
        raise ValueError("object_type and object_id are at most 64 characters.")
    if ip is None:
        ip = current_client_address()
    if ip is not None:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise ValueError("ip must be an IPv4 or IPv6 address, or None.") from None
    details = dict(details or {})
    _refuse_personal_details(details, path="details")
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor_id,
        object_type=object_type,
        object_id=object_id,
        changed_fields={str(field): audit_pii_hash(value) for field, value in (changed or {}).items()},
        details=details,
        ip=ip,
        office_id=office_id,
    )


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, or None when it is missing or malformed.

    Proxy-aware exactly as allauth's rate limits are (``ALLAUTH_TRUSTED_PROXY_COUNT`` /
    ``ALLAUTH_TRUSTED_CLIENT_IP_HEADER``, docs/configuration.md): behind the production reverse
    proxy the client's address, not the proxy's; with neither set, ``REMOTE_ADDR``.
    """
    from allauth.account.adapter import get_adapter

    try:
        address = get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def audit_record_for_request(
    request: HttpRequest,
    *,
    action: str,
    object_type: str = "",
    object_id: str = "",
    changed: Mapping[str, object] | None = None,
    details: Mapping[str, object] | None = None,
    office_id: int | None = None,
) -> AuditEvent:
    """``audit_record`` for an action taken in a request: the signed-in user (if any)
    is the actor, and the request's address is the IP."""
    user = getattr(request, "user", None)
    actor_id = user.pk if user is not None and user.is_authenticated else None
    return audit_record(
        action=action,
        actor_id=actor_id,
        object_type=object_type,
        object_id=object_id,
        changed=changed,
        details=details,
        ip=client_ip(request),
        office_id=office_id,
    )


def _refuse_personal_details(value: Any, *, path: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            normalised = re.sub(r"[^a-z0-9]", "", str(key).lower())
            part = next((part for part in PERSONAL_KEY_PARTS if part in normalised), None)
            if part is not None:
                raise ValueError(
                    f"Audit {path} must not hold personal data or secrets: key {key!r} looks like "
                    f"{part!r}. Record the field in `changed` (hashed) or leave it out."
                )
            _refuse_personal_details(item, path=f"{path}[{key!r}]")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _refuse_personal_details(item, path=path)
    elif isinstance(value, str):
        stripped = value.strip()
        if EMAIL_VALUE.fullmatch(stripped) or NIK_VALUE.fullmatch(re.sub(r"[\s.-]", "", stripped)):
            raise ValueError(
                f"Audit {path} must not hold personal data: a value looks like an e-mail or a NIK."
            )
    elif isinstance(value, int) and not isinstance(value, bool) and 10**15 <= abs(value) < 10**16:
        raise ValueError(f"Audit {path} must not hold personal data: a number looks like a NIK.")
