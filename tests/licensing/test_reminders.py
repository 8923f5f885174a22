"""Expiry reminders 90, 30 and 7 days ahead (licensing.reminders.licences_remind)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import User
from korlantas.lib import clock
from licensing.models import Licence, LicenceReminder
from licensing.reminders import licences_remind, threshold_due
from notifications import catalogue
from notifications.models import Message
from tests.licensing.licence_helpers import BUDI, SITI, citizen, licence
from tests.utils import jakarta

pytestmark = pytest.mark.django_db


def _sent(lic: Licence) -> list[int]:
    return sorted(LicenceReminder.objects.filter(licence=lic).values_list("days_before", flat=True))


def _inbox(user: User) -> list[Message]:
    return list(
        Message.objects.filter(recipient=user, template_key="licence_expiring", channel="inapp").order_by(
            "pk"
        )
    )


def _on(days_after: int) -> dt.datetime:
    day = clock.today() + dt.timedelta(days=days_after)
    return jakarta(day.year, day.month, day.day, 6)


@pytest.mark.parametrize(
    ("days_left", "due"),
    [
        (120, None),
        (91, None),
        (90, 90),
        (89, 90),
        (31, 90),
        (30, 30),
        (29, 30),
        (8, 30),
        (7, 7),
        (1, 7),
        (0, 7),
        (-1, None),
    ],
)
def test_the_threshold_due(days_left: int, due: int | None) -> None:
    assert threshold_due(days_left) == due


def test_89_days_before_sends_the_90_day_reminder_once() -> None:
    user = citizen(SITI)
    lic = licence(SITI, "c", expires_in=89)
    assert licences_remind() == 1
    assert licences_remind() == 0
    assert _sent(lic) == [90]
    messages = _inbox(user)
    assert len(messages) == 1
    assert messages[0].context == {"licence_id": lic.pk, "days_before": 90}
    assert messages[0].critical is False


def test_each_threshold_goes_once_as_the_days_pass() -> None:
    user = citizen(SITI)
    lic = licence(SITI, "a", expires_in=100)
    sent_per_day = []
    for day in range(0, 101):
        with time_machine.travel(_on(day), tick=False):
            sent_per_day.append(licences_remind())
    assert sum(sent_per_day) == 3
    assert [day for day, sent in enumerate(sent_per_day) if sent] == [10, 70, 93]
    assert _sent(lic) == [7, 30, 90]
    assert [m.context["days_before"] for m in _inbox(user)] == [90, 30, 7]
    # The last one is critical: after it, renewal is impossible the day after expiry.
    assert [m.critical for m in _inbox(user)] == [False, False, True]


def test_a_missed_day_sends_the_right_threshold_once_and_never_an_earlier_one_after() -> None:
    citizen(SITI)
    lic = licence(SITI, "c", expires_in=29)
    assert licences_remind() == 1
    assert _sent(lic) == [30]  # not the 90-day one as well
    with time_machine.travel(_on(1), tick=False):
        assert licences_remind() == 0
    with time_machine.travel(_on(25), tick=False):  # 4 days left
        assert licences_remind() == 1
    assert _sent(lic) == [7, 30]
    # A run that sees more days left (a clock set back) sends no earlier threshold after a later one.
    assert licences_remind(clock.today()) == 0
    assert _sent(lic) == [7, 30]


def test_no_reminder_for_expired_replaced_or_distant_licences() -> None:
    citizen(SITI)
    licence(SITI, "c", expires_in=20, state=Licence.State.EXPIRED)
    licence(SITI, "a", expires_in=20, state=Licence.State.REPLACED)
    licence(SITI, "c1", expires_in=-1, number="31710521110774")  # active, but past its last day
    licence(SITI, "b1", expires_in=91, number="31710521110309")
    assert licences_remind() == 0
    assert not LicenceReminder.objects.exists()
    assert not Message.objects.filter(template_key="licence_expiring").exists()


def test_no_verified_holder_means_no_reminder_and_no_row_until_they_verify() -> None:
    from accounts.identity import SandboxProvider
    from accounts.services import (
        identity_verify_with_provider,
        phone_code_confirm,
        phone_code_for,
        phone_code_issue,
    )

    user = citizen(BUDI, verified=False)
    lic = licence(BUDI, "c", expires_in=60)
    licence(SITI, "c", expires_in=60)  # nobody has this NIK at all
    assert licences_remind() == 0
    assert not LicenceReminder.objects.exists()
    phone_code_confirm(user=user, code=phone_code_for(phone_code_issue(user=user)))
    identity_verify_with_provider(user=user, provider=SandboxProvider())
    assert licences_remind() == 1
    assert _sent(lic) == [90]
    assert len(_inbox(user)) == 1


def test_a_licence_renewed_in_place_is_reminded_again_before_its_new_expiry() -> None:
    citizen(SITI)
    lic = licence(SITI, "c", expires_in=5)
    assert licences_remind() == 1
    with time_machine.travel(_on(3), tick=False):
        renewed_on = clock.today()
        Licence.objects.filter(pk=lic.pk).update(
            issued_on=renewed_on, expires_on=renewed_on + dt.timedelta(days=5 * 365)
        )
        assert licences_remind() == 0
    new_expiry = Licence.objects.get(pk=lic.pk).expires_on
    days = (new_expiry - clock.today()).days
    with time_machine.travel(_on(days - 80), tick=False):
        assert licences_remind() == 1
        assert licences_remind() == 0
    assert (
        LicenceReminder.objects.get(licence=lic, days_before=90).sent_at
        > LicenceReminder.objects.get(licence=lic, days_before=7).sent_at
    )


def test_the_message_names_the_class_the_date_and_links_to_the_renewal() -> None:
    user = citizen(SITI)
    lic = licence(SITI, "c1", expires_in=29)
    licences_remind()
    row = _inbox(user)[0]
    row.language = "en"
    rendered = catalogue.render(row)
    expiry = lic.expires_on
    after = expiry + dt.timedelta(days=1)
    assert rendered.subject == f"Your SIM C I expires on {expiry.day} {expiry:%B %Y}"
    assert f"Renewal is impossible from the day after, {after.day} {after:%B %Y}" in rendered.text
    assert rendered.link == f"/warga/permohonan/baru/sim_renewal/?licence={lic.public_id}"
    email = Message(
        recipient=user, channel="email", template_key="licence_expiring", language="en", context=row.context
    )
    rendered_email = catalogue.render(email)
    assert f"/warga/permohonan/baru/sim_renewal/?licence={lic.public_id}" in rendered_email.text
    assert "Start the renewal" in rendered_email.html
    sms = Message(
        recipient=user, channel="sms", template_key="licence_expiring", language="en", context=row.context
    )
    assert "renewal is impossible from the day after" in catalogue.render(sms).sms
    # Personal data stays out of the outbox and the messages.
    assert SITI not in str(row.context)
    assert SITI not in rendered_email.text + rendered_email.html


def test_one_query_set_per_run_not_per_licence_without_holders(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for number, sim_class in (("31710521110309", "a"), ("31710521110774", "c"), ("910717140388", "d")):
        licence(SITI, sim_class, expires_in=50, number=number)
    with django_assert_max_num_queries(2):
        assert licences_remind() == 0
