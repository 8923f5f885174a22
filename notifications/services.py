"""Every write of the notifications app: the outbox, its sender and relay, the inbox, preferences.

``notify`` writes one outbox row per channel inside the caller's transaction and hands each
to the ``notifications`` queue once it commits; a rollback leaves neither row nor task.
``message_deliver`` (the task's body) sends one row at most once: it locks the row, skips one
that another worker holds or that is no longer queued, counts the attempt and records the
outcome; a failure before the last attempt raises ``DeliveryDeferred`` so the task retries
with exponential backoff. ``messages_relay_stuck`` (beat) re-enqueues rows left queued
and untouched for ``STUCK_AFTER`` — a broker message lost between commit and worker.

Logs carry ids, channels, template keys and states only: never an address, a phone number,
a body or a code.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError

from accounts.models import User
from korlantas.lib import clock
from notifications import catalogue, selectors
from notifications import channels as channel_backends
from notifications.models import Message, Preferences

logger = logging.getLogger("korlantas.notifications")

# Attempts per row before it is marked failed (the task's own retry limit is no lower).
MAX_ATTEMPTS = 5
# A queued row neither enqueued nor attempted for this long is re-enqueued by the relay.
# Longer than the task's longest retry delay (notifications.tasks.RETRY_BACKOFF_MAX_SECONDS).
STUCK_AFTER = dt.timedelta(minutes=15)
RELAY_BATCH = 500
LAST_ERROR_LENGTH = 200

# Failures no retry can mend: the message is marked failed at once.
PERMANENT_FAILURES: tuple[type[BaseException], ...] = (
    channel_backends.NoAddress,
    catalogue.UnknownTemplate,
    ObjectDoesNotExist,
    TemplateDoesNotExist,
    TemplateSyntaxError,
    KeyError,
)

# Plain ids: a number, or a short token (a uuid, an action name). No spaces, "@" or "+", so
# a name, an e-mail address or a phone number cannot slip into the outbox.
_ID_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

ContextIds = Mapping[str, int | str | Mapping[str, int | str]]


class DeliveryDeferred(Exception):
    """This attempt failed and the row stays queued: the task retries it later."""


class InvalidContext(ValueError):
    """The context of a notification holds something other than ids."""


# --- writing the outbox ---------------------------------------------------------------------


def _check_ids(context_ids: ContextIds) -> dict[str, object]:
    checked: dict[str, object] = {}
    for key, value in context_ids.items():
        if key == "code_for":
            if not isinstance(value, Mapping):
                raise InvalidContext("code_for must be a mapping")
            from notifications.codes import CodeFor

            try:
                target = CodeFor.from_context(value)
            except ValueError as exc:
                raise InvalidContext(f"code_for: {exc}") from exc
            checked[key] = {
                "purpose": target.purpose,
                "object_id": target.object_id,
                "generation": target.generation,
            }
        elif isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidContext(f"{key}: ids only (int or short str)")
        elif isinstance(value, str) and not _ID_TOKEN.fullmatch(value):
            raise InvalidContext(f"{key}: not an id")
        else:
            checked[key] = value
    return checked


def _channels_for(
    entry: catalogue.Entry, reach: selectors.Reach, *, critical: bool, has_code: bool, only: frozenset[str]
) -> list[str]:
    """The inbox always (unless the message carries a code); e-mail and SMS as the citizen
    chose, where their address is confirmed; a critical message by at least one of them:
    e-mail if the address is confirmed, else SMS."""
    allowed = entry.channels & only
    email = Message.Channel.EMAIL in allowed and reach.email_verified
    sms = Message.Channel.SMS in allowed and reach.phone_verified
    wants_email = email and reach.email_enabled
    wants_sms = sms and reach.sms_enabled
    if critical and not (wants_email or wants_sms):
        wants_email = email
        wants_sms = sms and not email
    chosen: list[str] = []
    if Message.Channel.INAPP in allowed and not has_code:
        chosen.append(Message.Channel.INAPP)
    if wants_email:
        chosen.append(Message.Channel.EMAIL)
    if wants_sms:
        chosen.append(Message.Channel.SMS)
    return chosen


def notify(
    *,
    recipient: User | int,
    template_key: str,
    context_ids: ContextIds,
    critical: bool = False,
    channels: Iterable[str] | None = None,
) -> list[Message]:
    """Queue ``template_key`` for ``recipient`` (a user or a user id), one row per channel.

    Runs in the caller's transaction; the send tasks are enqueued when it commits. The
    message is critical if the catalogue entry or the caller says so. ``channels`` narrows
    the channels (e.g. a code only by SMS). Returns the rows written: none when no allowed
    channel can reach the recipient (e.g. SMS only, and no confirmed mobile number).
    """
    entry = catalogue.get(template_key)
    ids = _check_ids(context_ids)
    user_id = recipient if isinstance(recipient, int) else recipient.pk
    reach = selectors.reach_of(user_id)
    critical = critical or entry.critical
    chosen = _channels_for(
        entry,
        reach,
        critical=critical,
        has_code="code_for" in ids,
        only=frozenset(channels) if channels is not None else catalogue.ALL_CHANNELS,
    )
    if critical and not (set(chosen) & {Message.Channel.EMAIL, Message.Channel.SMS}):
        logger.warning(
            "notification %s for user %s: critical, but no confirmed e-mail address or mobile number",
            template_key,
            user_id,
        )
    now = clock.now()
    messages = Message.objects.bulk_create(
        [
            Message(
                recipient_id=user_id,
                channel=channel,
                template_key=template_key,
                language=reach.language,
                context=ids,
                critical=critical,
                created_at=now,
                enqueued_at=now,
            )
            for channel in chosen
        ]
    )
    enqueue_on_commit([message.pk for message in messages])
    return messages


def enqueue_on_commit(message_ids: Sequence[int]) -> None:
    """One send task per row once the transaction commits. A broker that refuses one is
    only logged (robust): the row stays queued and the relay sends it later."""
    for message_id in message_ids:
        transaction.on_commit(_send_later(message_id), robust=True)


def _send_later(message_id: int) -> Callable[[], None]:
    def enqueue_send_message() -> None:
        from notifications.tasks import send_message

        send_message.delay(message_id)

    enqueue_send_message.__qualname__ = f"enqueue send_message({message_id})"
    return enqueue_send_message


# --- sending --------------------------------------------------------------------------------

SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"


def describe_error(exc: BaseException) -> str:
    """What the row keeps of a failure: the error's class, and an SMTP code if there is one.

    Never the exception's text: SMTP and gateway errors may quote the address or the number.
    """
    parts = [type(exc).__name__]
    smtp_code = getattr(exc, "smtp_code", None)
    if isinstance(smtp_code, int):
        parts.append(str(smtp_code))
    if isinstance(exc, channel_backends.NoAddress) and exc.args:
        parts.append(f"no confirmed address for {exc.args[0]}")
    return ": ".join(parts)[:LAST_ERROR_LENGTH]


def message_deliver(*, message_id: int) -> str:
    """Send one outbox row. Returns ``sent``, ``failed`` or ``skipped`` (already sent or
    failed, gone, or being sent by another worker right now); raises ``DeliveryDeferred``
    when the attempt failed and another is due."""
    error: str | None = None
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("recipient")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.state != Message.State.QUEUED:
            logger.info("message %s: nothing to send (%s)", message_id, message.state if message else "busy")
            return SKIPPED
        message.attempts += 1
        message.last_attempt_at = clock.now()
        permanent = False
        try:
            # A savepoint: a database error while rendering must not break the transaction
            # that records the attempt.
            with transaction.atomic():
                channel_backends.deliver(message)
        except PERMANENT_FAILURES as exc:
            error, permanent = describe_error(exc), True
        except Exception as exc:  # noqa: BLE001 - any failure is counted; the row keeps its class
            error = describe_error(exc)
        if error is None:
            message.state = Message.State.SENT
            message.sent_at = message.last_attempt_at
            message.last_error = ""
        else:
            message.last_error = error
            if permanent or message.attempts >= MAX_ATTEMPTS:
                message.state = Message.State.FAILED
        message.save()
    outcome = SENT if error is None else FAILED if message.state == Message.State.FAILED else None
    log = logger.info if error is None else logger.warning
    log(
        "message %s (%s, %s) attempt %d: %s%s",
        message.pk,
        message.channel,
        message.template_key,
        message.attempts,
        message.state,
        f" ({error})" if error else "",
    )
    if outcome is None:
        # Outside the atomic block: the attempt and its error are committed before the retry.
        raise DeliveryDeferred(f"message {message.pk} attempt {message.attempts}")
    return outcome


def messages_relay_stuck(*, now: dt.datetime | None = None) -> int:
    """Re-enqueue the rows left queued, neither enqueued nor attempted for ``STUCK_AFTER``.

    Rows are claimed with ``SKIP LOCKED`` and their ``enqueued_at`` moved to now in the same
    transaction, so a second relay running at the same time neither waits for them nor
    takes them again; a row a worker is sending (locked) is skipped too. Returns how many.
    """
    now = now if now is not None else clock.now()
    cutoff = now - STUCK_AFTER
    with transaction.atomic():
        claimed = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(state=Message.State.QUEUED, enqueued_at__lte=cutoff)
            .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=cutoff))
            .order_by("enqueued_at", "pk")
            .values_list("pk", flat=True)[:RELAY_BATCH]
        )
        if claimed:
            Message.objects.filter(pk__in=claimed).update(enqueued_at=now)
            enqueue_on_commit(claimed)
    if claimed:
        logger.warning("relay: %d stuck message(s) enqueued again", len(claimed))
    return len(claimed)


def messages_requeue(*, message_ids: Iterable[int]) -> int:
    """Give failed rows a fresh set of attempts (the admin's action after an outage)."""
    now = clock.now()
    with transaction.atomic():
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(message_ids), state=Message.State.FAILED)
            .values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=ids).update(
            state=Message.State.QUEUED, attempts=0, last_error="", enqueued_at=now
        )
        enqueue_on_commit(ids)
    logger.info("requeued %d failed message(s)", len(ids))
    return len(ids)


# --- the inbox ------------------------------------------------------------------------------


def inbox_mark_read(*, user: User, public_id: uuid.UUID) -> bool:
    """Mark one of the user's inbox messages read; False if it is not theirs (or not there)."""
    message = selectors.inbox_message_of(user, public_id)
    if message is None:
        return False
    if message.read_at is None:
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=clock.now())
    return True


def inbox_mark_all_read(*, user: User) -> int:
    return selectors.inbox_of(user).filter(read_at__isnull=True).update(read_at=clock.now())


# --- preferences ----------------------------------------------------------------------------


def preferences_save(*, user: User, email_enabled: bool, sms_enabled: bool) -> Preferences:
    """Save the citizen's choice. Critical messages still go by at least one channel."""
    preferences, _created = Preferences.objects.update_or_create(
        user=user,
        defaults={"email_enabled": email_enabled, "sms_enabled": sms_enabled, "updated_at": clock.now()},
    )
    logger.info("user %s notification preferences: email=%s sms=%s", user.pk, email_enabled, sms_enabled)
    return preferences
