"""SECURITY.md §8 item 8, "each task run twice → one side effect", for the tasks whose own tests
never ran them twice (the others are listed in docs/security.md):

* ``payments.tasks.remind_bills`` — the bill reminder;
* ``accounts.tasks.send_staff_invitation`` — the invitation e-mail (a redelivered message, or the
  outbox relay's retry, would send it again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail

from accounts import roles, services
from accounts.models import StaffMembership, User
from accounts.tasks import send_staff_invitation
from notifications.models import Message
from offices.models import Office
from payments import messages
from payments.tasks import remind_bills
from tests.accounts.factories import make_staff
from tests.applications import conftest as applications_conftest
from tests.payments.helpers_staff import _english, _media_root, _payments_wired, open_bill, submit  # noqa: F401  (autouse fixtures)

pytestmark = pytest.mark.django_db

service = applications_conftest.service
samsat = applications_conftest.samsat
citizen = applications_conftest.citizen

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # Monday 09:00 in Jakarta


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_the_bill_reminder_task_run_twice_reminds_once(
    clock: Any, service: Any, samsat: Office, citizen: User
) -> None:
    bill = open_bill(submit(citizen, samsat))
    clock.move_to(bill.expires_at - dt.timedelta(hours=1))

    def reminders() -> int:
        return Message.objects.filter(template_key=messages.BILL_EXPIRING, context__bill_id=bill.pk).count()

    assert remind_bills.apply().get() == 1
    after_first = reminders()
    assert after_first >= 1  # one row per channel the citizen has
    assert remind_bills.apply().get() == 0
    assert reminders() == after_first


def test_the_invitation_task_run_twice_sends_one_e_mail() -> None:
    supervisor = make_staff(roles.SUPERVISOR)
    invitation = services.staff_invite(
        inviter=supervisor,
        email="dua-kali@example.id",
        role_names=[roles.OFFICER],
        office_id=StaffMembership.objects.get(user=supervisor).office_id,
        polda_id=None,
    )
    mail.outbox.clear()
    send_staff_invitation.apply(args=(invitation.pk,)).get()
    assert len(mail.outbox) == 1
    send_staff_invitation.apply(args=(invitation.pk,)).get()
    assert len([m for m in mail.outbox if m.to == ["dua-kali@example.id"]]) == 1
