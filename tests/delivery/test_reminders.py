"""The address-confirmation clock (issue 9, point 3): one reminder 3 days after the shipment was
created, collection at the office after 7, nothing for a confirmed address; idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import User
from delivery import services
from delivery.models import Shipment, TrackingEvent
from delivery.reminders import shipments_remind
from delivery.tasks import remind_unconfirmed_addresses
from notifications import catalogue
from offices.models import Office
from tests.delivery.citizen_helpers import inbox
from tests.delivery.conftest import issued, shipment_of

pytestmark = pytest.mark.usefixtures("shipping")

KEY = "shipment_address_reminder"


def later(shipment: Shipment, **delta: float) -> dt.datetime:
    return shipment.created_at + dt.timedelta(**delta)


def test_one_reminder_after_3_days(samsat: Office, officer: User, holder: User) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    assert shipments_remind(later(shipment, days=2, hours=23)).reminded == 0
    assert inbox(holder, KEY) == []
    assert shipments_remind(later(shipment, days=3)).reminded == 1
    assert shipments_remind(later(shipment, days=3, hours=1)).reminded == 0
    assert shipments_remind(later(shipment, days=5)).reminded == 0
    [message] = inbox(holder, KEY)
    assert message.critical
    assert message.context == {"shipment_id": shipment.pk}
    assert "/warga/pengiriman/" in catalogue.render(message).link
    shipment.refresh_from_db()
    assert shipment.address_reminded_at is not None
    assert shipment.status == "created"


def test_collection_after_7_days(samsat: Office, officer: User, holder: User) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    shipments_remind(later(shipment, days=3))
    assert shipments_remind(later(shipment, days=6, hours=23)).switched == 0
    result = shipments_remind(later(shipment, days=7, minutes=1))
    assert (result.switched, result.reminded) == (1, 0)
    shipment.refresh_from_db()
    assert shipment.status == "ready_for_collection"
    event = TrackingEvent.objects.get(shipment=shipment, action="switch_to_collection")
    assert (event.actor_id, event.actor_role) == (None, "system")
    assert shipments_remind(later(shipment, days=8)).switched == 0
    assert len(inbox(holder, KEY)) == 1


def test_a_job_that_missed_the_reminder_switches_without_a_late_reminder(
    samsat: Office, officer: User, holder: User
) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    result = shipments_remind(later(shipment, days=9))
    assert (result.switched, result.reminded) == (1, 0)
    assert inbox(holder, KEY) == []


def test_a_confirmed_address_is_left_alone(samsat: Office, officer: User, holder: User) -> None:
    shipment = shipment_of(issued(holder, officer, samsat))
    services.shipment_confirm_address(shipment_id=shipment.pk, actor=holder)
    result = shipments_remind(later(shipment, days=10))
    assert (result.switched, result.reminded) == (0, 0)
    shipment.refresh_from_db()
    assert shipment.status == "created"


def test_a_collection_choice_gets_no_reminder(samsat: Office, officer: User, holder: User) -> None:
    shipment = shipment_of(issued(holder, officer, samsat, choice="collection"))
    result = shipments_remind(later(shipment, days=10))
    assert (result.switched, result.reminded) == (0, 0)


def test_the_task_runs_the_job(samsat: Office, officer: User, holder: User) -> None:
    issued(holder, officer, samsat)
    assert remind_unconfirmed_addresses() == {"reminded": 0, "switched": 0, "notices": 0}
