"""The SIM exams on the applicant's own application page (licensing/exam_citizen.py): the
results so far (the theory score against the pass mark, the practical exam passed, failed or
not yet) and what to do next, at a cost that does not grow with the attempts.

The states are reached as in tests/licensing/test_exams.py: bookings through
``booking_create`` and results through ``exam_result_record``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from applications import events
from applications.appointments import booking_create
from applications.models import Application
from licensing import exam_citizen
from licensing.exam_citizen import citizen_panel
from licensing.exams import exam_result_record
from offices.models import Office
from tests.factories import UserFactory
from tests.licensing.test_exams import (  # the exam tests' fixtures and helpers
    FAIL_DAY,
    PRACTICAL,
    THEORY,
    at,
    awaiting,
    citizen,
    exam_service,
    officer,
    samsat,
    service,
    sit,
    slot,
    traveller,
)

pytestmark = pytest.mark.django_db

__all__ = ["awaiting", "citizen", "exam_service", "officer", "samsat", "service", "traveller"]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


class Page:
    """The applicant's application page, signed in afresh (the travelled clock ends sessions)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        client.cookies["django_language"] = "en"

    def get(self, application: Application) -> Any:
        self.client.force_login(application.applicant)
        return self.client.get(reverse("applications:detail", args=[application.public_id]))

    def body(self, application: Application) -> str:
        response = self.get(application)
        assert response.status_code == 200
        return response.content.decode()


@pytest.fixture
def page(client: Client) -> Page:
    return Page(client)


def test_the_panel_is_registered() -> None:
    assert citizen_panel in events.citizen_panel_providers()


def test_a_passed_theory_exam_shows_with_its_score_and_the_next_step(
    traveller: Any, awaiting: Application, officer: User, page: Page
) -> None:
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=82)
    body = page.body(awaiting)
    assert 'id="exam-results"' in body
    assert "Theory exam" in body
    assert "Score 82 (pass mark 70)" in body
    panel = citizen_panel(awaiting, awaiting.applicant)
    assert panel is not None
    theory, practical = panel.context["lines"]
    assert (theory.result, theory.score) == ("passed", 82)
    assert (practical.result, practical.score) == ("not_yet", None)
    assert "Not yet" in body
    assert "Book your practical exam" in body
    assert reverse("applications:booking", args=[awaiting.public_id]) in body


def test_a_failed_theory_exam_offers_a_retake_until_its_deadline(
    traveller: Any, awaiting: Application, officer: User, page: Page
) -> None:
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=65)
    body = page.body(awaiting)
    assert "Failed" in body
    assert "Score 65 (pass mark 70)" in body
    # 14 working days after Monday 3 March 2031: Friday 21 March.
    assert "You may retake the theory exam until 21 March 2031 (2 retakes left)." in body
    assert "Book a retake" in body
    assert "Book your practical exam" not in body


def test_a_booked_practical_exam_and_then_both_passed(
    traveller: Any, awaiting: Application, officer: User, samsat: Office, page: Page
) -> None:
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=70)
    traveller.move_to(at(FAIL_DAY + dt.timedelta(days=1), 8))
    booking = booking_create(
        application_id=awaiting.pk,
        slot_id=slot(samsat, officer, PRACTICAL, at(FAIL_DAY + dt.timedelta(days=3))).pk,
        citizen=awaiting.applicant,
    )
    body = page.body(awaiting)
    assert "Take your practical exam on 6 March 2031." in body
    assert "Book your practical exam" not in body

    traveller.move_to(at(FAIL_DAY + dt.timedelta(days=3), 10))
    exam_result_record(booking_id=booking.pk, officer=officer, exam="practical", passed=True)
    panel = citizen_panel(awaiting, awaiting.applicant)
    assert panel is not None
    assert [line.result for line in panel.context["lines"]] == ["passed", "passed"]
    body = page.body(awaiting)
    assert "You have passed both exams. The office completes your application." in body


def test_no_panel_for_someone_else_another_service_or_before_a_booking(
    traveller: Any, awaiting: Application, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert citizen_panel(awaiting, awaiting.applicant) is None  # nothing booked yet
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=82)
    assert citizen_panel(awaiting, awaiting.applicant) is not None
    assert citizen_panel(awaiting, UserFactory()) is None
    assert citizen_panel(awaiting, officer) is None
    monkeypatch.setattr(exam_citizen.exams, "EXAM_SERVICE_CODES", frozenset({"sim_new"}))
    assert citizen_panel(awaiting, awaiting.applicant) is None


def test_the_panel_and_the_page_cost_the_same_queries_however_many_attempts(
    traveller: Any,
    awaiting: Application,
    officer: User,
    samsat: Office,
    page: Page,
    django_assert_num_queries: Any,
) -> None:
    def panel_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            panel = citizen_panel(awaiting, awaiting.applicant)
            assert panel is not None
            render_to_string(panel.template_name, {"panel": panel})
        return len(queries)

    def page_queries() -> int:
        page.client.force_login(awaiting.applicant)
        url = reverse("applications:detail", args=[awaiting.public_id])
        with CaptureQueriesContext(connection) as queries:
            assert page.client.get(url).status_code == 200
        return len(queries)

    sit(traveller, awaiting, officer, THEORY, FAIL_DAY, score=30)
    one_panel, one_page = panel_queries(), page_queries()
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY + dt.timedelta(days=1), score=40)
    sit(traveller, awaiting, officer, THEORY, FAIL_DAY + dt.timedelta(days=2), score=90)
    sit(traveller, awaiting, officer, PRACTICAL, FAIL_DAY + dt.timedelta(days=3), passed=False)
    panel = citizen_panel(awaiting, awaiting.applicant)
    assert panel is not None
    assert len(panel.context["attempts"]) == 4
    # The bookings with their slots and offices, and the holidays for the retake deadline.
    assert one_panel == 2
    with django_assert_num_queries(2):
        render_to_string(panel.template_name, {"panel": citizen_panel(awaiting, awaiting.applicant)})
    assert page_queries() == one_page
