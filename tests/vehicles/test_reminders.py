"""STNK due-date reminders 30 and 7 days ahead and once overdue (vehicles.reminders.endorsements_remind)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import User
from korlantas.lib import clock
from notifications import catalogue
from notifications.models import Message
from tests.accounts.factories import make_profile
from tests.utils import jakarta
from tests.vehicles.conftest import BUDI, SITI, VIN_B, Register, citizen
from vehicles import due_dates
from vehicles.models import EndorsementReminder, Vehicle
from vehicles.reminders import endorsements_remind, threshold_due

pytestmark = pytest.mark.django_db


def _vehicle(
    register: Register, due_in: int, *, nik: str = SITI, renewal: bool = False, **kw: object
) -> Vehicle:
    """A vehicle whose next due date is ``due_in`` days from today: the annual endorsement (STNK
    valid two more years, last endorsed just before the previous anniversary) or the renewal."""
    due = clock.today() + dt.timedelta(days=due_in)
    vehicle = register(
        nik,
        stnk_valid_until=due if renewal else due_dates.add_years(due, 2),
        last_endorsed_on=due_dates.add_years(due, -1) - dt.timedelta(days=5),
        **kw,
    )
    standing = due_dates.standing(vehicle.stnk_valid_until, vehicle.last_endorsed_on, clock.today())
    assert (standing.due_on, standing.is_renewal) == (due, renewal)
    return vehicle


def _sent(vehicle: Vehicle) -> list[str]:
    return sorted(EndorsementReminder.objects.filter(vehicle=vehicle).values_list("threshold", flat=True))


def _inbox(user: User) -> list[Message]:
    return list(
        Message.objects.filter(recipient=user, template_key="endorsement_due", channel="inapp").order_by("pk")
    )


def _on(days_after: int) -> dt.datetime:
    day = clock.today() + dt.timedelta(days=days_after)
    return jakarta(day.year, day.month, day.day, 6)


@pytest.mark.parametrize(
    ("days_left", "due"),
    [
        (31, None),
        (30, "30"),
        (29, "30"),
        (8, "30"),
        (7, "7"),
        (0, "7"),
        (-1, "overdue"),
        (-7, "overdue"),
        (-8, None),
    ],
)
def test_the_threshold_due(days_left: int, due: str | None) -> None:
    assert threshold_due(days_left) == due


def test_29_days_before_sends_the_30_day_reminder_once(register: Register) -> None:
    user = citizen(SITI)
    vehicle = _vehicle(register, 29)
    assert endorsements_remind() == 1
    assert endorsements_remind() == 0
    assert _sent(vehicle) == ["30"]
    messages = _inbox(user)
    assert len(messages) == 1
    due = clock.today() + dt.timedelta(days=29)
    assert messages[0].context == {
        "vehicle_id": vehicle.pk,
        "due_on": due.isoformat(),
        "threshold": "30",
        "kind": "endorsement",
    }
    assert messages[0].critical is False


def test_7_days_before_sends_the_7_day_reminder(register: Register) -> None:
    citizen(SITI)
    vehicle = _vehicle(register, 7)
    assert endorsements_remind() == 1
    assert _sent(vehicle) == ["7"]


def test_the_day_it_becomes_overdue_sends_the_overdue_reminder(register: Register) -> None:
    citizen(SITI)
    vehicle = _vehicle(register, -1)
    assert endorsements_remind() == 1
    assert endorsements_remind() == 0
    assert _sent(vehicle) == ["overdue"]


def test_each_threshold_goes_once_as_the_days_pass(register: Register) -> None:
    citizen(SITI)
    vehicle = _vehicle(register, 40)
    sent_per_day = []
    for day in range(0, 60):
        with time_machine.travel(_on(day), tick=False):
            sent_per_day.append(endorsements_remind())
    assert [day for day, sent in enumerate(sent_per_day) if sent] == [10, 33, 41]
    assert _sent(vehicle) == ["30", "7", "overdue"]


def test_a_missed_day_never_sends_an_earlier_threshold_after(register: Register) -> None:
    citizen(SITI)
    vehicle = _vehicle(register, 5)
    assert endorsements_remind() == 1
    with time_machine.travel(_on(-10), tick=False):  # the clock going back cannot resend the 30-day one
        assert endorsements_remind() == 0
    assert _sent(vehicle) == ["7"]


def test_no_verified_owner_means_no_reminder_and_no_row(register: Register) -> None:
    user = citizen(SITI, verified=False)
    vehicle = _vehicle(register, 29)
    assert endorsements_remind() == 0
    assert _sent(vehicle) == []
    assert _inbox(user) == []
    # Someone else's verified identity does not make them the holder.
    citizen(BUDI)
    assert endorsements_remind() == 0


@pytest.mark.parametrize("state", ["blocked", "deleted"])
def test_blocked_or_deleted_vehicles_get_nothing(register: Register, state: str) -> None:
    user = citizen(SITI)
    vehicle = _vehicle(register, 29)
    Vehicle.objects.filter(pk=vehicle.pk).update(state=state, state_reason="Perpol 7/2021")
    assert endorsements_remind() == 0
    assert _sent(vehicle) == []
    assert _inbox(user) == []


def test_distant_or_long_overdue_vehicles_get_nothing(register: Register) -> None:
    citizen(SITI)
    _vehicle(register, 45)
    _vehicle(register, -20, plate="B 5678 XYZ", chassis=VIN_B)
    assert endorsements_remind() == 0


def test_the_message_names_the_plate_the_vehicle_and_the_date_and_links_to_it(register: Register) -> None:
    user = citizen(SITI)
    vehicle = _vehicle(register, 29)
    endorsements_remind()
    row = _inbox(user)[0]
    row.language = "en"
    rendered = catalogue.render(row)
    due = clock.today() + dt.timedelta(days=29)
    date = f"{due.day} {due:%B %Y}"
    assert rendered.subject == f"The STNK endorsement of B 1234 ABC is due on {date}"
    assert f"B 1234 ABC (Honda Vario 125) is due on {date}" in rendered.text
    assert rendered.link == f"/warga/kendaraan/{vehicle.public_id}/"
    email = Message(
        recipient=user, channel="email", template_key="endorsement_due", language="en", context=row.context
    )
    rendered_email = catalogue.render(email)
    assert f"/warga/kendaraan/{vehicle.public_id}/" in rendered_email.text
    assert "See your vehicle" in rendered_email.html
    sms = Message(
        recipient=user, channel="sms", template_key="endorsement_due", language="en", context=row.context
    )
    assert "the STNK endorsement of B 1234 ABC is due on" in catalogue.render(sms).sms
    assert SITI not in str(row.context)
    assert SITI not in rendered_email.text + rendered_email.html


def test_a_renewal_due_vehicle_is_reminded_with_renewal_wording(register: Register) -> None:
    user = citizen(SITI)
    vehicle = _vehicle(register, -1, renewal=True)
    assert endorsements_remind() == 1
    assert _sent(vehicle) == ["overdue"]
    row = _inbox(user)[0]
    assert row.context["kind"] == "renewal"
    row.language = "en"
    rendered = catalogue.render(row)
    assert rendered.subject.startswith("The STNK of B 1234 ABC was valid until")
    assert "It must then be renewed" in rendered.text
    assert "overdue" in rendered.text


def test_verifying_later_sends_the_reminder_still_due(register: Register) -> None:
    vehicle = _vehicle(register, 20)
    make_profile(BUDI, verified=True)
    assert endorsements_remind() == 0
    citizen(SITI)
    assert endorsements_remind() == 1
    assert _sent(vehicle) == ["30"]
