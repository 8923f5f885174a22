"""Reads worth naming: "my applications", an office's queue, an application's timeline."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.utils.functional import Promise
from django.utils.text import format_lazy

from accounts.models import StaffMembership, User
from accounts.roles import OFFICER, SUPERVISOR, roles_of
from accounts.services import nik_index
from applications import events
from applications.appointments import BOOKING_OBJECT_TYPE, CHANGE_CUTOFF
from applications.models import STATUS_LABELS, Application, Attachment, Booking, StatusChange
from applications.reasons import RejectionReason
from applications.registry import ServiceDefinition, get_service
from applications.services import ATTACHMENT_OBJECT_TYPE, OBJECT_TYPE
from audit.models import AuditEvent
from korlantas.lib import clock
from offices.models import AppointmentSlot, Office


def applications_of(*, applicant: User) -> QuerySet[Application]:
    """Newest first (index ``applications_mine``)."""
    return Application.objects.filter(applicant=applicant).order_by("-created_at")


def application_of(*, applicant: User, public_id: uuid.UUID) -> Application | None:
    """``applicant``'s application with this public id, or None (anyone else's is "not found")."""
    return (
        Application.objects.select_related("handling_office")
        .filter(applicant=applicant, public_id=public_id)
        .first()
    )


def application_page_of(*, applicant: User, public_id: uuid.UUID) -> tuple[Application, bool] | None:
    """``application_of`` for the applicant's application page, and whether it has a live
    booking: the page asks for the booking (four joins) only when there is one, which is rare."""
    # public_id is unique: a slice, not ``first()`` (whose ORDER BY costs ORM time for nothing).
    found = list(
        Application.objects.select_related("handling_office")
        .annotate(
            has_live_booking=Exists(
                Booking.objects.filter(application=OuterRef("pk"), state=Booking.State.BOOKED)
            )
        )
        .filter(applicant=applicant, public_id=public_id)[:1]
    )
    if not found:
        return None
    return found[0], bool(found[0].has_live_booking)


def attachments_of(*, application: Application) -> QuerySet[Attachment]:
    return Attachment.objects.filter(application=application).order_by("kind", "created_at", "pk")


def active_booking(*, application: Application) -> Booking | None:
    """The application's live booking (at most one, by constraint), with its slot and office."""
    return (
        Booking.objects.select_related("slot__office__regency__province")
        .filter(application=application, state=Booking.State.BOOKED)
        .first()
    )


def office_queue(*, office: Office, status: str = "queued") -> QuerySet[Application]:
    """Earliest due first, then oldest (index ``applications_queue``)."""
    return Application.objects.filter(handling_office=office, status=status).order_by(
        "due_date", "submitted_at", "pk"
    )


def application_timeline(*, application: Application) -> list[events.TimelineEntry]:
    """The application's own history plus what other apps contribute, oldest first."""
    entries = [
        events.TimelineEntry(
            occurred_at=change.occurred_at,
            label=STATUS_LABELS[change.to_status],
            source="applications",
            detail=change.action,
            note=_step_note(change),
        )
        for change in application.status_changes.all()
    ]
    for provider in events.timeline_providers():
        entries.extend(provider(application))
    return sorted(entries, key=lambda entry: entry.occurred_at)


def _step_note(change: StatusChange) -> str | Promise:
    """The reason and the note of a step, as the applicant may read them."""
    if change.reason in RejectionReason.values:
        label = RejectionReason(change.reason).label
        return format_lazy("{}: {}", label, change.note) if change.note else label
    return change.note


def review_panels(*, application: Application, viewer: User) -> list[events.ReviewPanel]:
    panels = [provider(application, viewer) for provider in events.review_panel_providers()]
    return sorted((panel for panel in panels if panel is not None), key=lambda panel: panel.order)


def citizen_panels(*, application: Application, viewer: User) -> list[events.ReviewPanel]:
    """What other apps show the applicant on their application page (the bill, documents)."""
    panels = [provider(application, viewer) for provider in events.citizen_panel_providers()]
    return sorted((panel for panel in panels if panel is not None), key=lambda panel: panel.order)


# --- the officers' review queue -----------------------------------------------------------

# Non-terminal states in which an office has something to do (or to watch) for an application.
QUEUE_STATES = ("queued", "in_review", "revision_requested", "awaiting_appointment", "approved")
# Search results are rendered on one page (the search is a POST: no page links to follow).
SEARCH_LIMIT = 50
_NIK_PATTERN = re.compile(r"\d{16}")


@dataclass(frozen=True)
class QueueFilters:
    service: str = ""
    status: str = ""
    older_than_days: int | None = None
    overdue_only: bool = False


def _membership(user: User) -> StaffMembership | None:
    """The user's one membership (a one-to-one), if any: a slice rather than ``first()``,
    whose ORDER BY costs ORM time for nothing on every staff page."""
    found = list(StaffMembership.objects.filter(user=user).only("office_id", "polda_id")[:1])
    return found[0] if found else None


def staff_scope(*, user: User) -> QuerySet[Application]:
    """Every application of the offices ``user`` works for, whatever its status.

    An office member sees their office; a supervisor whose membership is a Polda sees every
    office of that Polda (the same rule as ``services._in_office_scope``). Anyone else: none.
    """
    membership = _membership(user)
    if membership is None:
        return Application.objects.none()
    if membership.office_id is not None:
        return Application.objects.filter(handling_office_id=membership.office_id)
    if membership.polda_id is not None and SUPERVISOR in roles_of(user):
        return Application.objects.filter(handling_office__polda_id=membership.polda_id)
    return Application.objects.none()


def _for_queue_rows(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """What a queue row shows, fetched with the rows: the number of queries never depends on them.
    Only the columns a row shows or acts on (``views.queue``): building the rest of three models
    per row was a good part of the page's time."""
    return (
        queryset.filter(status__in=QUEUE_STATES)
        .select_related("assigned_officer", "applicant__citizen_profile")
        .only(*_QUEUE_ROW_FIELDS)
        .order_by(F("due_date").asc(nulls_last=True), "created_at", "pk")
    )


_QUEUE_ROW_FIELDS = (
    "public_id",
    "reference",
    "service_code",
    "subject",
    "status",
    "due_date",
    "version",
    "handling_office",
    "assigned_officer__email",
    "applicant__citizen_profile__full_name",
)


def office_work_queue(*, user: User, filters: QueueFilters | None = None) -> QuerySet[Application]:
    """The actionable applications of ``user``'s offices, earliest due first (no due date last).

    Paged with OFFSET for now; deep pages of a large Polda want keyset pagination on
    (due_date, created_at, pk) later.
    """
    filters = filters or QueueFilters()
    queryset = staff_scope(user=user)
    if filters.service:
        queryset = queryset.filter(service_code=filters.service)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.older_than_days is not None:
        # Age counts from submission: the time the office has had the application.
        cutoff = clock.now() - dt.timedelta(days=filters.older_than_days)
        queryset = queryset.filter(submitted_at__lte=cutoff)
    if filters.overdue_only:
        queryset = queryset.filter(due_date__lt=clock.today())
    return _for_queue_rows(queryset)


def is_nik(text: str) -> bool:
    return bool(_NIK_PATTERN.fullmatch(text))


def office_work_search(*, user: User, text: str) -> list[Application]:
    """Queue rows matching ``text``: a 16-digit NIK through the blind index only; otherwise the
    reference (exact, any case), the subject or the applicant's full name (contains)."""
    text = text.strip()
    if not text:
        return []
    if is_nik(text):
        match = Q(applicant__citizen_profile__nik_index=nik_index(text))
    else:
        match = (
            Q(reference__iexact=text)
            | Q(subject__icontains=text)
            | Q(applicant__citizen_profile__full_name__icontains=text)
        )
    return list(_for_queue_rows(staff_scope(user=user).filter(match))[:SEARCH_LIMIT])


def reassignable_officers(*, user: User) -> dict[int, list[User]]:
    """Per office in ``user``'s scope (office id), the active officers and supervisors who
    work there — those a claim can be handed to. One query, whatever the number of rows."""
    membership = _membership(user)
    if membership is None:
        return {}
    memberships = StaffMembership.objects.filter(
        user__is_active=True, user__groups__name__in=[OFFICER, SUPERVISOR], office__isnull=False
    )
    if membership.office_id is not None:
        memberships = memberships.filter(office_id=membership.office_id)
    elif membership.polda_id is not None:
        memberships = memberships.filter(office__polda_id=membership.polda_id)
    else:
        return {}
    officers: dict[int, list[User]] = {}
    seen: set[tuple[int, int]] = set()
    for member in memberships.select_related("user").order_by("user__email"):
        if member.office_id is None or (member.office_id, member.user_id) in seen:
            continue
        seen.add((member.office_id, member.user_id))
        officers.setdefault(member.office_id, []).append(member.user)
    return officers


def review_application(*, user: User, public_id: uuid.UUID) -> Application | None:
    """An application of ``user``'s offices, with what the review page shows; another office's
    application is None ("not found")."""
    # public_id is unique: a slice, not ``first()``, whose ORDER BY pk over the 70-odd columns
    # of the four joined tables cost about a millisecond of the ORM's time on every page.
    found = list(
        staff_scope(user=user)
        .select_related("assigned_officer", "applicant__citizen_profile", "handling_office")
        .filter(public_id=public_id)[:1]
    )
    return found[0] if found else None


# --- citizen: drafts, uploads, submitting, corrections (views/drafts.py) ------------------


def offices_for_submission(
    service: ServiceDefinition, application: Application | None = None
) -> QuerySet[Office]:
    """The open offices a citizen may submit ``service`` to: those of its route's first kind,
    narrowed by the service's ``submit_offices`` for ``application`` (its registering Samsat)."""
    offices = Office.objects.filter(kind=service.route[0], is_active=True)
    narrowed = service.submit_offices(application) if application is not None else None
    if narrowed is not None:
        offices = offices.filter(pk__in=narrowed.values("pk"))
    return offices.select_related("regency").order_by("name", "pk")


# --- appointments pages -------------------------------------------------------------------

# The booking page offers slots this far ahead, and at most this many (nearby offices first),
# so a country-wide route never renders thousands of rows.
BOOKING_HORIZON = dt.timedelta(weeks=8)
BOOKABLE_SLOTS_LIMIT = 200


def bookable_slots(*, application: Application, exclude_slot_id: int | None = None) -> list[AppointmentSlot]:
    """Open future slots with seats left at the handling office (if it is open), of the kinds
    the service needs now, by start time. One query."""
    if application.handling_office_id is None:
        return []
    now = clock.now()
    slots = AppointmentSlot.objects.filter(
        is_cancelled=False,
        booked__lt=F("capacity"),
        starts_at__gt=now,
        starts_at__lte=now + BOOKING_HORIZON,
        office__is_active=True,
        office_id=application.handling_office_id,
    ).select_related("office__regency__province")
    kinds = get_service(application.service_code).appointment_kinds(application)
    if kinds:
        slots = slots.filter(kind__in=kinds)
    if exclude_slot_id is not None:
        slots = slots.exclude(pk=exclude_slot_id)
    return list(slots.order_by("starts_at", "pk")[:BOOKABLE_SLOTS_LIMIT])


def booking_with_office(*, application: Application) -> Booking | None:
    """``active_booking`` with the office's province too (its time zone), for the booking page."""
    return (
        Booking.objects.select_related("slot__office__regency__province")
        .filter(application=application, state=Booking.State.BOOKED)
        .first()
    )


def booking_change_deadline(booking: Booking) -> dt.datetime:
    """The last moment the citizen may reschedule or cancel (``appointments.CHANGE_CUTOFF``)."""
    return booking.slot.starts_at - CHANGE_CUTOFF


def booking_changeable(booking: Booking | None) -> bool:
    """Whether ``booking_reschedule``/``booking_cancel`` would still accept a change now."""
    if booking is None or booking.state != Booking.State.BOOKED:
        return False
    return clock.now() <= booking_change_deadline(booking)


def slot_id_of(*, public_id: uuid.UUID) -> int | None:
    return AppointmentSlot.objects.filter(public_id=public_id).values_list("pk", flat=True).first()


def staff_membership(*, user: User) -> StaffMembership | None:
    """Where ``user`` works, with the office's province (its time zone) and the Polda."""
    return (
        StaffMembership.objects.select_related("office__regency__province", "polda").filter(user=user).first()
    )


def staff_slots(*, user: User) -> QuerySet[AppointmentSlot]:
    """The slots of the offices ``user`` works for (the same scope as ``staff_scope``)."""
    membership = StaffMembership.objects.filter(user=user).only("office_id", "polda_id").first()
    if membership is None:
        return AppointmentSlot.objects.none()
    if membership.office_id is not None:
        return AppointmentSlot.objects.filter(office_id=membership.office_id)
    if membership.polda_id is not None and SUPERVISOR in roles_of(user):
        return AppointmentSlot.objects.filter(office__polda_id=membership.polda_id)
    return AppointmentSlot.objects.none()


def office_upcoming_slots(*, office: Office, since: dt.datetime) -> QuerySet[AppointmentSlot]:
    """The office's slots starting from ``since``, earliest first."""
    return AppointmentSlot.objects.filter(office=office, starts_at__gte=since).order_by("starts_at", "pk")


def slot_bookings(*, slot: AppointmentSlot, user: User) -> QuerySet[Booking]:
    """Every booking of ``slot`` (active or not) with its application, and ``reviewable``:
    whether the application is in ``user``'s review scope. One query, whatever the rows."""
    return (
        Booking.objects.filter(slot=slot)
        .select_related("application")
        .annotate(reviewable=Exists(staff_scope(user=user).filter(pk=OuterRef("application_id"))))
        .order_by("created_at", "pk")
    )


# --- review page: forwarding, appointments, the supervisors' claims ------------------------


def next_route_kind(*, application: Application) -> str | None:
    """The office kind after the handling office's on the service's route; None at its end
    (or for a service no longer registered). The same reading as ``guards.next_office_on_route``."""
    from applications.registry import UnknownService, get_service

    office = application.handling_office
    try:
        route = get_service(application.service_code).route
    except UnknownService:
        return None
    if office is None or office.kind not in route:
        return None
    position = route.index(office.kind)
    return route[position + 1] if position + 1 < len(route) else None


def forward_offices(*, application: Application) -> QuerySet[Office]:
    """The open offices ``application`` can be forwarded to: those of the route's next kind,
    the handling office's own Polda first, then by name."""
    from applications.registry import UnknownService, get_service

    kind = next_route_kind(application=application)
    office = application.handling_office
    if kind is None or office is None:
        return Office.objects.none()
    offices = Office.objects.filter(kind=kind, is_active=True)
    try:
        narrowed = get_service(application.service_code).forward_offices(application)
    except UnknownService:
        narrowed = None
    if narrowed is not None:
        offices = offices.filter(pk__in=narrowed.values("pk"))
    return (
        offices.exclude(pk=office.pk)
        .select_related("polda")
        .annotate(other_polda=Case(When(polda_id=office.polda_id, then=0), default=1))
        .order_by("other_polda", "name", "pk")
    )


def bookings_of(*, application: Application) -> QuerySet[Booking]:
    """Every booking of the application, newest first, with its slot and the slot's office."""
    return (
        Booking.objects.filter(application=application)
        .select_related("slot__office")
        .order_by("-created_at", "-pk")
    )


def booking_of(*, application: Application, public_id: uuid.UUID) -> Booking | None:
    """A booking of this application only: another application's booking is None."""
    return (
        Booking.objects.select_related("slot__office")
        .filter(application=application, public_id=public_id)
        .first()
    )


def claims_in_scope(*, user: User) -> QuerySet[Application]:
    """The applications in review in ``user``'s scope, grouped by the officer holding them
    (by e-mail), oldest claim first; ``in_review_since`` is when each last entered review,
    fetched in the same query."""
    since = (
        StatusChange.objects.filter(application=OuterRef("pk"), to_status="in_review")
        .order_by("-occurred_at", "-pk")
        .values("occurred_at")[:1]
    )
    return (
        staff_scope(user=user)
        .filter(status="in_review")
        .select_related("assigned_officer", "handling_office")
        .annotate(in_review_since=Subquery(since))
        .order_by(F("assigned_officer__email").asc(nulls_first=True), "in_review_since", "pk")
    )


# --- the staff's full history of an application ---------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    occurred_at: dt.datetime
    action: str
    actor: str  # the staff member's e-mail, "applicant" or "system"
    details: dict[str, object]


# Audit details worth showing beside an event; nothing in them is personal data.
_AUDIT_DETAIL_KEYS = (
    "from_status",
    "to_status",
    "role",
    "reason",
    "fields",
    "kind",
    "field",
    "state",
    "outcome",
)


def application_audit_trail(
    *, application: Application, attachments: list[Attachment], bookings: list[Booking]
) -> list[AuditRow]:
    """Every audit event about the application, its files and its bookings, oldest first —
    transitions, reassignments, edits, reveals of personal data. One query, whatever the
    number of events (the events with the e-mail of the staff member who acted, if any)."""
    about = Q(object_type=OBJECT_TYPE, object_id=str(application.public_id))
    if attachments:
        about |= Q(object_type=ATTACHMENT_OBJECT_TYPE, object_id__in=[str(a.public_id) for a in attachments])
    if bookings:
        about |= Q(object_type=BOOKING_OBJECT_TYPE, object_id__in=[str(b.public_id) for b in bookings])
    # The actor is a plain number (no foreign key): the e-mail comes with each event, so the
    # page makes one query whether or not staff acted.
    actor_email = User.objects.filter(pk=OuterRef("actor_id")).values("email")[:1]
    events_ = (
        AuditEvent.objects.filter(about)
        .annotate(actor_email=Subquery(actor_email))
        .order_by("occurred_at", "pk")
        .values_list("occurred_at", "action", "actor_id", "actor_email", "details")
    )
    rows = []
    for occurred_at, action, actor_id, email, event_details in events_:
        if actor_id is None:
            actor = "system"
        elif actor_id == application.applicant_id:
            actor = "applicant"
        else:
            actor = email or f"#{actor_id}"
        details = {key: event_details[key] for key in _AUDIT_DETAIL_KEYS if key in (event_details or {})}
        rows.append(AuditRow(occurred_at=occurred_at, action=action, actor=actor, details=details))
    return rows
