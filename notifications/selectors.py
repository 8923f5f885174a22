"""Reads of the notifications app: whom a message can reach, the inbox, the preferences."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from accounts.models import CitizenProfile, User
from notifications.models import DEFAULT_EMAIL_ENABLED, DEFAULT_SMS_ENABLED, Message, Preferences


@dataclass(frozen=True)
class Reach:
    """How a user can be reached now: confirmed addresses, wishes, language."""

    language: str
    email_verified: bool
    phone_verified: bool
    email_enabled: bool
    sms_enabled: bool


def reach_of(user_id: int) -> Reach:
    """One query: the user's language, whether their e-mail address and mobile number are
    confirmed, and the channels they chose (the defaults without a preferences row)."""
    preferences = Preferences.objects.filter(user_id=OuterRef("pk"))
    row = (
        User.objects.filter(pk=user_id)
        .annotate(
            email_ok=Exists(
                EmailAddress.objects.filter(
                    user_id=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
                )
            ),
            phone_ok=Exists(
                CitizenProfile.objects.filter(user_id=OuterRef("pk"), phone_verified_at__isnull=False)
            ),
            email_pref=Subquery(preferences.values("email_enabled")[:1]),
            sms_pref=Subquery(preferences.values("sms_enabled")[:1]),
        )
        .values("language", "email_ok", "phone_ok", "email_pref", "sms_pref")
        .get()
    )
    return Reach(
        language=row["language"],
        email_verified=row["email_ok"],
        phone_verified=row["phone_ok"],
        email_enabled=DEFAULT_EMAIL_ENABLED if row["email_pref"] is None else row["email_pref"],
        sms_enabled=DEFAULT_SMS_ENABLED if row["sms_pref"] is None else row["sms_pref"],
    )


def preferences_of(user: User) -> Preferences:
    """The saved preferences, or unsaved defaults."""
    found = Preferences.objects.filter(user=user).first()
    return found or Preferences(user=user)


def verified_phone_of(user_id: int) -> str | None:
    """The confirmed mobile number, read when an SMS is sent (never stored in the outbox)."""
    return (
        CitizenProfile.objects.filter(user_id=user_id, phone_verified_at__isnull=False)
        .values_list("phone", flat=True)
        .first()
    )


def email_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def inbox_of(user: User) -> QuerySet[Message]:
    """The user's inbox: delivered in-app messages, newest first."""
    return Message.objects.filter(
        recipient=user, channel=Message.Channel.INAPP, state=Message.State.SENT
    ).only("public_id", "subject", "body", "link", "read_at", "sent_at", "created_at")


def inbox_message_of(user: User, public_id: uuid.UUID) -> Message | None:
    """One of the user's inbox messages; anyone else's is None, as if it did not exist."""
    return inbox_of(user).filter(public_id=public_id).first()


def unread_count(user: User) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()
