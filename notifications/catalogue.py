"""The catalogue of messages: template key → how its templates get their context.

Each entry names a *builder*: a function from the outbox row's ids (``Message.context``) to
the templates' context, loading the objects when the message is sent. The templates live in
``templates/notifications/<key>/``:

* ``subject.txt`` — one line: the e-mail subject and the inbox title;
* ``body.txt`` — the e-mail's plain text, and the inbox text (``for_inbox`` is then true, and
  the base template leaves out the greeting, the link line and the footer);
* ``body.html`` — the e-mail's HTML part;
* ``sms.txt`` — one short paragraph.

They are rendered in the recipient's language (``translation.override``) and written in
English (msgids) with ``{% translate %}``; ``locale/`` gives the Indonesian. Text templates
extend ``notifications/base_body.txt`` / ``base_sms.txt``, which switch autoescaping off (the
HTML base keeps it on).

Every context has ``portal_name``, ``base_url``, ``preferences_url`` and ``inbox_url``; the
application builders add ``application``, ``service_name``, ``url`` (absolute) and ``link``
(the path the inbox links to). A ``code_for`` in the ids becomes ``{{ code }}``
(``notifications.codes``).

Later work registers its own keys (payments, delivery, reminders) with ``register`` from its
``AppConfig.ready()`` and adds the four templates per key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from notifications import codes
from notifications.models import Message

Builder = Callable[[Mapping[str, Any]], dict[str, Any]]
ALL_CHANNELS = frozenset(Message.Channel.values)
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class UnknownTemplate(LookupError):
    """No catalogue entry has this key (a programming error)."""


@dataclass(frozen=True)
class Entry:
    key: str
    build: Builder
    critical: bool = False
    channels: frozenset[str] = field(default=ALL_CHANNELS)
    # What the message is about, for the admin and the docs.
    description: str | Promise = ""


_entries: dict[str, Entry] = {}


def register(
    key: str,
    build: Builder,
    *,
    critical: bool = False,
    channels: Iterable[str] = ALL_CHANNELS,
    description: str | Promise = "",
) -> Entry:
    if not re.fullmatch(r"[a-z][a-z0-9_]{2,59}", key):
        raise ValueError(f"template key {key!r}: lower-case letters, digits and underscores")
    if key in _entries:
        raise ValueError(f"template key {key!r} registered twice")
    channel_set = frozenset(channels)
    if not channel_set or channel_set - ALL_CHANNELS:
        raise ValueError(f"template key {key!r}: channels must be among {sorted(ALL_CHANNELS)}")
    entry = Entry(key=key, build=build, critical=critical, channels=channel_set, description=description)
    _entries[key] = entry
    return entry


def unregister(key: str) -> None:
    """For tests."""
    _entries.pop(key, None)


def get(key: str) -> Entry:
    try:
        return _entries[key]
    except KeyError:
        raise UnknownTemplate(key) from None


def registered_keys() -> list[str]:
    return sorted(_entries)


# --- links ----------------------------------------------------------------------------------


def public_base_url() -> str:
    return str(getattr(settings, "PUBLIC_BASE_URL", DEFAULT_BASE_URL)).rstrip("/")


def absolute(path: str) -> str:
    return f"{public_base_url()}{path}" if path else ""


def _path(name: str, **kwargs: Any) -> str:
    """A page's path, or "" while its URLs are not part of the site (a footer link is optional)."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


# --- rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str = ""
    html: str = ""
    sms: str = ""
    link: str = ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tidy(text: str) -> str:
    """Plain text from a template: no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def context_for(message: Message) -> dict[str, Any]:
    """The templates' context of one outbox row, built now from its ids."""
    entry = get(message.template_key)
    context: dict[str, Any] = {
        "portal_name": _("Korlantas Digital"),
        "base_url": public_base_url(),
        "inbox_url": absolute(_path("notifications:inbox")),
        "preferences_url": absolute(_path("notifications:preferences")),
        "for_inbox": message.channel == Message.Channel.INAPP,
    }
    context.update(entry.build(message.context))
    code_for = message.context.get("code_for")
    if code_for is not None:
        target = codes.CodeFor.from_context(code_for)
        context["code"] = codes.derive_code(target.purpose, target.object_id, target.generation)
    return context


def render(message: Message) -> Rendered:
    """What ``message``'s channel sends, in the message's language."""
    base = f"notifications/{message.template_key}"
    with translation.override(message.language):
        context = context_for(message)
        subject = _one_line(render_to_string(f"{base}/subject.txt", context))
        if message.channel == Message.Channel.SMS:
            return Rendered(subject=subject, sms=_one_line(render_to_string(f"{base}/sms.txt", context)))
        text = _tidy(render_to_string(f"{base}/body.txt", context))
        if message.channel == Message.Channel.INAPP:
            return Rendered(subject=subject, text=text, link=str(context.get("link", "")))
        html = render_to_string(f"{base}/body.html", {**context, "subject": subject})
        return Rendered(subject=subject, text=text, html=html)


# --- builders: applications -----------------------------------------------------------------
# Imported inside the functions: the catalogue is loaded from AppConfig.ready(), and the
# builders only run when a message is sent.


def _service_name(service_code: str) -> str | Promise:
    from applications.registry import UnknownService, get_service

    try:
        return get_service(service_code).name
    except UnknownService:
        return service_code


def application_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    from applications.models import Application

    application = Application.objects.select_related("handling_office").get(pk=ids["application_id"])
    link = reverse("applications:detail", kwargs={"public_id": application.public_id})
    return {
        "application": application,
        "service_name": _service_name(application.service_code),
        "office": application.handling_office,
        "link": link,
        "url": absolute(link),
    }


def revision_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    from applications.models import RevisionRequest
    from applications.registry import DOCUMENT_KINDS, UnknownService, get_service, revisable_fields

    context = application_context(ids)
    revision = RevisionRequest.objects.get(pk=ids["revision_request_id"], application=context["application"])
    try:
        labels = dict(revisable_fields(get_service(context["application"].service_code)))
    except UnknownService:
        labels = {}
    context.update(
        revision=revision,
        flagged=[
            *(labels.get(name, name) for name in revision.fields),
            *(DOCUMENT_KINDS.get(kind, kind) for kind in revision.documents),
        ],
        deadline_zone="Asia/Jakarta",
    )
    return context


def rejection_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    from applications.models import StatusChange
    from applications.reasons import RejectionReason

    context = application_context(ids)
    change = StatusChange.objects.get(pk=ids["status_change_id"], application=context["application"])
    reason = RejectionReason(change.reason).label if change.reason in RejectionReason.values else ""
    context.update(reason=reason, note=change.note)
    return context


def appointment_needed_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    from applications.guards import UNBOOKED_LAPSE_AFTER

    context = application_context(ids)
    booking_path = reverse("applications:booking", kwargs={"public_id": context["application"].public_id})
    context.update(booking_url=absolute(booking_path), lapse_days=UNBOOKED_LAPSE_AFTER.days)
    return context


def _booking(booking_id: int, application_id: int) -> Any:
    from applications.models import Booking

    return Booking.objects.select_related("slot__office__regency__province").get(
        pk=booking_id, application_id=application_id
    )


def _zone_label(zone_name: str) -> str:
    from offices.models import TimeZone

    return TimeZone(zone_name).name if zone_name in TimeZone.values else ""


def booking_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    from applications.appointments import CHANGE_CUTOFF

    context = application_context(ids)
    booking = _booking(ids["booking_id"], context["application"].pk)
    office = booking.slot.office
    zone = office.regency.province.timezone
    context.update(
        booking=booking,
        slot=booking.slot,
        slot_office=office,
        office_zone=ZoneInfo(zone),
        zone_label=_zone_label(zone),
        change_cutoff_hours=int(CHANGE_CUTOFF.total_seconds() // 3600),
    )
    if "previous_booking_id" in ids:
        context["previous_slot"] = _booking(ids["previous_booking_id"], context["application"].pk).slot
    return context


def one_time_code_context(ids: Mapping[str, Any]) -> dict[str, Any]:
    """A code and how long it is valid; the code itself comes from ``code_for`` at send time."""
    return {"valid_minutes": ids.get("valid_minutes")}


APPLICATION_MESSAGES: tuple[tuple[str, Builder, bool, str], ...] = (
    ("application_submitted", application_context, False, "submit: received, registration proof"),
    ("revision_requested", revision_context, True, "request_revision: what to correct, by when"),
    ("appointment_needed", appointment_needed_context, True, "schedule: book an appointment"),
    ("booking_created", booking_context, False, "a booking made"),
    ("booking_rescheduled", booking_context, False, "a booking moved to another slot"),
    ("booking_cancelled", booking_context, False, "a booking cancelled"),
    ("attendance_recorded", booking_context, False, "attendance (or a no-show) recorded"),
    ("application_approved", application_context, False, "approve"),
    ("application_rejected", rejection_context, True, "reject: the reason and the officer's note"),
    ("application_issued", application_context, True, "issue: the document is issued"),
    ("application_expired", application_context, True, "expire: not paid in time"),
    ("application_cancelled", application_context, False, "cancel: withdrawn by the citizen"),
    ("revision_lapsed", application_context, True, "lapse_revision: corrections not made in time"),
    ("appointment_lapsed", application_context, True, "lapse_appointment: no booking, or a second no-show"),
)


def register_builtin() -> None:
    """Called once from ``NotificationsConfig.ready()``."""
    for key, build, critical, description in APPLICATION_MESSAGES:
        register(key, build, critical=critical, description=description)
    register(
        "one_time_code",
        one_time_code_context,
        critical=True,
        # Never the inbox: its text is stored, and a code must not be.
        channels=(Message.Channel.EMAIL, Message.Channel.SMS),
        description="a one-time code (context: code_for, valid_minutes)",
    )
