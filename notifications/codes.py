"""One-time codes derived when they are sent, never stored (DESIGN §6).

A code is ``HMAC(SECRET_KEY, purpose, object id, generation)`` cut to ``digits`` decimal
digits. The object that owns the code (a delivery, a verification…) keeps only its current
``generation`` and ``code_hash(...)``; sending a new code means bumping the generation, which
kills the old one. A retried send derives the same code again, so the citizen never gets two
different codes for one request.

How a message carries a code: the outbox holds ids only, so the caller of ``notify`` puts

    context_ids={"code_for": {"purpose": "delivery.handover", "object_id": 42, "generation": 3}, …}

and the sender resolves it at send time into the template variable ``{{ code }}`` (see
``notifications.catalogue.render``). Such a message goes by e-mail or SMS only, never to the
inbox, where its text would be stored. The catalogue entry ``one_time_code`` is a generic
message for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac

MIN_DIGITS = 4
MAX_DIGITS = 12


@dataclass(frozen=True)
class CodeFor:
    """What identifies one code: the purpose, the owning object's id and the generation."""

    purpose: str
    object_id: int
    generation: int

    @classmethod
    def from_context(cls, value: Mapping[str, object]) -> CodeFor:
        purpose, object_id, generation = value.get("purpose"), value.get("object_id"), value.get("generation")
        if not isinstance(purpose, str) or not purpose:
            raise ValueError("code_for needs a purpose")
        if not isinstance(object_id, int) or not isinstance(generation, int):
            raise ValueError("code_for needs an integer object_id and generation")
        return cls(purpose=purpose, object_id=object_id, generation=generation)


def derive_code(purpose: str, object_id: int, generation: int, digits: int = 6) -> str:
    """The code of this generation: the same every time it is asked for, zero-padded."""
    if not MIN_DIGITS <= digits <= MAX_DIGITS:
        raise ValueError(f"digits must be {MIN_DIGITS}–{MAX_DIGITS}")
    digest = salted_hmac(
        f"korlantas.one-time-code.{purpose}", f"{object_id}:{generation}", algorithm="sha256"
    ).digest()
    # 64 bits reduced to at most 12 digits: the bias is far below a guess's odds.
    number = int.from_bytes(digest[:8], "big") % (10**digits)
    return f"{number:0{digits}d}"


def code_hash(purpose: str, object_id: int, generation: int, code: str) -> str:
    """What the owning object stores to check a typed code later, instead of the code."""
    return salted_hmac(
        f"korlantas.one-time-code-hash.{purpose}",
        f"{object_id}:{generation}:{code.strip()}",
        algorithm="sha256",
    ).hexdigest()


def code_matches(purpose: str, object_id: int, generation: int, code: str, stored_hash: str) -> bool:
    """Whether a typed code is the one whose hash was stored, compared in constant time."""
    if not stored_hash:
        return False
    return constant_time_compare(code_hash(purpose, object_id, generation, code), stored_hash)
