"""Helpers and fixtures of the receipt, message and officer-view tests.

The tests' own service (``tests.applications.conftest``) bills one schedule fee on submit
(``stnk_endorsement_2w``, Rp 25.000 under PP 76/2020). A bill is paid by calling
``settlement.payment_receive`` directly, as the webhook does — never the sandbox teller,
whose callback would go over HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from accounts import roles
from accounts.models import User
from applications.models import Application
from korlantas.lib import clock
from offices.models import Office
from payments import receipts, settlement, staff_panels
from payments.gateways import ReportedPayment
from payments.models import Bill, Payment
from tests.accounts.factories import make_staff
from tests.applications.conftest import act, make_application
from tests.factories import UserFactory
from tests.offices.factories import OfficeFactory


@pytest.fixture(autouse=True)
def _payments_wired() -> None:
    """The receipt kind, the review panel and the nav entry, as ``PaymentsConfig.ready()``
    registers them (idempotent: harmless once the app does it itself)."""
    receipts.register_kind()
    staff_panels.register_panels()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """These tests read labels and messages in English (their msgids)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> Any:
    """Rendered PDFs go to a folder of the test's own."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def submit(citizen: User, office: Office, subject: str = "B 1234 ABC") -> Application:
    """A submitted application of the tests' service: its bill was issued by the submit listener."""
    return act(make_application(citizen, subject), "submit", citizen, office=office)


def open_bill(application: Application) -> Bill:
    return Bill.objects.get(application=application, state=Bill.State.OPEN)


def pay(bill: Bill, reference: str, *, paid_at: dt.datetime | None = None) -> settlement.Received:
    """The bank reports ``bill`` paid in full (as the webhook would, in one transaction)."""
    reported = ReportedPayment(
        billing_code=bill.billing_code,
        amount=bill.total,
        reference=reference,
        paid_at=paid_at or clock.now(),
    )
    with transaction.atomic():
        return settlement.payment_receive(gateway=bill.gateway, reported=reported, via=Payment.Via.CALLBACK)


def paid_application(
    citizen: User, office: Office, reference: str, subject: str = "B 1234 ABC"
) -> Application:
    application = submit(citizen, office, subject)
    pay(open_bill(application), reference)
    return Application.objects.get(pk=application.pk)


def other_office() -> Office:
    return OfficeFactory(kind=Office.Kind.SAMSAT)


def supervisor_of(office: Office) -> User:
    return make_staff(roles.SUPERVISOR, office=office)


def officer_of(office: Office) -> User:
    return make_staff(roles.OFFICER, office=office)


def new_citizen() -> User:
    return UserFactory()
