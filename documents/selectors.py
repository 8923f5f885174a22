"""Reads worth naming: a holder's documents and their verifications, the document behind a
verification token, the document a supervisor may revoke.

Every read here is one query whatever the number of rows, so the pages' query counts stay
constant (tests/documents/test_holder_pages.py).
"""

from __future__ import annotations

import re
import uuid

from django.db.models import Count, F, QuerySet, Value
from django.db.models.functions import Coalesce

from accounts.models import CitizenProfile, User
from applications.selectors import staff_scope
from documents.models import IssuedDocument, Verification

# How many of a document's verifications its holder sees listed (the count covers them all).
VERIFICATIONS_LISTED = 50

# What ``new_verification_token`` makes (URL-safe base64) fits this; anything else is looked up
# as a value no token can have, so that a malformed token costs the same one query as a wrong one
# and reaches the database in no form it could choke on (a NUL byte, a megabyte of text).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")
UNMATCHABLE_LOOKUP = "!"


def documents_of(*, holder: User) -> QuerySet[IssuedDocument]:
    """Newest first (index ``documents_of_holder``)."""
    return IssuedDocument.objects.filter(holder=holder).order_by("-issued_at", "-pk")


def document_of(*, holder: User, public_id: uuid.UUID) -> IssuedDocument | None:
    """``holder``'s document with this public id, with ``verification_count``; anyone else's is
    None ("not found")."""
    return (
        IssuedDocument.objects.filter(holder=holder, public_id=public_id)
        .annotate(verification_count=Count("verifications"))
        .first()
    )


def verifications_of(*, document: IssuedDocument, limit: int = VERIFICATIONS_LISTED) -> list[Verification]:
    """The latest verifications of ``document``, newest first (index ``documents_verifications``).
    Only what the holder is shown is read: the time and the browser family."""
    return list(
        Verification.objects.filter(document=document)
        .only("verified_at", "client")
        .order_by("-verified_at", "-pk")[:limit]
    )


def document_by_token(token: str) -> IssuedDocument | None:
    """The document a verification token names, with its application and office (what the
    kinds' verification fields read) and the holder's name as on the e-KTP in
    ``holder_full_name`` ("" without a profile; see ``verified_holder_name``).

    Exactly one query, whatever ``token`` is: a wrong token and a malformed one cannot be told
    apart by the work done. The name is one column of the same query: the holder's account and
    profile are not loaded, and the token is unique, so nothing is sorted."""
    lookup = token if TOKEN_SHAPE.fullmatch(token) else UNMATCHABLE_LOOKUP
    found = list(
        IssuedDocument.objects.select_related("application__handling_office")
        .annotate(holder_full_name=Coalesce(F("holder__citizen_profile__full_name"), Value("")))
        .filter(verification_token=lookup)
        .order_by()[:1]
    )
    return found[0] if found else None


def verified_holder_name(document: IssuedDocument) -> str:
    """The holder's name read by ``document_by_token`` ("" when the holder has no profile)."""
    name: str | None = getattr(document, "holder_full_name", None)
    return name or ""


def document_for_staff(*, user: User, public_id: uuid.UUID) -> IssuedDocument | None:
    """The document with this public id if its application is handled by ``user``'s offices
    (``applications.selectors.staff_scope``); otherwise None ("not found")."""
    return (
        IssuedDocument.objects.select_related("application", "holder__citizen_profile")
        .filter(public_id=public_id, application__in=staff_scope(user=user))
        .first()
    )


def holder_name(document: IssuedDocument) -> str:
    """The holder's name as on the e-KTP, or "" when the holder has no profile."""
    try:
        profile: CitizenProfile = document.holder.citizen_profile
    except CitizenProfile.DoesNotExist:
        return ""
    return profile.full_name


def masked_name(full_name: str) -> str:
    """The first letter of each word, the rest as asterisks: ``Siti Rahmawati`` →
    ``S*** R********``. Enough to match the person in front of you, not to learn their name."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in full_name.split())
