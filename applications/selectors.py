"""Reads worth naming: "my applications", an office's queue, an application's timeline."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils.functional import Promise
from django.utils.text import format_lazy

from accounts.models import StaffMembership, User
from accounts.roles import OFFICER, SUPERVISOR, roles_of
from accounts.services import nik_index
from applications import events
from applications.models import STATUS_LABELS, Application, Attachment, Booking, StatusChange
from applications.reasons import RejectionReason
from korlantas.lib import clock
from offices.models import Office


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


def attachments_of(*, application: Application) -> QuerySet[Attachment]:
    return Attachment.objects.filter(application=application).order_by("kind", "created_at", "pk")


def active_booking(*, application: Application) -> Booking | None:
    """The application's live booking (at most one, by constraint), with its slot and office."""
    return (
        Booking.objects.select_related("slot__office")
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


def staff_scope(*, user: User) -> QuerySet[Application]:
    """Every application of the offices ``user`` works for, whatever its status.

    An office member sees their office; a supervisor whose membership is a Polda sees every
    office of that Polda (the same rule as ``services._in_office_scope``). Anyone else: none.
    """
    membership = StaffMembership.objects.filter(user=user).only("office_id", "polda_id").first()
    if membership is None:
        return Application.objects.none()
    if membership.office_id is not None:
        return Application.objects.filter(handling_office_id=membership.office_id)
    if membership.polda_id is not None and SUPERVISOR in roles_of(user):
        return Application.objects.filter(handling_office__polda_id=membership.polda_id)
    return Application.objects.none()


def _for_queue_rows(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """What a queue row shows, fetched with the rows: the number of queries never depends on them."""
    return (
        queryset.filter(status__in=QUEUE_STATES)
        .select_related("assigned_officer", "applicant__citizen_profile")
        .order_by(F("due_date").asc(nulls_last=True), "created_at", "pk")
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
    membership = StaffMembership.objects.filter(user=user).only("office_id", "polda_id").first()
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
    return (
        staff_scope(user=user)
        .select_related("assigned_officer", "applicant__citizen_profile", "handling_office")
        .filter(public_id=public_id)
        .first()
    )
