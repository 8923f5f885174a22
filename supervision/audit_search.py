"""The supervisors' audit viewer: the search form and the reads behind it.

A supervisor sees the audit events whose ``office_id`` is one of the offices they supervise
(``supervision.scope``): an office supervisor their office, a Polda supervisor every office of
that Polda. Another office's events never show, whatever the filters say.

Nothing personal travels in the URL: the officer is chosen by the user's ``public_id``, the
application by its reference (resolved here, within the scope, to its ``public_id``), and the
"Older" link carries only the last row's position (a timestamp in microseconds and the event id).

Pages are keyset-paginated on (occurred_at, id), newest first — no OFFSET — and a page costs a
constant number of queries: the events, then the page's actors in one query and the page's
applications in one query.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffMembership, User
from accounts.roles import STAFF_ROLES
from applications.appointments import BOOKING_OBJECT_TYPE
from applications.models import Application, Attachment, Booking
from applications.services import ATTACHMENT_OBJECT_TYPE, OBJECT_TYPE
from audit import actions as audit_actions
from audit.actions import AuditAction
from audit.models import AuditEvent
from korlantas.forms import PortalFormMixin
from korlantas.lib import clock
from supervision.scope import Scope

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
DEFAULT_DAYS = 7  # the last 7 days, today included

ALL_EVENTS = "all"
REVEALS = "reveals"

PROFILE_OBJECT_TYPE = "accounts.citizenprofile"

OBJECT_TYPE_LABELS: dict[str, Any] = {
    OBJECT_TYPE: _("Application"),
    ATTACHMENT_OBJECT_TYPE: _("Uploaded file"),
    BOOKING_OBJECT_TYPE: _("Appointment"),
    PROFILE_OBJECT_TYPE: _("Citizen profile"),
}

ROLE_LABELS: dict[str, Any] = {
    "officer": _("officer"),
    "supervisor": _("supervisor"),
    "dispatcher": _("dispatcher"),
    "courier": _("courier"),
    "citizen": _("citizen"),
    "system": _("system"),
}

_POSITION = re.compile(r"(-?\d{1,18})\.(\d{1,18})")  # both fit a bigint


# --- the staff and actions of a scope -------------------------------------------------------


@dataclass(frozen=True)
class StaffChoice:
    public_id: uuid.UUID
    user_id: int
    label: str


def scope_staff(scope: Scope) -> list[StaffChoice]:
    """The staff of the supervised offices, and the Polda-level staff over them (one query)."""
    if not scope.offices:
        return []
    polda_ids = {office.polda_id for office in scope.offices}
    members = (
        StaffMembership.objects.filter(Q(office_id__in=scope.office_ids) | Q(polda_id__in=polda_ids))
        .values_list("user__public_id", "user_id", "display_name", "user__email")
        .order_by("display_name", "user__email", "user_id")
    )
    return [
        StaffChoice(public_id=public_id, user_id=user_id, label=display_name or email)
        for public_id, user_id, display_name, email in members
    ]


def action_label(action: str) -> str:
    """The human name of a known action, else the dotted name itself."""
    if action in AuditAction.values:
        return str(AuditAction(action).label)
    return action


def action_choices(scope: Scope) -> list[tuple[str, str]]:
    """Every known action, plus the dotted names that occur in the scope's trail (one query)."""
    occurring: set[str] = set()
    if scope.offices:
        occurring = set(
            AuditEvent.objects.filter(office_id__in=scope.office_ids)
            .order_by()
            .values_list("action", flat=True)
            .distinct()
        )
    names = set(AuditAction.values) | occurring
    return sorted(((name, action_label(name)) for name in names), key=lambda choice: choice[1].lower())


# --- the form -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where the last row of a page stands: (occurred_at, id)."""

    occurred_at: dt.datetime
    event_id: int

    def token(self) -> str:
        micros = (self.occurred_at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.event_id}"

    @classmethod
    def parse(cls, token: str) -> Position | None:
        match = _POSITION.fullmatch(token or "")
        if match is None:
            return None
        try:
            at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(match.group(1)))
        except OverflowError:
            return None
        return cls(occurred_at=at, event_id=int(match.group(2)))


@dataclass(frozen=True)
class AuditCriteria:
    office_ids: list[int]
    start: dt.datetime  # inclusive
    end: dt.datetime  # exclusive
    actor_id: int | None = None
    action: str = ""
    application_public_id: uuid.UUID | None = None
    reveals_only: bool = False


class AuditSearchForm(PortalFormMixin, forms.Form):
    """The filters, read from GET. Unbound fields get their defaults (the last 7 days)."""

    # The tab: ``reveals`` or anything else (all events); never an error.
    view = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)
    officer = forms.ChoiceField(label=_("Officer"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    application = forms.CharField(
        label=_("Application reference"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "SIM-2611-7QK3M2", "autocomplete": "off"}),
    )
    date_from = forms.DateField(
        label=_("From"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To (inclusive)"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data: Any, *, scope: Scope) -> None:
        data = data.copy()
        today = clock.today()
        if not data.get("date_from") and "date_from" not in data:
            data["date_from"] = (today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        if not data.get("date_to") and "date_to" not in data:
            data["date_to"] = today.isoformat()
        super().__init__(data)
        self.scope = scope
        self.staff = scope_staff(scope)
        self._staff_by_public_id = {str(member.public_id): member for member in self.staff}
        officer_field = cast(forms.ChoiceField, self.fields["officer"])
        action_field = cast(forms.ChoiceField, self.fields["action"])
        officer_field.choices = [("", _("Any officer"))] + [
            (str(member.public_id), member.label) for member in self.staff
        ]
        action_field.choices = [("", _("Any action")), *action_choices(scope)]

    def clean_application(self) -> uuid.UUID | None:
        reference = str(self.cleaned_data.get("application") or "").strip().upper()
        if not reference:
            return None
        public_id = _application_in_scope(reference, self.scope)
        if public_id is None:
            raise forms.ValidationError(_("No application with this reference at your office(s)."))
        return public_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start is not None and end is not None and start > end:
            self.add_error("date_from", _("The start date must be on or before the end date."))
        return cleaned

    @property
    def reveals_only(self) -> bool:
        return self.data.get("view") == REVEALS

    def criteria(self) -> AuditCriteria:
        """The criteria of a valid form."""
        data = self.cleaned_data
        member = self._staff_by_public_id.get(data.get("officer") or "")
        return AuditCriteria(
            office_ids=self.scope.office_ids,
            start=_jakarta_midnight(data["date_from"]),
            end=_jakarta_midnight(data["date_to"] + dt.timedelta(days=1)),
            actor_id=member.user_id if member is not None else None,
            action=data.get("action") or "",
            application_public_id=data.get("application"),
            reveals_only=self.reveals_only,
        )


def _jakarta_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=clock.JAKARTA)


def _application_in_scope(reference: str, scope: Scope) -> uuid.UUID | None:
    """The application with this reference that the scope handles or has audit events about."""
    if not scope.offices:
        return None
    touched = AuditEvent.objects.filter(
        office_id__in=scope.office_ids,
        object_type=OBJECT_TYPE,
        object_id=Cast(OuterRef("public_id"), CharField()),
    )
    found = (
        Application.objects.filter(reference=reference)
        .filter(Q(handling_office_id__in=scope.office_ids) | Exists(touched))
        .values_list("public_id", flat=True)
        .first()
    )
    return found


# --- the events -----------------------------------------------------------------------------


def audit_events(criteria: AuditCriteria) -> QuerySet[AuditEvent]:
    """The scope's events matching the criteria, newest first."""
    if not criteria.office_ids:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(
        office_id__in=criteria.office_ids,
        occurred_at__gte=criteria.start,
        occurred_at__lt=criteria.end,
    )
    if criteria.reveals_only:
        events = events.filter(action=audit_actions.PII_REVEALED)
    elif criteria.action:
        events = events.filter(action=criteria.action)
    if criteria.actor_id is not None:
        events = events.filter(actor_id=criteria.actor_id)
    if criteria.application_public_id is not None:
        public_id = criteria.application_public_id
        as_text = Cast("public_id", CharField())
        files = Attachment.objects.filter(application__public_id=public_id).annotate(t=as_text).values("t")
        bookings = Booking.objects.filter(application__public_id=public_id).annotate(t=as_text).values("t")
        events = events.filter(
            Q(object_type=OBJECT_TYPE, object_id=str(public_id))
            | Q(object_type=ATTACHMENT_OBJECT_TYPE, object_id__in=files)
            | Q(object_type=BOOKING_OBJECT_TYPE, object_id__in=bookings)
        )
    return events.order_by("-occurred_at", "-pk")


def events_page(
    criteria: AuditCriteria, older_than: Position | None
) -> tuple[list[AuditEvent], Position | None]:
    """One page of events (keyset on (occurred_at, id)), and the position for the next page."""
    events = audit_events(criteria)
    if older_than is not None:
        events = events.filter(
            Q(occurred_at__lt=older_than.occurred_at)
            | Q(occurred_at=older_than.occurred_at, pk__lt=older_than.event_id)
        )
    page = list(events[: PAGE_SIZE + 1])
    if len(page) <= PAGE_SIZE:
        return page, None
    page = page[:PAGE_SIZE]
    last = page[-1]
    return page, Position(occurred_at=last.occurred_at, event_id=last.pk)


# --- rows -----------------------------------------------------------------------------------


@dataclass
class AuditRow:
    event: AuditEvent
    who: str
    role: str
    action_label: str
    object_label: str
    reference: str = ""
    review_public_id: uuid.UUID | None = None  # set when the application is in scope
    what: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)

    @property
    def occurred_at(self) -> dt.datetime:
        return self.event.occurred_at


@dataclass(frozen=True)
class _Actor:
    label: str
    role: str


@dataclass(frozen=True)
class _App:
    public_id: uuid.UUID
    reference: str
    handling_office_id: int | None


def audit_rows(events: Sequence[AuditEvent], scope: Scope) -> list[AuditRow]:
    """What a row shows: two queries for any number of rows (the actors, the applications)."""
    actors = _actors({e.actor_id for e in events if e.actor_id is not None})
    apps_by_id, apps_by_file = _applications(events)
    in_scope = set(scope.office_ids)
    rows = []
    for event in events:
        actor = actors.get(event.actor_id) if event.actor_id is not None else None
        if event.actor_id is None:
            who, role = str(_("system")), ""
        elif actor is None:
            who, role = f"#{event.actor_id}", ""
        else:
            who, role = actor.label, actor.role
        # The role the event recorded (the role at the time) wins over today's groups.
        recorded_role = event.details.get("role") if isinstance(event.details, dict) else None
        if isinstance(recorded_role, str) and recorded_role in ROLE_LABELS:
            role = str(ROLE_LABELS[recorded_role])
        if role == who:
            role = ""
        app: _App | None = None
        if event.object_type == OBJECT_TYPE:
            app = apps_by_id.get(event.object_id)
        elif event.object_type == ATTACHMENT_OBJECT_TYPE:
            app = apps_by_file.get(event.object_id)
        label = OBJECT_TYPE_LABELS.get(event.object_type)
        rows.append(
            AuditRow(
                event=event,
                who=who,
                role=role,
                action_label=action_label(event.action),
                object_label=str(label) if label is not None else (event.object_type or "—"),
                reference=app.reference if app is not None else "",
                review_public_id=(
                    app.public_id if app is not None and app.handling_office_id in in_scope else None
                ),
                what=reveal_what(event),
                details=_details(event.details),
            )
        )
    return rows


def reveal_what(event: AuditEvent) -> str:
    """For a reveal of personal data: what was shown, from the event's non-personal details."""
    if event.action != audit_actions.PII_REVEALED:
        return ""
    details = event.details if isinstance(event.details, dict) else {}
    what = details.get("what") or details.get("field") or details.get("kind")
    if what == "nik":
        return str(_("Full NIK"))
    if what == "ktp_scan":
        return str(_("ID card scan"))
    if details.get("lookup") == "nik":
        return str(_("Search by NIK"))
    return str(what or _("Personal data"))


def _actors(actor_ids: set[int]) -> dict[int, _Actor]:
    if not actor_ids:
        return {}
    found = (
        User.objects.filter(pk__in=actor_ids)
        .annotate(
            shown_name=F("staff_membership__display_name"),
            has_membership=Exists(StaffMembership.objects.filter(user_id=OuterRef("pk"))),
            role_names=ArrayAgg(
                "groups__name", filter=Q(groups__name__in=STAFF_ROLES), distinct=True, default=[]
            ),
        )
        .values_list("pk", "email", "shown_name", "has_membership", "role_names", "is_staff")
    )
    actors = {}
    for pk, email, shown_name, has_membership, role_names, is_staff in found:
        if has_membership or role_names or is_staff:
            label = shown_name or email
            role = ", ".join(str(ROLE_LABELS.get(name, name)) for name in sorted(role_names))
            if not role and is_staff:
                role = str(_("administrator"))
        else:
            # A citizen acting on their own application: the role says it, the name stays out.
            label, role = str(_("citizen")), ""
        actors[pk] = _Actor(label=label, role=role)
    return actors


def _applications(events: Iterable[AuditEvent]) -> tuple[dict[str, _App], dict[str, _App]]:
    """The applications the events are about, directly or through an uploaded file (one query)."""
    app_ids, file_ids = set(), set()
    for event in events:
        if event.object_type == OBJECT_TYPE:
            app_ids.add(event.object_id)
        elif event.object_type == ATTACHMENT_OBJECT_TYPE:
            file_ids.add(event.object_id)
    app_uuids = _uuids(app_ids)
    file_uuids = _uuids(file_ids)
    if not app_uuids and not file_uuids:
        return {}, {}
    columns = ("pk", "public_id", "reference", "handling_office_id")
    if file_uuids:
        match = Q(attachments__public_id__in=file_uuids)
        if app_uuids:
            match |= Q(public_id__in=app_uuids)
        found = list(
            Application.objects.filter(match)
            .values(*columns)
            .annotate(
                files=ArrayAgg(
                    Cast("attachments__public_id", CharField()),
                    filter=Q(attachments__public_id__in=file_uuids),
                    default=[],
                )
            )
            .order_by()
        )
    else:
        found = [
            {**row, "files": []}
            for row in Application.objects.filter(public_id__in=app_uuids).values(*columns)
        ]
    by_id: dict[str, _App] = {}
    by_file: dict[str, _App] = {}
    for row in found:
        app = _App(
            public_id=row["public_id"],
            reference=row["reference"],
            handling_office_id=row["handling_office_id"],
        )
        by_id[str(row["public_id"])] = app
        for file_id in row["files"]:
            by_file[file_id] = app
    return by_id, by_file


def _uuids(texts: Iterable[str]) -> list[uuid.UUID]:
    found = []
    for text in texts:
        try:
            found.append(uuid.UUID(text))
        except ValueError:
            continue
    return found


def _details(details: Any) -> list[tuple[str, str]]:
    """The event's details as (key, text) pairs; the template escapes them."""
    if not isinstance(details, dict):
        return [] if details in (None, "") else [("", _text(details))]
    return [(str(key), _text(value)) for key, value in sorted(details.items())]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def details_text(details: Any) -> str:
    return "; ".join(f"{key}: {value}" if key else value for key, value in _details(details))
