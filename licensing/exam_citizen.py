"""The SIM exams on the applicant's own application page (``applications.events`` citizen panel).

After the officer records a result (``exams.exam_result_record``) the applicant sees where
each exam stands — the theory exam passed or failed with its score against the pass mark
(``exams.PASS_MARK``), the practical exam passed, failed or not yet taken — every attempt so
far, and what to do next ("Book your practical exam", a retake before its deadline, the exam
already booked). Its cost is ``exams.exam_progress``: one query for the bookings plus one
holiday query while the exam in play has a failure, whatever the number of attempts.

``register()`` is called from ``LicensingConfig.ready()``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from applications import events
from applications.appointments import AWAITING
from applications.events import ReviewPanel
from licensing import exams

if TYPE_CHECKING:
    from accounts.models import User
    from applications.models import Application

PANEL_ORDER = 30
PANEL_TEMPLATE = "licensing/includes/exam_citizen_panel.html"

PASSED, FAILED, NOT_YET = "passed", "failed", "not_yet"
RESULT_LABELS: dict[str, str | Promise] = {PASSED: _("Passed"), FAILED: _("Failed"), NOT_YET: _("Not yet")}


@dataclass(frozen=True)
class ExamLine:
    """One exam as the applicant sees it: its latest result so far."""

    exam: str
    label: str | Promise
    result: str  # PASSED, FAILED or NOT_YET
    score: int | None  # the theory exam's latest score
    attempts: int

    @property
    def result_label(self) -> str | Promise:
        return RESULT_LABELS[self.result]


@dataclass(frozen=True)
class NextStep:
    text: str | Promise  # may be empty when the link says it all ("Book your practical exam")
    link_label: str | Promise = ""
    url: str = ""


def _line(track: exams.ExamTrack) -> ExamLine:
    latest = track.attempts[-1] if track.attempts else None
    if track.passed:
        result = PASSED
    elif latest is not None:
        result = FAILED
    else:
        result = NOT_YET
    return ExamLine(
        exam=track.exam,
        label=exams.EXAM_LABELS[track.exam],
        result=result,
        score=latest.score if latest is not None else None,
        attempts=track.taken,
    )


def _day(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def next_step(application: Application, progress: exams.ExamProgress) -> NextStep | None:
    """What the applicant does next about the exams; None when the application no longer
    awaits them (approved, rejected, cancelled …)."""
    if progress.passed:
        return NextStep(_("You have passed both exams. The office completes your application."))
    if progress.exhausted:
        return NextStep(
            _("No retake is left for the exam you failed: the office will close this application.")
        )
    if application.status != AWAITING:
        return None
    current = progress.current
    if current is None:
        return None
    theory = current.exam == exams.THEORY
    if current.booked is not None:
        booked = (
            _("Take your theory exam on %(date)s.") if theory else _("Take your practical exam on %(date)s.")
        )
        return NextStep(booked % {"date": _day(current.booked.held_on)})
    if not current.bookable:
        return None
    url = reverse("applications:booking", args=[application.public_id])
    if current.failures == 0:
        label = _("Book your theory exam") if theory else _("Book your practical exam")
        return NextStep("", link_label=label, url=url)
    values = {
        "left": current.retakes_left,
        "date": _day(current.retake_deadline) if current.retake_deadline is not None else "",
    }
    if theory:
        text = ngettext(
            "You may retake the theory exam until %(date)s (%(left)d retake left).",
            "You may retake the theory exam until %(date)s (%(left)d retakes left).",
            current.retakes_left,
        )
    else:
        text = ngettext(
            "You may retake the practical exam until %(date)s (%(left)d retake left).",
            "You may retake the practical exam until %(date)s (%(left)d retakes left).",
            current.retakes_left,
        )
    return NextStep(text % values, link_label=_("Book a retake"), url=url)


def citizen_panel(application: Application, viewer: User) -> ReviewPanel | None:
    """The exams of the viewer's own application of an exam service; None for other services
    and before the first exam is booked (the appointment section asks for a booking then)."""
    if application.applicant_id != viewer.pk or application.service_code not in exams.EXAM_SERVICE_CODES:
        return None
    progress = exams.exam_progress(application)
    if not progress.rows:
        return None
    attempts = sorted(
        (row for row in progress.rows if row.taken), key=lambda row: (row.starts_at, row.booking_id)
    )
    return ReviewPanel(
        title=_("Exams"),
        template_name=PANEL_TEMPLATE,
        context={
            "lines": (_line(progress.theory), _line(progress.practical)),
            "attempts": attempts,
            "pass_mark": exams.PASS_MARK,
            "next": next_step(application, progress),
        },
        order=PANEL_ORDER,
    )


def register() -> None:
    """Called from ``LicensingConfig.ready()`` (registering twice is harmless)."""
    events.register_citizen_panel(citizen_panel)
