"""One-time codes (DESIGN §6): derived when sent from HMAC(key, purpose, object id, generation),
so a retried send repeats the same code, a new generation gives a new one, and neither the
outbox nor the log ever holds it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import transaction

from accounts.models import CitizenProfile
from korlantas.lib import sms
from korlantas.lib.sms import SMSDeliveryError
from notifications import services, tasks
from notifications.codes import code_hash, code_matches, derive_code
from notifications.models import Message
from notifications.services import notify
from tests.accounts.factories import make_profile

pytestmark = pytest.mark.django_db


def test_a_code_is_stable_and_depends_on_every_part() -> None:
    code = derive_code("delivery.handover", 42, 1)
    assert len(code) == 6
    assert code.isdigit()
    assert derive_code("delivery.handover", 42, 1) == code
    others = {
        derive_code("delivery.handover", 42, 2),
        derive_code("delivery.handover", 43, 1),
        derive_code("phone", 42, 1),
    }
    assert code not in others
    assert len(derive_code("delivery.handover", 42, 1, digits=8)) == 8


def test_a_code_depends_on_the_secret_key(settings: Any) -> None:
    code = derive_code("delivery.handover", 42, 1)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdef"
    assert derive_code("delivery.handover", 42, 1) != code


def test_only_a_hash_is_stored_and_it_checks_the_typed_code() -> None:
    code = derive_code("delivery.handover", 42, 3)
    stored = code_hash("delivery.handover", 42, 3, code)
    assert code not in stored
    assert code_matches("delivery.handover", 42, 3, f" {code} ", stored)
    assert not code_matches("delivery.handover", 42, 4, code, stored)  # the next generation kills it
    assert not code_matches("delivery.handover", 42, 3, "000000" if code != "000000" else "111111", stored)
    assert not code_matches("delivery.handover", 42, 3, code, "")


def test_the_number_of_digits_is_bounded() -> None:
    with pytest.raises(ValueError, match="digits"):
        derive_code("x", 1, 1, digits=3)


@pytest.fixture
def phone_citizen() -> CitizenProfile:
    profile = make_profile(phone_verified=True)
    sms.outbox.clear()
    return profile


def send_code(profile: CitizenProfile, generation: int, capture: Any) -> Message:
    with capture(execute=True), transaction.atomic():
        (row,) = notify(
            recipient=profile.user,
            template_key="one_time_code",
            context_ids={
                "code_for": {"purpose": "delivery.handover", "object_id": 42, "generation": generation},
                "valid_minutes": 10,
            },
            channels=["sms"],
        )
    return row


class FlakyGateway:
    """Refuses the first send, then delivers to the memory outbox."""

    refusals = 0

    def send(self, message: sms.SMS) -> None:
        if FlakyGateway.refusals:
            FlakyGateway.refusals -= 1
            raise SMSDeliveryError("gateway answered 503")
        sms.outbox.append(message)


def test_a_code_message_goes_out_with_the_derived_code_and_the_outbox_holds_ids_only(
    phone_citizen: CitizenProfile, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        row = send_code(phone_citizen, 1, django_capture_on_commit_callbacks)
    code = derive_code("delivery.handover", 42, 1)
    (text,) = sms.outbox
    assert code in text.body
    assert "10" in text.body
    row.refresh_from_db()
    assert row.state == "sent"
    assert row.context == {
        "code_for": {"purpose": "delivery.handover", "object_id": 42, "generation": 1},
        "valid_minutes": 10,
    }
    assert code not in str(row.context)
    assert not Message.objects.filter(channel="inapp").exists()  # a code never goes to the inbox
    assert all(code not in record.getMessage() for record in caplog.records)


def test_a_retried_send_repeats_the_same_code_and_a_new_generation_changes_it(
    phone_citizen: CitizenProfile, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.SMS_BACKEND = "tests.notifications.test_codes.FlakyGateway"
    FlakyGateway.refusals = 1
    row = send_code(phone_citizen, 1, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("queued", 1, "SMSDeliveryError")
    assert sms.outbox == []

    # The retry (the worker's, after its backoff) derives the same code for the same row.
    assert tasks.send_message.delay(row.pk).get() == "sent"
    (first,) = sms.outbox
    assert derive_code("delivery.handover", 42, 1) in first.body

    send_code(phone_citizen, 2, django_capture_on_commit_callbacks)
    second = sms.outbox[-1]
    assert derive_code("delivery.handover", 42, 2) in second.body
    assert first.body != second.body
    assert first.idempotency_key != second.idempotency_key


def test_the_retry_limit_counts_every_attempt(
    phone_citizen: CitizenProfile, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.SMS_BACKEND = "tests.notifications.test_codes.FlakyGateway"
    FlakyGateway.refusals = services.MAX_ATTEMPTS
    row = send_code(phone_citizen, 1, django_capture_on_commit_callbacks)
    for _attempt in range(services.MAX_ATTEMPTS - 2):
        with pytest.raises(services.DeliveryDeferred):
            services.message_deliver(message_id=row.pk)
    assert services.message_deliver(message_id=row.pk) == "failed"
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert sms.outbox == []
    FlakyGateway.refusals = 0
