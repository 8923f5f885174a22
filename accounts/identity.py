"""The identity-provider interface: is this person the holder of the NIK they declared?

Production's provider is the national population registry (Dukcapil) with its face match.
Its adapter is **not built**: access needs an agreement with Dukcapil and its API
specification, neither of which this project has. Until then ``IDENTITY_PROVIDER`` is empty
in production, the portal offers no online check, and citizens verify in person at any
office (``accounts.services.identity_verify_in_person``).

Development, e2e and tests use ``SandboxProvider`` (only with ``SANDBOX_PROVIDERS``, which
production refuses). It consults no registry. Its behaviour, by the NIK's last four digits:

* ``0997`` — the registry is unavailable (the citizen is asked to try again later);
* ``0998`` — the registry has the NIK but the face does not match;
* ``0999`` — the NIK is not in the registry;
* anything else — verified: the declared name, birth date and sex are taken as matching.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class Verdict(enum.Enum):
    MATCH = "match"
    NO_MATCH = "no_match"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class IdentityClaim:
    nik: str
    full_name: str
    birth_date: str  # ISO date
    sex: str


class IdentityProvider(Protocol):
    label: str

    def check(self, claim: IdentityClaim) -> Verdict: ...


class SandboxProvider:
    label = "Sandbox (no real registry)"

    def check(self, claim: IdentityClaim) -> Verdict:
        return {
            "0997": Verdict.UNAVAILABLE,
            "0998": Verdict.NO_MATCH,
            "0999": Verdict.NOT_FOUND,
        }.get(claim.nik[-4:], Verdict.MATCH)


def get_provider() -> IdentityProvider | None:
    """The configured provider, or None when only in-person verification is offered."""
    path = settings.IDENTITY_PROVIDER
    if not path:
        return None
    if path.endswith("SandboxProvider") and not settings.SANDBOX_PROVIDERS:
        raise ImproperlyConfigured("The sandbox identity provider needs SANDBOX_PROVIDERS.")
    provider: IdentityProvider = import_string(path)()
    return provider
