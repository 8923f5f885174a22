"""Reads worth naming: "my applications", an office's queue, an application's timeline."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from applications import events
from applications.models import STATUS_LABELS, Application
from offices.models import Office


def applications_of(*, applicant: User) -> QuerySet[Application]:
    """Newest first (index ``applications_mine``)."""
    return Application.objects.filter(applicant=applicant).order_by("-created_at")


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
        )
        for change in application.status_changes.all()
    ]
    for provider in events.timeline_providers():
        entries.extend(provider(application))
    return sorted(entries, key=lambda entry: entry.occurred_at)


def review_panels(*, application: Application, viewer: User) -> list[events.ReviewPanel]:
    panels = [provider(application, viewer) for provider in events.review_panel_providers()]
    return sorted((panel for panel in panels if panel is not None), key=lambda panel: panel.order)
