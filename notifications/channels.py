"""How one outbox row is delivered on its channel.

* e-mail — Django's e-mail backend (SMTP in production, files under ``var/mail`` in
  development, locmem in tests): a plain-text body with an HTML alternative, in the
  recipient's language, to their confirmed address read now;
* SMS — ``korlantas.lib.sms.send_sms`` (files under ``var/sms`` in development, never the
  log) to the confirmed mobile number read now, with the message's id as idempotency key, so
  a gateway that sees a retry drops it;
* in-app — the rendered subject, text and link are stored on the row: that is the inbox item.

A recipient without a confirmed address for the channel raises ``NoAddress``: retrying
would not help. Anything else a channel raises is the sender's to count and retry.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.mail import EmailMultiAlternatives

from korlantas.lib.sms import send_sms
from notifications import catalogue, selectors
from notifications.models import Message


class NoAddress(Exception):
    """The recipient has no confirmed address for this channel (any more)."""


def send_email(message: Message) -> None:
    recipient = message.recipient
    if not selectors.email_verified(recipient):
        raise NoAddress("e-mail")
    content = catalogue.render(message)
    email = EmailMultiAlternatives(
        subject=content.subject,
        body=content.text,
        to=[recipient.email],
        headers={"Content-Language": message.language, "Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(content.html, "text/html")
    email.send()


def send_text(message: Message) -> None:
    phone = selectors.verified_phone_of(message.recipient_id)
    if not phone:
        raise NoAddress("sms")
    content = catalogue.render(message)
    send_sms(phone, content.sms, idempotency_key=f"notification-{message.public_id}")


def store_in_inbox(message: Message) -> None:
    content = catalogue.render(message)
    message.subject = content.subject[: Message._meta.get_field("subject").max_length]
    message.body = content.text
    message.link = content.link


DELIVER: dict[str, Callable[[Message], None]] = {
    Message.Channel.EMAIL: send_email,
    Message.Channel.SMS: send_text,
    Message.Channel.INAPP: store_in_inbox,
}


def deliver(message: Message) -> None:
    DELIVER[message.channel](message)
