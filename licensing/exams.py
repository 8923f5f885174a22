"""The SIM exams (issue 7 point 3; DOMAIN.md §1.3 steps 6 and 8): theory, then practical.

An application of a service that needs exams (``EXAM_SERVICE_CODES``: a new licence, a class
upgrade) waits for its appointments (``awaiting_appointment``) while the applicant books a
theory-exam slot and, once the theory exam is passed, a practical-exam slot. Each attempt is a
``Booking`` (``applications.appointments``) in a slot of that kind; office staff record the
result with ``exam_result_record``, which writes it through
``appointments.booking_record_attendance``:

* theory: ``outcome`` pass/fail and ``outcome_data = {"exam": "theory", "score": 0..100}``;
  the pass mark is ``PASS_MARK`` (70): 69 fails, 70 passes;
* practical: ``outcome`` pass/fail, the examiner's notes in ``outcome_notes`` and
  ``outcome_data = {"exam": "practical"}``.

A no-show is recorded with the core's attendance form ("did not attend"); it is no attempt
(the exam was not taken, so no retake is used), but the retake window keeps running, and the
core lapses the application on a second no-show.

Retakes. DOMAIN.md §1.3 step 6: a candidate who fails the theory exam may retake it **at most
twice within 14 working days, counted from the day after failing**. The day of failing is the
date of the failed exam in the office's own time zone; the window ends on
``offices.workdays.add_working_days(failed_on, 14)`` (the 14th working day after it: weekends
and ``Holiday`` rows are skipped), and a retake must be *held* on or before that date.
DOMAIN states the rule for the theory exam only and says nothing about failing the practical
one; **we apply the same rule to the practical exam** (two retakes within 14 working days of
its first failure), so that a failed practical exam neither ends the application at once nor
leaves it open forever. Change ``MAX_RETAKES``/``RETAKE_WINDOW_WORKING_DAYS`` per exam if the
regulation says otherwise.

When both exams are passed, or an exam has no retake left (two retakes failed, or the window
closed with no retake booked), nothing is pending any more: the officer resumes the review
(``resume_review``) and approves — ``exam_refusals`` is the approve guard's part — or rejects
with the reason.

What the service definition maps (licensing/services_registry.py):
``appointment_kinds=allowed_exam_kinds``, ``appointments_pending=exams_pending``, and
``exam_refusals`` inside its ``service_requirements_met`` guard.

The core treats an empty ``appointment_kinds`` as "any kind the office publishes", so
``register()`` also listens to ``booking_created``/``booking_rescheduled`` and refuses, in the
booking's own transaction, a booking of an exam application that is not an exam it may take
now, or a retake held after the retake deadline (``BookingRefused``, shown to the citizen).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from applications import events
from applications.appointments import BookingRefused, booking_record_attendance
from applications.models import Application, Booking
from korlantas.lib import clock
from offices.models import AppointmentSlot
from offices.workdays import add_working_days

Reason = str | Promise

THEORY = "theory"
PRACTICAL = "practical"
EXAMS = (THEORY, PRACTICAL)
# The slot kind each exam is booked in, and back.
SLOT_KIND = {
    THEORY: AppointmentSlot.Kind.THEORY_EXAM.value,
    PRACTICAL: AppointmentSlot.Kind.PRACTICAL_EXAM.value,
}
EXAM_OF_KIND = {kind: exam for exam, kind in SLOT_KIND.items()}

# The services whose applications take the exams. Read at call time (tests patch it).
EXAM_SERVICE_CODES: frozenset[str] = frozenset({"sim_new", "sim_upgrade"})
# DOMAIN.md §1.3 step 6.
PASS_MARK = 70
MIN_SCORE, MAX_SCORE = 0, 100
MAX_RETAKES = 2
RETAKE_WINDOW_WORKING_DAYS = 14

EXAM_LABELS: dict[str, Reason] = {THEORY: _("Theory exam"), PRACTICAL: _("Practical exam")}


class ExamResultRefused(BookingRefused):
    """``exam_result_record`` refused. Codes: ``not_exam_application``, ``wrong_exam``,
    ``invalid_score``, ``invalid_result``, ``theory_not_passed``, ``already_passed`` (and the
    core's ``BookingRefused`` codes: ``not_office_staff``, ``wrong_state``, ``too_early``).
    ``use_exam_result``: the core's attendance form recorded an exam as attended."""


# --- progress -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamAttempt:
    """One booking in an exam slot (not cancelled): booked, taken (with a result) or missed."""

    booking_id: int
    booking_public_id: uuid.UUID
    exam: str  # THEORY or PRACTICAL, from the slot's kind
    starts_at: dt.datetime
    held_on: dt.date  # the slot's date in the office's time zone
    state: str  # Booking.State value
    outcome: str  # "pass", "fail" or "" (no result yet, or a no-show)
    score: int | None  # theory only
    notes: str

    @property
    def label(self) -> Reason:
        return EXAM_LABELS[self.exam]

    @property
    def state_label(self) -> Reason:
        return Booking.State(self.state).label

    @property
    def taken(self) -> bool:
        """Attended, with a pass/fail result: an attempt that counts."""
        return self.state == Booking.State.ATTENDED and self.outcome in (
            Booking.Outcome.PASS,
            Booking.Outcome.FAIL,
        )

    @property
    def passed(self) -> bool | None:
        return self.outcome == Booking.Outcome.PASS if self.taken else None

    @property
    def awaiting_result(self) -> bool:
        """Booked and started: the officer can record its result now."""
        return self.state == Booking.State.BOOKED and clock.now() >= self.starts_at


@dataclass(frozen=True)
class ExamTrack:
    """One exam's attempts and where its retakes stand."""

    exam: str
    attempts: tuple[ExamAttempt, ...]  # taken (with a result), oldest first
    booked: ExamAttempt | None  # the active booking of this exam, if any
    no_shows: int
    first_failed_on: dt.date | None
    # The last day a retake may be held: add_working_days(first_failed_on, 14) (the 14th working
    # day after the failure); None before a failure, and once the exam is passed.
    retake_deadline: dt.date | None
    today: dt.date | None  # in the office's time zone; None when no attempt was ever booked

    @property
    def taken(self) -> int:
        return len(self.attempts)

    @property
    def passed(self) -> bool:
        return any(attempt.passed for attempt in self.attempts)

    @property
    def failures(self) -> int:
        return sum(1 for attempt in self.attempts if attempt.passed is False)

    @property
    def retakes_used(self) -> int:
        return max(self.taken - 1, 0)

    @property
    def retakes_left(self) -> int:
        return max(MAX_RETAKES - self.retakes_used, 0)

    @property
    def window_open(self) -> bool:
        """No failure yet, or the retake deadline has not passed."""
        if self.retake_deadline is None or self.today is None:
            return True
        return self.today <= self.retake_deadline

    @property
    def bookable(self) -> bool:
        """The applicant may book (or move) an attempt of this exam now."""
        if self.passed:
            return False
        return self.failures == 0 or (self.retakes_left > 0 and self.window_open)

    @property
    def exhausted(self) -> bool:
        """Failed, with no attempt booked and none left to book: the application ends here."""
        return not self.passed and self.failures > 0 and self.booked is None and not self.bookable


@dataclass(frozen=True)
class ExamProgress:
    theory: ExamTrack
    practical: ExamTrack
    rows: tuple[ExamAttempt, ...]  # every exam booking that is not cancelled, newest first

    # The brief's names, for the theory exam (the practical exam's are on ``practical``).
    @property
    def theory_attempts(self) -> int:
        return self.theory.taken

    @property
    def theory_passed(self) -> bool:
        return self.theory.passed

    @property
    def practical_attempts(self) -> int:
        return self.practical.taken

    @property
    def practical_passed(self) -> bool:
        return self.practical.passed

    @property
    def first_theory_failure(self) -> dt.date | None:
        return self.theory.first_failed_on

    @property
    def retake_deadline(self) -> dt.date | None:
        return self.theory.retake_deadline

    @property
    def retakes_used(self) -> int:
        return self.theory.retakes_used

    @property
    def retakes_left(self) -> int:
        return self.theory.retakes_left

    @property
    def passed(self) -> bool:
        """Both exams passed."""
        return self.theory.passed and self.practical.passed

    @property
    def exhausted(self) -> bool:
        """An exam failed with no retake left: the officer resumes the review and rejects."""
        return self.theory.exhausted or (self.theory.passed and self.practical.exhausted)

    @property
    def current(self) -> ExamTrack | None:
        """The exam the applicant is at now; None when both are passed or one is exhausted."""
        if self.passed or self.exhausted:
            return None
        return self.practical if self.theory.passed else self.theory

    def track(self, exam: str) -> ExamTrack:
        return self.theory if exam == THEORY else self.practical


def _attempt(booking: Booking) -> ExamAttempt:
    slot = booking.slot
    zone: ZoneInfo = slot.office.timezone
    data = booking.outcome_data if isinstance(booking.outcome_data, dict) else {}
    score = data.get("score")
    return ExamAttempt(
        booking_id=booking.pk,
        booking_public_id=booking.public_id,
        exam=EXAM_OF_KIND[slot.kind],
        starts_at=slot.starts_at,
        held_on=slot.starts_at.astimezone(zone).date(),
        state=booking.state,
        outcome=booking.outcome,
        score=score if isinstance(score, int) and not isinstance(score, bool) else None,
        notes=booking.outcome_notes,
    )


def _track(exam: str, rows: list[ExamAttempt], today: dt.date | None) -> ExamTrack:
    mine = sorted((row for row in rows if row.exam == exam), key=lambda row: (row.starts_at, row.booking_id))
    attempts = tuple(row for row in mine if row.taken)
    first_failed_on = next((a.held_on for a in attempts if a.passed is False), None)
    passed = any(a.passed for a in attempts)
    # Only the exam in play needs its deadline (the theory exam until it is passed, then the
    # practical one): at most one holiday query per progress.
    deadline = (
        add_working_days(first_failed_on, RETAKE_WINDOW_WORKING_DAYS)
        if first_failed_on is not None and not passed
        else None
    )
    return ExamTrack(
        exam=exam,
        attempts=attempts,
        booked=next((row for row in mine if row.state == Booking.State.BOOKED), None),
        no_shows=sum(1 for row in mine if row.state == Booking.State.NO_SHOW),
        first_failed_on=first_failed_on,
        retake_deadline=deadline,
        today=today,
    )


def exam_progress(application: Application) -> ExamProgress:
    """The application's exams, from its bookings in exam slots: one query for the bookings
    (with their slots and offices), plus one holiday query while the exam in play has a failure
    (``add_working_days``)."""
    bookings = list(
        Booking.objects.filter(application=application, slot__kind__in=tuple(SLOT_KIND.values()))
        .exclude(state=Booking.State.CANCELLED)
        .select_related("slot__office__regency__province")
        .order_by("-created_at", "-pk")
    )
    rows = [_attempt(booking) for booking in bookings]
    # "Today" where the exams are held (the handling office examines: one office, one zone).
    today = clock.now().astimezone(bookings[0].slot.office.timezone).date() if bookings else None
    return ExamProgress(
        theory=_track(THEORY, rows, today), practical=_track(PRACTICAL, rows, today), rows=tuple(rows)
    )


def _is_exam_application(application: Application) -> bool:
    return application.service_code in EXAM_SERVICE_CODES


# --- what the service definition maps -----------------------------------------------------


def allowed_exam_kinds(application: Application) -> tuple[str, ...]:
    """``ServiceDefinition.appointment_kinds``: the exam the applicant may book now.

    ``("theory_exam",)`` until the theory exam is passed, while retakes remain and the retake
    window is open; then ``("practical_exam",)`` on the same terms; ``()`` once both are passed
    or an exam is exhausted (the core reads ``()`` as "any kind": ``register()``'s booking
    listener refuses those bookings for exam applications).
    """
    return _allowed_kinds(exam_progress(application))


def _allowed_kinds(progress: ExamProgress) -> tuple[str, ...]:
    current = progress.current
    if current is None or not current.bookable:
        return ()
    return (SLOT_KIND[current.exam],)


def _date(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _pending_reason(track: ExamTrack) -> Reason:
    theory = track.exam == THEORY
    if track.booked is not None:
        message = (
            _("The theory exam booked for %(date)s has no result yet.")
            if theory
            else _("The practical exam booked for %(date)s has no result yet.")
        )
        return message % {"date": _date(track.booked.held_on)}
    if track.failures == 0:
        return _("The theory exam is still to come.") if theory else _("The practical exam is still to come.")
    values = {
        "left": track.retakes_left,
        "date": _date(track.retake_deadline) if track.retake_deadline is not None else "",
    }
    if theory:
        return (
            ngettext(
                "The applicant may still retake the theory exam (%(left)d retake left, until %(date)s).",
                "The applicant may still retake the theory exam (%(left)d retakes left, until %(date)s).",
                track.retakes_left,
            )
            % values
        )
    return (
        ngettext(
            "The applicant may still retake the practical exam (%(left)d retake left, until %(date)s).",
            "The applicant may still retake the practical exam (%(left)d retakes left, until %(date)s).",
            track.retakes_left,
        )
        % values
    )


def exams_pending(application: Application) -> list[Reason]:
    """``ServiceDefinition.appointments_pending``: why the review cannot resume yet.

    Empty when both exams are passed, or when an exam is exhausted (no retake left, or the
    window closed with none booked): then the officer resumes the review and rejects.
    """
    if not _is_exam_application(application):
        return []
    return pending_reasons(exam_progress(application))


def pending_reasons(progress: ExamProgress) -> list[Reason]:
    """``exams_pending`` from a progress already read."""
    current = progress.current
    return [] if current is None else [_pending_reason(current)]


def exam_refusals(application: Application) -> list[Reason]:
    """The approve guard's part (``service_requirements_met``): both exams must be passed."""
    if not _is_exam_application(application):
        return []
    progress = exam_progress(application)
    reasons: list[Reason] = []
    for track in (progress.theory, progress.practical):
        if track.passed:
            continue
        if track.exhausted and track.exam == THEORY:
            reasons.append(_("The theory exam was failed and no retake is left: reject the application."))
        elif track.exhausted:
            reasons.append(_("The practical exam was failed and no retake is left: reject the application."))
        elif track.exam == THEORY:
            reasons.append(_("The theory exam is not passed."))
        else:
            reasons.append(_("The practical exam is not passed."))
        if track.exam == THEORY:
            break  # the practical exam follows the theory exam: one reason is enough
    return reasons


# --- recording a result -------------------------------------------------------------------


def theory_passes(score: int) -> bool:
    return score >= PASS_MARK


def exam_result_record(
    *,
    booking_id: int,
    officer: User,
    exam: str,
    score: int | None = None,
    passed: bool | None = None,
    notes: str = "",
) -> Booking:
    """Record the result of an exam booking that has started (staff of the slot's office).

    Theory: ``score`` an integer 0–100, the pass decided by ``PASS_MARK`` (``passed``, if
    given, must agree). Practical: ``passed`` True/False and optional ``notes``; no score.
    The booking must be in a slot of that exam's kind, of an exam application
    (``EXAM_SERVICE_CODES``), and the theory exam passed before a practical result. Writes
    through ``booking_record_attendance`` (attended, outcome pass/fail, ``outcome_data``);
    raises ``ExamResultRefused`` or the core's ``BookingRefused``.
    """
    if exam not in EXAMS:
        raise ExamResultRefused("wrong_exam", _("The exam is the theory or the practical exam."))
    with transaction.atomic():
        booking = Booking.objects.select_related("slot", "application").get(pk=booking_id)
        if not _is_exam_application(booking.application):
            raise ExamResultRefused("not_exam_application", _("This application takes no exams."))
        if booking.slot.kind != SLOT_KIND[exam]:
            raise ExamResultRefused(
                "wrong_exam",
                _("This appointment is not a theory exam.")
                if exam == THEORY
                else _("This appointment is not a practical exam."),
            )
        data: dict[str, Any] = {"exam": exam}
        if exam == THEORY:
            if not isinstance(score, int) or isinstance(score, bool) or not MIN_SCORE <= score <= MAX_SCORE:
                raise ExamResultRefused("invalid_score", _("The score is a whole number from 0 to 100."))
            if passed is not None and passed != theory_passes(score):
                raise ExamResultRefused(
                    "invalid_result", _("The theory exam is passed with a score of 70 or more.")
                )
            outcome_passed = theory_passes(score)
            data["score"] = score
        else:
            if score is not None:
                raise ExamResultRefused("invalid_result", _("The practical exam has no score."))
            if not isinstance(passed, bool):
                raise ExamResultRefused("invalid_result", _("Say whether the practical exam is passed."))
            outcome_passed = passed
        progress = exam_progress(booking.application)
        if progress.track(exam).passed:
            raise ExamResultRefused("already_passed", _("This exam is already passed."))
        if exam == PRACTICAL and not progress.theory.passed:
            raise ExamResultRefused(
                "theory_not_passed", _("The practical exam follows a passed theory exam.")
            )
        return booking_record_attendance(
            booking_id=booking_id,
            officer=officer,
            attended=True,
            outcome=Booking.Outcome.PASS if outcome_passed else Booking.Outcome.FAIL,
            notes=notes,
            data=data,
        )


# --- bookings: what the core's kind filter cannot say --------------------------------------


def _check_exam_booking(*, application_id: int, booking_id: int, **_ids: int) -> None:
    """In the booking's transaction (``booking_created``/``booking_rescheduled``): an exam
    application books only the exam it may take now, and a retake no later than the deadline."""
    booking = Booking.objects.select_related("application", "slot__office__regency__province").get(
        pk=booking_id
    )
    application = booking.application
    if not _is_exam_application(application):
        return
    progress = exam_progress(application)
    allowed = _allowed_kinds(progress)
    if booking.slot.kind not in allowed:
        raise BookingRefused(
            "wrong_kind",
            _("This kind of appointment is not the one your application needs.")
            if allowed
            else _("Your application needs no further exam."),
        )
    track = progress.track(EXAM_OF_KIND[booking.slot.kind])
    held_on = booking.slot.starts_at.astimezone(booking.slot.office.timezone).date()
    if track.retake_deadline is not None and held_on > track.retake_deadline:
        raise BookingRefused(
            "outside_retake_window",
            _("A retake must be held by %(date)s. Choose an earlier time.")
            % {"date": _date(track.retake_deadline)},
        )


def _check_exam_attendance(*, application_id: int, booking_id: int, **_ids: int) -> None:
    """In the attendance's transaction (``attendance_recorded``): an exam's result comes from
    ``exam_result_record`` (the theory score against the pass mark, the practical exam's
    result); the core's attendance form may only record that the applicant did not come."""
    booking = Booking.objects.select_related("application", "slot").get(pk=booking_id)
    if booking.slot.kind not in EXAM_OF_KIND or not _is_exam_application(booking.application):
        return
    data = booking.outcome_data if isinstance(booking.outcome_data, dict) else {}
    if booking.state == Booking.State.ATTENDED and data.get("exam") != EXAM_OF_KIND[booking.slot.kind]:
        raise ExamResultRefused(
            "use_exam_result",
            _(
                "Record the result of an exam in the Exams panel: the theory score, "
                "or the result of the practical exam."
            ),
        )


# --- the officer's panel ------------------------------------------------------------------


def register() -> None:
    """Called once from LicensingConfig.ready(): the booking and attendance checks and the
    review panel."""
    from licensing import views_exams

    for name in ("booking_created", "booking_rescheduled"):
        events.unlisten_event(name, _check_exam_booking)
        events.listen_event(name, _check_exam_booking)
    events.unlisten_event("attendance_recorded", _check_exam_attendance)
    events.listen_event("attendance_recorded", _check_exam_attendance)
    events.register_review_panel(views_exams.exam_panel)
