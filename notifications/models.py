"""The notifications outbox (DESIGN §6) and each citizen's choice of channels.

One ``Message`` row per recipient and channel, written by ``notifications.services.notify``
in the transaction of the event that causes it: it commits with the event or not at all.
The row holds ids only (``context``: an application id, a booking id, a code's purpose and
generation…); the sender loads the objects and renders the templates in the recipient's
language when it sends, so no name, address, phone number or code is ever stored in the
outbox. The exception is the in-app channel: there the message *is* the inbox item, so the
sender stores the rendered subject and text on the row (never for a message carrying a code).

``state`` goes ``queued`` → ``sent``, or ``queued`` → ``failed`` after the last attempt;
``attempts``, ``last_attempt_at`` and ``last_error`` (an error class, never an address) make
the delivery visible. ``enqueued_at`` is when a send task was last handed to the broker; the
relay re-enqueues a row left queued and untouched for too long (a lost broker message).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from korlantas.lib import clock


class Message(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        INAPP = "inapp", _("Inbox")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # Opaque id for forms and URLs; the integer primary key never leaves the server.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_messages",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    template_key = models.CharField(_("template"), max_length=60)
    language = models.CharField(_("language"), max_length=8)
    # Ids only (see notifications.services.notify): what the templates' builder loads at send time.
    context = models.JSONField(_("context"), default=dict, blank=True)
    critical = models.BooleanField(_("critical"), default=False)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    enqueued_at = models.DateTimeField(_("enqueued"), default=clock.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # In-app only: the inbox item, rendered in the recipient's language when delivered.
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox and the header's unread count.
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(channel="inapp", state="sent"),
                name="notifications_inbox",
            ),
            # The relay's look for rows stuck in the queue.
            models.Index(fields=["enqueued_at"], condition=Q(state="queued"), name="notifications_queued"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms", "inapp"]), name="notifications_message_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["queued", "sent", "failed"]), name="notifications_message_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel="inapp") | (Q(subject="") & Q(body="")),
                name="notifications_text_stored_for_inbox_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_key} {self.channel} {self.public_id} ({self.state})"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


# Without a saved choice: e-mail yes (every account has a confirmed address), SMS no.
DEFAULT_EMAIL_ENABLED = True
DEFAULT_SMS_ENABLED = False


class Preferences(models.Model):
    """Which channels a citizen wants besides the inbox. No row means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    email_enabled = models.BooleanField(_("e-mail"), default=DEFAULT_EMAIL_ENABLED)
    sms_enabled = models.BooleanField(_("SMS"), default=DEFAULT_SMS_ENABLED)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"notification preferences of user {self.user_id}"
