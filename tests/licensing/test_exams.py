"""The SIM exams (issue 7 point 3): theory then practical, the pass mark, two retakes within 14
working days of the first failure (holidays skipped), the officer's panel and result view.

The tests' own service (tests/applications/conftest.py) stands in for ``sim_new``: it maps
``appointment_kinds``/``appointments_pending`` to licensing.exams as the SIM services do, and
``exams.EXAM_SERVICE_CODES`` is patched to name it. Bookings are made and results recorded
through the real services. (Two citizens taking the last seat of a slot at once is covered by
tests/applications/test_appointments.py and test_concurrency.py.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts import roles
from accounts.models import User
from applications import registry
from applications.appointments import BookingRefused, booking_create, booking_record_attendance, slot_publish
from applications.models import Application, Booking
from applications.services import TransitionRefused
from korlantas.lib import clock
from licensing import exams
from licensing.exams import ExamResultRefused, exam_result_record
from licensing.views_exams import exam_panel
from offices.models import AppointmentSlot, Holiday, Office
from tests.accounts.factories import make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import SERVICE_CODE, ServiceUnderTest, act, make_application, to_status
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory

pytestmark = pytest.mark.django_db

# The applications tests' fixtures: their service, its office and people.
service = applications_conftest.service
samsat = applications_conftest.samsat
citizen = applications_conftest.citizen
officer = applications_conftest.officer

WIB = dt.timezone(dt.timedelta(hours=7))  # the test office's province is in WIB
# The first (failed) theory exam: Monday 3 March 2031, 09:00 WIB.
FAIL_DAY = dt.date(2031, 3, 3)
START = dt.datetime(2031, 2, 24, 8, 0, tzinfo=WIB)
THEORY = AppointmentSlot.Kind.THEORY_EXAM
PRACTICAL = AppointmentSlot.Kind.PRACTICAL_EXAM


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def exam_service(service: ServiceUnderTest, monkeypatch: pytest.MonkeyPatch) -> registry.ServiceDefinition:
    """The tests' service, taking the exams the way the SIM services do."""
    registry.unregister_service(SERVICE_CODE)
    definition = dataclasses.replace(
        service.definition,
        needs_appointment=lambda application: True,
        appointment_kinds=exams.allowed_exam_kinds,
        appointments_pending=exams.exams_pending,
    )
    monkeypatch.setattr(exams, "EXAM_SERVICE_CODES", frozenset({SERVICE_CODE}))
    return registry.register_service(definition)  # the ``service`` fixture unregisters it


@pytest.fixture
def traveller() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def awaiting(
    exam_service: registry.ServiceDefinition, traveller: Any, citizen: User, officer: User, samsat: Office
) -> Application:
    application = to_status(
        make_application(citizen), "in_review", citizen=citizen, officer=officer, office=samsat
    )
    return act(application, "schedule", officer)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=WIB)


def slot(office: Office, officer: User, kind: str, starts_at: dt.datetime) -> AppointmentSlot:
    return slot_publish(
        office=office, kind=kind, starts_at=starts_at, duration_minutes=60, capacity=5, actor=officer
    )


def sit(
    traveller: Any,
    application: Application,
    officer: User,
    kind: str,
    day: dt.date,
    **result: Any,
) -> Booking:
    """Book an exam on ``day`` (the day before, or now if later), sit it, and record ``result``."""
    traveller.move_to(max(clock.now(), at(day - dt.timedelta(days=1), 8)))
    office = application.handling_office
    assert office is not None
    booking = booking_create(
        application_id=application.pk,
        slot_id=slot(office, officer, kind, at(day)).pk,
        citizen=application.applicant,
    )
    traveller.move_to(at(day, 10))
    exam = exams.EXAM_OF_KIND[kind]
    return exam_result_record(booking_id=booking.pk, officer=officer, exam=exam, **result)


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


# --- the pass mark and the retakes --------------------------------------------------------


def test_theory_69_fails_and_70_passes(traveller: Any, awaiting: Application, officer: User) -> None:
    assert exams.allowed_exam_kinds(awaiting) == (THEORY,)
    assert exams.exams_pending(awaiting) == ["The theory exam is still to come."]

    failed = sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=69)
    assert (failed.state, failed.outcome) == ("attended", "fail")
    assert failed.outcome_data == {"exam": "theory", "score": 69}
    assert failed.recorded_by_id == officer.pk
    progress = exams.exam_progress(awaiting)
    assert (progress.theory_attempts, progress.theory_passed) == (1, False)
    assert progress.first_theory_failure == FAIL_DAY
    assert (progress.retakes_used, progress.retakes_left) == (0, 2)
    assert exams.allowed_exam_kinds(awaiting) == (THEORY,)

    passed = sit(traveller, awaiting, officer, THEORY, FAIL_DAY + dt.timedelta(days=2), score=70)
    assert (passed.outcome, passed.outcome_data) == ("pass", {"exam": "theory", "score": 70})
    progress = exams.exam_progress(awaiting)
    assert (progress.theory_attempts, progress.theory_passed, progress.retakes_used) == (2, True, 1)
    assert exams.allowed_exam_kinds(awaiting) == (PRACTICAL,)


def test_two_retakes_then_none_and_the_officer_resumes_to_reject(
    traveller: Any, awaiting: Application, officer: User, samsat: Office
) -> None:
    for offset, score in ((0, 40), (1, 55), (2, 69)):
        sit(traveller, awaiting, officer, THEORY, FAIL_DAY + dt.timedelta(days=offset), score=score)
    progress = exams.exam_progress(awaiting)
    assert (progress.theory_attempts, progress.retakes_used, progress.retakes_left) == (3, 2, 0)
    assert progress.exhausted
    assert exams.allowed_exam_kinds(awaiting) == ()
    assert exams.exams_pending(awaiting) == []
    assert exams.exam_refusals(awaiting) == [
        "The theory exam was failed and no retake is left: reject the application."
    ]
    # A third retake cannot be booked, although the core reads () as "any kind".
    fourth = slot(samsat, officer, THEORY, at(FAIL_DAY + dt.timedelta(days=4)))
    with pytest.raises(BookingRefused) as refused:
        booking_create(application_id=awaiting.pk, slot_id=fourth.pk, citizen=awaiting.applicant)
    assert refused.value.code == "wrong_kind"
    assert "needs no further exam" in str(refused.value.message)
    assert not Booking.objects.filter(slot=fourth).exists()
    fourth.refresh_from_db()
    assert fourth.booked == 0
    # Nothing is pending: the officer resumes the review (and then rejects).
    assert act(fresh(awaiting), "resume_review", officer).status == "in_review"


def test_the_retake_window_counts_working_days_across_a_holiday(
    traveller: Any, awaiting: Application, officer: User, samsat: Office
) -> None:
    # Thursday 6 March is a holiday: the 14th working day after Monday 3 March is Monday
    # 24 March (it would be Friday 21 March without it); Tuesday 25 March is the 15th.
    Holiday.objects.create(date=dt.date(2031, 3, 6), name="Hari Raya Nyepi")
    day_14, day_15 = dt.date(2031, 3, 24), dt.date(2031, 3, 25)
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=60)
    progress = exams.exam_progress(awaiting)
    assert progress.retake_deadline == day_14

    traveller.move_to(at(day_14, 7))
    assert exams.allowed_exam_kinds(awaiting) == (THEORY,)
    on_day_15 = slot(samsat, officer, THEORY, at(day_15))
    with pytest.raises(BookingRefused) as refused:
        booking_create(application_id=awaiting.pk, slot_id=on_day_15.pk, citizen=awaiting.applicant)
    assert refused.value.code == "outside_retake_window"
    assert not Booking.objects.filter(slot=on_day_15).exists()
    on_day_14 = slot(samsat, officer, THEORY, at(day_14))
    retake = booking_create(application_id=awaiting.pk, slot_id=on_day_14.pk, citizen=awaiting.applicant)

    # Day 15: the window is closed, but the retake held on day 14 still awaits its result.
    traveller.move_to(at(day_15, 8))
    assert exams.allowed_exam_kinds(awaiting) == ()
    assert not exams.exam_progress(awaiting).exhausted
    assert exams.exams_pending(awaiting) == ["The theory exam booked for 24 March 2031 has no result yet."]
    exam_result_record(booking_id=retake.pk, officer=officer, exam="theory", score=50)
    progress = exams.exam_progress(awaiting)
    # One retake is left on paper, but the window is closed: the exam is exhausted.
    assert (progress.retakes_left, progress.theory.window_open, progress.exhausted) == (1, False, True)
    assert exams.exams_pending(awaiting) == []


def test_the_window_closes_after_working_day_14_without_a_retake(
    traveller: Any, awaiting: Application, officer: User
) -> None:
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=10)
    day_14 = dt.date(2031, 3, 21)  # no holiday this time
    assert exams.exam_progress(awaiting).retake_deadline == day_14
    traveller.move_to(at(day_14, 23))
    assert exams.allowed_exam_kinds(awaiting) == (THEORY,)
    assert exams.exams_pending(awaiting) == [
        "The applicant may still retake the theory exam (2 retakes left, until 21 March 2031)."
    ]
    traveller.move_to(at(day_14 + dt.timedelta(days=3), 0))  # Monday 24 March: working day 15
    assert exams.allowed_exam_kinds(awaiting) == ()
    assert exams.exam_progress(awaiting).exhausted
    assert exams.exams_pending(awaiting) == []


def test_a_no_show_is_no_attempt(
    traveller: Any, awaiting: Application, officer: User, samsat: Office
) -> None:
    traveller.move_to(at(FAIL_DAY - dt.timedelta(days=1), 8))
    booking = booking_create(
        application_id=awaiting.pk,
        slot_id=slot(samsat, officer, THEORY, at(FAIL_DAY)).pk,
        citizen=awaiting.applicant,
    )
    traveller.move_to(at(FAIL_DAY, 10))
    booking_record_attendance(booking_id=booking.pk, officer=officer, attended=False)
    progress = exams.exam_progress(awaiting)
    assert (progress.theory_attempts, progress.theory.no_shows, progress.retake_deadline) == (0, 1, None)
    assert exams.allowed_exam_kinds(awaiting) == (THEORY,)


@pytest.mark.parametrize("outcome", ["pass", "fail"])
def test_the_core_attendance_form_cannot_pass_or_fail_an_exam(
    traveller: Any, awaiting: Application, officer: User, samsat: Office, client: Client, outcome: str
) -> None:
    """Attended with a plain pass/fail (the core's form) would skip the theory score and its pass
    mark: refused, nothing written; the exam's own result form records it."""
    traveller.move_to(at(FAIL_DAY - dt.timedelta(days=1), 8))
    booking = booking_create(
        application_id=awaiting.pk,
        slot_id=slot(samsat, officer, THEORY, at(FAIL_DAY)).pk,
        citizen=awaiting.applicant,
    )
    traveller.move_to(at(FAIL_DAY, 10))
    with pytest.raises(BookingRefused) as refusal:
        booking_record_attendance(booking_id=booking.pk, officer=officer, attended=True, outcome=outcome)
    assert refusal.value.code == "use_exam_result"
    booking.refresh_from_db()
    assert (booking.state, booking.outcome) == (Booking.State.BOOKED, "")
    assert exams.exam_progress(awaiting).theory_attempts == 0

    # Through the review page: the error next to the form, and the score still to record.
    sign_in_with_mfa(client, officer)
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/staf/antrean/{awaiting.public_id}/hadir/",
        {"booking": str(booking.public_id), "attended": "yes", "outcome": outcome, "notes": ""},
    )
    assert response.status_code == 200
    assert "Record the result of an exam in the Exams panel" in response.content.decode()
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED
    exam_result_record(booking_id=booking.pk, officer=officer, exam="theory", score=82)
    assert exams.exam_progress(awaiting).theory_passed


# --- theory first, then practical ---------------------------------------------------------


def test_the_practical_exam_only_after_the_theory_exam(
    traveller: Any, awaiting: Application, officer: User, samsat: Office
) -> None:
    practical = slot(samsat, officer, PRACTICAL, at(FAIL_DAY))
    with pytest.raises(BookingRefused) as refused:
        booking_create(application_id=awaiting.pk, slot_id=practical.pk, citizen=awaiting.applicant)
    assert refused.value.code == "wrong_kind"
    assert exams.exam_refusals(awaiting) == ["The theory exam is not passed."]

    sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=88)
    assert exams.allowed_exam_kinds(awaiting) == (PRACTICAL,)
    assert exams.exams_pending(awaiting) == ["The practical exam is still to come."]
    assert exams.exam_refusals(awaiting) == ["The practical exam is not passed."]
    # The theory exam is passed: another theory slot is refused.
    theory = slot(samsat, officer, THEORY, at(FAIL_DAY + dt.timedelta(days=3)))
    with pytest.raises(BookingRefused):
        booking_create(application_id=awaiting.pk, slot_id=theory.pk, citizen=awaiting.applicant)
    # The review cannot resume while the practical exam is to come.
    with pytest.raises(TransitionRefused) as not_yet:
        act(fresh(awaiting), "resume_review", officer)
    assert "The practical exam is still to come." in [str(reason) for reason in not_yet.value.reasons]

    failed = sit(
        traveller, awaiting, officer, PRACTICAL, FAIL_DAY + dt.timedelta(days=7), passed=False, notes="Jatuh"
    )
    assert (failed.outcome, failed.outcome_notes, failed.outcome_data) == (
        "fail",
        "Jatuh",
        {"exam": "practical"},
    )
    # The same retake rule applies to the practical exam.
    progress = exams.exam_progress(awaiting)
    assert progress.theory.retake_deadline is None  # passed: no deadline any more
    assert progress.practical.retake_deadline == dt.date(2031, 3, 28)  # 14 working days after Mon 10 March
    assert exams.allowed_exam_kinds(awaiting) == (PRACTICAL,)

    sit(traveller, awaiting, officer, PRACTICAL, FAIL_DAY + dt.timedelta(days=8), passed=True, notes="Lancar")
    progress = exams.exam_progress(awaiting)
    assert (progress.passed, progress.practical_attempts, progress.practical.retakes_used) == (True, 2, 1)
    assert exams.allowed_exam_kinds(awaiting) == ()
    assert exams.exams_pending(awaiting) == []
    assert exams.exam_refusals(awaiting) == []
    assert act(fresh(awaiting), "resume_review", officer).status == "in_review"


def test_a_result_is_validated_before_anything_is_written(
    traveller: Any, awaiting: Application, officer: User, samsat: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = booking_create(
        application_id=awaiting.pk,
        slot_id=slot(samsat, officer, THEORY, at(FAIL_DAY)).pk,
        citizen=awaiting.applicant,
    )
    traveller.move_to(at(FAIL_DAY, 10))
    refusals = [
        ({"exam": "theory", "score": 101}, "invalid_score"),
        ({"exam": "theory", "score": -1}, "invalid_score"),
        ({"exam": "theory"}, "invalid_score"),
        ({"exam": "theory", "score": True}, "invalid_score"),
        ({"exam": "theory", "score": 69, "passed": True}, "invalid_result"),
        ({"exam": "practical", "passed": True}, "wrong_exam"),
        ({"exam": "oral", "score": 80}, "wrong_exam"),
    ]
    for kwargs, code in refusals:
        with pytest.raises(ExamResultRefused) as refused:
            exam_result_record(booking_id=booking.pk, officer=officer, **kwargs)
        assert refused.value.code == code, kwargs
    monkeypatch.setattr(exams, "EXAM_SERVICE_CODES", frozenset({"sim_new", "sim_upgrade"}))
    with pytest.raises(ExamResultRefused) as refused:
        exam_result_record(booking_id=booking.pk, officer=officer, exam="theory", score=80)
    assert refused.value.code == "not_exam_application"
    # Another office's officer: the core refuses.
    monkeypatch.setattr(exams, "EXAM_SERVICE_CODES", frozenset({SERVICE_CODE}))
    stranger = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    with pytest.raises(BookingRefused) as refused:
        exam_result_record(booking_id=booking.pk, officer=stranger, exam="theory", score=80)
    assert refused.value.code == "not_office_staff"
    booking.refresh_from_db()
    assert (booking.state, booking.outcome, booking.outcome_data) == ("booked", "", {})


# --- the officer's panel and the result view ----------------------------------------------


def result_url(booking: Booking) -> str:
    return f"/staf/sim/ujian/{booking.public_id}/"


@pytest.fixture
def staff_client(client: Client, officer: User) -> Client:
    """Signed in by ``booked_theory``, once the clock is where the test wants it (sessions expire)."""
    client.cookies["django_language"] = "en"
    return client


def booked_theory(
    traveller: Any, application: Application, officer: User, office: Office, client: Client
) -> Booking:
    """A theory exam booked and started; ``client`` signed in as ``officer`` then."""
    booking = booking_create(
        application_id=application.pk,
        slot_id=slot(office, officer, THEORY, at(FAIL_DAY)).pk,
        citizen=application.applicant,
    )
    traveller.move_to(at(FAIL_DAY, 10))
    sign_in_with_mfa(client, officer)
    return booking


def test_the_officer_records_a_theory_score_from_the_review_page(
    traveller: Any, awaiting: Application, officer: User, samsat: Office, staff_client: Client
) -> None:
    booking = booked_theory(traveller, awaiting, officer, samsat, staff_client)
    review = f"/staf/antrean/{awaiting.public_id}/"
    page = staff_client.get(review).content.decode()
    assert "Record the theory exam score" in page
    assert f'action="{result_url(booking)}"' in page

    response = staff_client.post(result_url(booking), {"score": "82"})
    assert response.status_code == 302
    assert response.url == f"{review}#exams"
    booking.refresh_from_db()
    assert (booking.state, booking.outcome) == ("attended", "pass")
    assert booking.outcome_data == {"exam": "theory", "score": 82}
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The theory exam score 82 is recorded: passed."
    ]
    page = staff_client.get(review).content.decode()
    assert "Record the theory exam score" not in page
    assert "The practical exam is still to come." in page


def test_another_offices_officer_gets_a_404(
    traveller: Any, awaiting: Application, officer: User, samsat: Office, client: Client
) -> None:
    stranger = make_staff(roles.OFFICER, office=OfficeFactory(kind=Office.Kind.SAMSAT))
    booking = booked_theory(traveller, awaiting, officer, samsat, client)
    sign_in_with_mfa(client, stranger)
    assert client.post(result_url(booking), {"score": "90"}).status_code == 404
    booking.refresh_from_db()
    assert booking.state == "booked"


def test_a_score_out_of_range_is_an_error_and_saves_nothing(
    traveller: Any, awaiting: Application, officer: User, samsat: Office, staff_client: Client
) -> None:
    booking = booked_theory(traveller, awaiting, officer, samsat, staff_client)
    for score in ("101", "-5", "sixty", ""):
        # Back on the review page, which shows the error (and the form again).
        response = staff_client.post(result_url(booking), {"score": score}, follow=True)
        assert response.redirect_chain == [(f"/staf/antrean/{awaiting.public_id}/#exams", 302)]
        shown = [str(m) for m in response.context["messages"]]
        expected = "Enter the score." if score == "" else "The score is a whole number from 0 to 100."
        assert shown == [f"Score: {expected}"]
        assert "Record the theory exam score" in response.content.decode()
    booking.refresh_from_db()
    assert (booking.state, booking.outcome, booking.outcome_data) == ("booked", "", {})


def test_the_practical_form_takes_pass_or_fail_and_notes(
    traveller: Any, awaiting: Application, officer: User, samsat: Office, staff_client: Client
) -> None:
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=75)
    traveller.move_to(at(FAIL_DAY + dt.timedelta(days=1), 8))
    booking = booking_create(
        application_id=awaiting.pk,
        slot_id=slot(samsat, officer, PRACTICAL, at(FAIL_DAY + dt.timedelta(days=2))).pk,
        citizen=awaiting.applicant,
    )
    traveller.move_to(at(FAIL_DAY + dt.timedelta(days=2), 11))
    sign_in_with_mfa(staff_client, officer)
    response = staff_client.post(result_url(booking), {"notes": "Tidak stabil"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Result: Choose pass or fail."]
    staff_client.post(result_url(booking), {"result_choice": "fail", "notes": "Tidak stabil"})
    booking.refresh_from_db()
    assert (booking.outcome, booking.outcome_notes, booking.outcome_data) == (
        "fail",
        "Tidak stabil",
        {"exam": "practical"},
    )


def test_the_panel_costs_the_same_queries_however_many_attempts(
    traveller: Any,
    awaiting: Application,
    officer: User,
    samsat: Office,
    django_assert_num_queries: Any,
) -> None:
    def panel_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            panel = exam_panel(awaiting, officer)
            assert panel is not None
            render_to_string(panel.template_name, {"panel": panel})
        return len(queries)

    sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=30)
    one = panel_queries()
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY + dt.timedelta(days=1), score=40)
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY + dt.timedelta(days=2), score=90)
    sit(traveller, awaiting, officer, PRACTICAL, FAIL_DAY + dt.timedelta(days=3), passed=False)
    traveller.move_to(at(FAIL_DAY + dt.timedelta(days=4), 8))
    booking_create(
        application_id=awaiting.pk,
        slot_id=slot(samsat, officer, PRACTICAL, at(FAIL_DAY + dt.timedelta(days=4))).pk,
        citizen=awaiting.applicant,
    )
    traveller.move_to(at(FAIL_DAY + dt.timedelta(days=4), 10))
    panel = exam_panel(awaiting, officer)
    assert panel is not None
    assert len(panel.context["progress"].rows) == 5
    assert panel.context["form"] is not None  # the started practical exam awaits its result
    # Bookings with their slots and offices, and the holidays for the exam in play's deadline.
    assert one == 2
    with django_assert_num_queries(2):
        render_to_string(panel.template_name, {"panel": exam_panel(awaiting, officer)})


def test_no_panel_for_other_services(
    awaiting: Application, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert exam_panel(awaiting, officer) is not None
    monkeypatch.setattr(exams, "EXAM_SERVICE_CODES", frozenset({"sim_new"}))
    assert exam_panel(awaiting, officer) is None
