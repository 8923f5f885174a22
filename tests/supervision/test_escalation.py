"""Escalation (supervision.escalation): the "due soon" mark in the officers' queue and the daily
past-due digest to the office's supervisors and its Polda's. Dates worked out by hand below."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts import roles
from accounts.models import User
from applications.models import Application
from korlantas.lib.clock import JAKARTA
from notifications import catalogue
from notifications.models import Message
from offices.models import Holiday, Office
from supervision import escalation
from supervision.models import EscalationDigest
from tests.accounts.factories import make_staff
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import (
    ServiceUnderTest,
    act,
    make_application,
    make_polda_supervisor,
    to_status,
)
from tests.factories import sign_in_with_mfa
from tests.offices.factories import OfficeFactory
from tests.utils import in_thread, wait_for_a_lock_wait

pytestmark = pytest.mark.django_db

# The applications tests' fixtures: its test service (5 working days), a Samsat, its officer, a citizen.
service = applications_conftest.service
samsat = applications_conftest.samsat
officer = applications_conftest.officer
citizen = applications_conftest.citizen

QUEUE_URL = "/staf/antrean/"


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in Jakarta."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def queued(moment: dt.datetime, citizen: User, officer: User, office: Office, subject: str) -> Application:
    with time_machine.travel(moment, tick=False):
        return to_status(
            make_application(citizen, subject), "queued", citizen=citizen, officer=officer, office=office
        )


# --- the daily digest ---------------------------------------------------------------------


class Scene:
    def __init__(self, samsat: Office, officer: User, citizen: User) -> None:
        self.x = samsat
        self.y = OfficeFactory(kind=Office.Kind.SAMSAT)  # another Polda (the factory makes one)
        self.supervisor_x = make_staff(roles.SUPERVISOR, office=self.x)
        self.supervisor_y = make_staff(roles.SUPERVISOR, office=self.y)
        self.polda_supervisor_x = make_polda_supervisor(self.x)
        self.officer_x = officer
        retired = make_staff(roles.SUPERVISOR, office=self.x)
        User.objects.filter(pk=retired.pk).update(is_active=False)
        self.retired = retired
        officer_y = make_staff(roles.OFFICER, office=self.y)
        # Messages are rendered in the recipient's language: English, the msgids these tests read.
        User.objects.filter(pk__in=[self.supervisor_x.pk, self.supervisor_y.pk]).update(language="en")
        # No holidays. Paid Mon 1 June 2026 → due 5 working days later: 2, 3, 4, 5, 8 → Mon 8 June.
        self.late_1 = queued(at(2026, 6, 1, 9), citizen, officer, self.x, "LATE 1")
        late_2 = queued(at(2026, 6, 1, 9, 5), citizen, officer, self.x, "LATE 2")
        with time_machine.travel(at(2026, 6, 2), tick=False):
            self.late_2 = act(late_2, "claim", officer)  # in review: still the office's work
        # Paid Wed 3 June → due 4, 5, 8, 9, 10 → Wed 10 June: due today on 10 June, not past due.
        self.today = queued(at(2026, 6, 3, 9), citizen, officer, self.x, "TODAY")
        # Decided late: no longer waiting (rejected is not a queue state).
        decided = queued(at(2026, 6, 1, 9, 10), citizen, officer, self.x, "DONE")
        with time_machine.travel(at(2026, 6, 9), tick=False):
            decided = act(decided, "claim", officer)
            act(decided, "reject", officer, note="Unreadable", reason="documents_invalid")
        self.late_y = queued(at(2026, 6, 1, 9), citizen, officer_y, self.y, "LATE Y")


@pytest.fixture
def scene(service: ServiceUnderTest, samsat: Office, officer: User, citizen: User) -> Scene:
    return Scene(samsat, officer, citizen)


def run(moment: dt.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return escalation.send_overdue_digests()


def digests_of(user: User) -> list[Message]:
    return list(Message.objects.filter(recipient=user, template_key=escalation.DIGEST_KEY).order_by("pk"))


def test_one_digest_per_office_and_day_and_one_message_per_supervisor(scene: Scene) -> None:
    # Wed 10 June 2026, 08:00 WIB: X has LATE 1 and LATE 2 past due (8 June < 10 June); Y has LATE Y.
    assert run(at(2026, 6, 10, 8)) == 2
    assert run(at(2026, 6, 10, 9)) == 0  # the next hourly run: nothing new
    rows = {(d.office_id, d.day, d.application_count) for d in EscalationDigest.objects.all()}
    assert rows == {(scene.x.pk, dt.date(2026, 6, 10), 2), (scene.y.pk, dt.date(2026, 6, 10), 1)}

    day = "2026-06-10"
    for user, office in (
        (scene.supervisor_x, scene.x),
        (scene.polda_supervisor_x, scene.x),
        (scene.supervisor_y, scene.y),
    ):
        messages = digests_of(user)
        # One message, by e-mail: staff have no inbox in the portal.
        assert [message.channel for message in messages] == [Message.Channel.EMAIL]
        assert {tuple(sorted(message.context.items())) for message in messages} == {
            (("day", day), ("office_id", office.pk))
        }
    # Officers, inactive supervisors: nothing. Y's supervisor hears nothing about X, and X's about Y.
    assert digests_of(scene.officer_x) == []
    assert digests_of(scene.retired) == []


def test_the_message_lists_reference_service_due_date_and_working_days_overdue(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(at(2026, 6, 10, 8))
    inbox = next(m for m in digests_of(scene.supervisor_x) if m.channel == Message.Channel.EMAIL)
    rendered = catalogue.render(inbox)
    # (8 June, 10 June] = 9, 10 → 2 working days overdue.
    assert rendered.subject == f"{scene.x.name}: 2 applications past their due date"
    assert "On 10 June 2026," in rendered.text
    assert scene.late_1.reference in rendered.text
    assert scene.late_2.reference in rendered.text
    assert scene.today.reference not in rendered.text
    assert scene.late_y.reference not in rendered.text
    assert "Test permit · due 8 Jun 2026, 2 working days overdue" in rendered.text
    assert "/staf/antrean/?overdue=on" in rendered.text  # the e-mail's link to the queue

    # A holiday on Tue 9 June: (8, 10 June] holds one working day. At most one listed: "and 1 more".
    Holiday.objects.create(date=dt.date(2026, 6, 9), name="Libur")
    monkeypatch.setattr(escalation, "DIGEST_LIMIT", 1)
    rendered = catalogue.render(inbox)
    assert "due 8 Jun 2026, 1 working day overdue" in rendered.text
    assert scene.late_1.reference in rendered.text
    assert scene.late_2.reference not in rendered.text
    assert "… and 1 more." in rendered.text

    # The e-mail and the SMS render too (messages built, not stored).
    email = catalogue.render(
        Message(
            recipient=scene.supervisor_x,
            channel=Message.Channel.EMAIL,
            template_key=escalation.DIGEST_KEY,
            language="en",
            context=inbox.context,
        )
    )
    assert "<caption" in email.html
    assert scene.late_1.reference in email.html
    assert "/staf/antrean/?overdue=on" in email.text
    sms = catalogue.render(
        Message(
            recipient=scene.supervisor_x,
            channel=Message.Channel.SMS,
            template_key=escalation.DIGEST_KEY,
            language="en",
            context=inbox.context,
        )
    )
    assert f"{scene.x.name} has 2 applications past their due date." in sms.sms


def test_nothing_on_weekends_and_holidays(scene: Scene) -> None:
    assert run(at(2026, 6, 13, 10)) == 0  # Saturday
    assert run(at(2026, 6, 14, 10)) == 0  # Sunday
    Holiday.objects.create(date=dt.date(2026, 6, 11), name="Libur")
    assert run(at(2026, 6, 11, 10)) == 0  # Thursday, a holiday
    assert not EscalationDigest.objects.exists()
    assert run(at(2026, 6, 12, 10)) == 2  # Friday


def test_nothing_before_seven_in_jakarta(scene: Scene) -> None:
    assert run(at(2026, 6, 10, 6, 59)) == 0
    assert not Message.objects.filter(template_key=escalation.DIGEST_KEY).exists()
    assert run(at(2026, 6, 10, 7, 0)) == 2


def test_nothing_without_past_due_applications(scene: Scene) -> None:
    # Mon 8 June: the earliest due date is today, not before it.
    assert run(at(2026, 6, 8, 10)) == 0
    assert not EscalationDigest.objects.exists()


def test_a_digest_already_taken_by_another_worker_is_not_sent_again(scene: Scene) -> None:
    # Another worker committed X's digest first: this run sends Y's only.
    EscalationDigest.objects.create(office=scene.x, day=dt.date(2026, 6, 10), application_count=2)
    assert run(at(2026, 6, 10, 8)) == 1
    assert digests_of(scene.supervisor_x) == []
    assert digests_of(scene.supervisor_y) != []
    # The race itself: the row exists when get_or_create looks → nothing sent.
    with time_machine.travel(at(2026, 6, 10, 8), tick=False):
        assert escalation._send_digest(office_id=scene.x.pk, day=dt.date(2026, 6, 10), count=2) is False
    assert digests_of(scene.supervisor_x) == []


def test_the_template_key_is_registered() -> None:
    escalation.register()  # again, as a reload would
    assert escalation.DIGEST_KEY in catalogue.registered_keys()


# --- the queue's "due soon" mark ----------------------------------------------------------


def set_due(application: Application, due: dt.date) -> None:
    # Test-only: no service moves a due date; the queue's marks depend on it alone.
    Application.objects.filter(pk=application.pk).update(due_date=due)


def queue_page(client: Client) -> tuple[Any, int]:
    with time_machine.travel(at(2026, 6, 12), tick=False), CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE_URL)
    return response, len(queries)


def test_due_soon_and_overdue_marks_with_a_constant_number_of_queries(
    service: ServiceUnderTest, samsat: Office, officer: User, citizen: User
) -> None:
    # Today Fri 12 June 2026; Mon 15 June is a holiday, so the next working day is Tue 16 June.
    Holiday.objects.create(date=dt.date(2026, 6, 15), name="Libur")
    client = Client()
    client.cookies["django_language"] = "en"
    sign_in_with_mfa(client, officer)

    first = queued(at(2026, 6, 1), citizen, officer, samsat, "Q 0")
    set_due(first, dt.date(2026, 6, 16))
    response, with_one = queue_page(client)
    assert [(row.overdue, row.due_soon) for row in response.context["rows"]] == [(False, True)]

    dues = [dt.date(2026, 6, 11), dt.date(2026, 6, 12), dt.date(2026, 6, 13), dt.date(2026, 6, 17), None]
    for number, due in enumerate(dues, start=1):
        application = queued(at(2026, 6, 1, 10, number), citizen, officer, samsat, f"Q {number}")
        if due is not None:
            set_due(application, due)
        else:
            Application.objects.filter(pk=application.pk).update(due_date=None)  # test-only
    response, with_six = queue_page(client)
    assert with_six == with_one
    marks = [(row.application.due_date, row.overdue, row.due_soon) for row in response.context["rows"]]
    assert marks == [
        (dt.date(2026, 6, 11), True, False),  # past due
        (dt.date(2026, 6, 12), False, True),  # due today
        (dt.date(2026, 6, 13), False, True),  # Saturday, before Tue 16 June
        (dt.date(2026, 6, 16), False, True),  # the next working day (15 June is a holiday)
        (dt.date(2026, 6, 17), False, False),
        (None, False, False),
    ]
    page = response.content.decode()
    assert page.count(">due soon</span>") == 3
    assert page.count(">overdue</span>") == 1


# --- two workers at once (real PostgreSQL, committed rows) ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_digest(
    service: ServiceUnderTest, samsat: Office, officer: User, citizen: User
) -> None:
    """The first worker has taken X's row and not committed yet; the second does not see it, tries
    to insert the same (office, day), waits on the unique index, and gives up once the first
    commits. Deterministic: the first commits only after the second is seen waiting."""
    scene = Scene(samsat, officer, citizen)
    day = dt.date(2026, 6, 10)
    taken = threading.Event()
    may_commit = threading.Event()
    results: dict[str, Any] = {}

    def first() -> bool:
        with transaction.atomic():
            sent = escalation._send_digest(office_id=scene.x.pk, day=day, count=2)
            taken.set()
            assert may_commit.wait(10)
        return sent

    def second() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")  # a broken test fails, it does not hang
        return escalation.send_overdue_digests()

    with time_machine.travel(at(2026, 6, 10, 8), tick=False):
        one = in_thread(first, results, "first")
        assert taken.wait(10)
        two = in_thread(second, results, "second")
        wait_for_a_lock_wait("the second worker's digest")
        may_commit.set()
        one.join(15)
        two.join(15)

    assert results["first"] is True
    assert results["second"] == 1  # Y's digest only
    assert EscalationDigest.objects.filter(office=scene.x, day=day).count() == 1
    inbox = Message.objects.filter(
        recipient=scene.supervisor_x, template_key=escalation.DIGEST_KEY, channel=Message.Channel.EMAIL
    )
    assert inbox.count() == 1
