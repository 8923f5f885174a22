"""The mobile number is proven by a code: derived when sent, stored only as a hash,
repeated by a retried send, replaced by a re-send, at most five wrong tries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from accounts import services
from accounts.models import PhoneVerification
from korlantas.lib import sms
from tests.accounts.factories import current_code, make_profile
from tests.utils import jakarta

pytestmark = pytest.mark.django_db

URL = "/warga/profil/ponsel/"


@pytest.fixture(autouse=True)
def _empty_outbox() -> None:
    sms.outbox.clear()


@pytest.fixture
def citizen(client: Client, django_capture_on_commit_callbacks) -> Client:  # type: ignore[no-untyped-def]
    profile = make_profile()
    client.force_login(profile.user)
    client.profile = profile  # type: ignore[attr-defined]
    client.on_commit = django_capture_on_commit_callbacks  # type: ignore[attr-defined]
    return client


def send(client: Client) -> None:
    """Press "send code"; the SMS task runs when the request's transaction commits."""
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2 * len(sms.outbox) + 1)
    with time_machine.travel(later), client.on_commit(execute=True):  # type: ignore[attr-defined]
        assert client.post(URL, {"action": "send"}).status_code == 302


def test_code_arrives_by_sms_and_confirms_the_number(citizen: Client) -> None:
    send(citizen)
    assert len(sms.outbox) == 1
    message = sms.outbox[0]
    assert message.to == "+6281234567890"
    code = current_code(citizen.profile.user)  # type: ignore[attr-defined]
    assert code in message.body
    response = citizen.post(URL, {"action": "confirm", "code": code})
    assert response.status_code == 302
    citizen.profile.refresh_from_db()  # type: ignore[attr-defined]
    assert citizen.profile.phone_verified  # type: ignore[attr-defined]


def test_only_a_hash_is_stored(citizen: Client) -> None:
    send(citizen)
    verification = PhoneVerification.objects.get()
    code = services.phone_code_for(verification)
    assert code not in verification.code_hash
    assert all(code not in str(getattr(verification, f.attname)) for f in verification._meta.fields)


def test_a_retried_send_repeats_the_same_code_once(citizen: Client) -> None:
    send(citizen)
    verification = PhoneVerification.objects.get()
    # The task runs again (a worker crashed after sending): nothing more goes out.
    assert (
        services.phone_code_deliver(verification_id=verification.pk, generation=verification.generation)
        is False
    )
    assert len(sms.outbox) == 1
    # Had the first run failed before recording, the retry would send the very same code.
    verification.sent_generation = 0
    verification.save()
    assert services.phone_code_deliver(verification_id=verification.pk, generation=verification.generation)
    assert sms.outbox[0].body == sms.outbox[1].body


def test_a_resend_replaces_the_code_and_the_old_one_dies(citizen: Client) -> None:
    send(citizen)
    old = current_code(citizen.profile.user)  # type: ignore[attr-defined]
    send(citizen)
    new = current_code(citizen.profile.user)  # type: ignore[attr-defined]
    assert old != new
    assert old in sms.outbox[0].body
    assert new in sms.outbox[1].body
    response = citizen.post(URL, {"action": "confirm", "code": old})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    # A stale task for the old generation sends nothing.
    verification = PhoneVerification.objects.get()
    assert not services.phone_code_deliver(
        verification_id=verification.pk, generation=verification.generation - 1
    )


def test_five_wrong_codes_lock_until_a_new_code(citizen: Client) -> None:
    send(citizen)
    code = current_code(citizen.profile.user)  # type: ignore[attr-defined]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        citizen.post(URL, {"action": "confirm", "code": wrong})
    response = citizen.post(URL, {"action": "confirm", "code": code})
    assert "code" in response.context["form"].errors
    citizen.profile.refresh_from_db()  # type: ignore[attr-defined]
    assert not citizen.profile.phone_verified  # type: ignore[attr-defined]


def test_code_expires_after_ten_minutes(citizen: Client) -> None:
    with time_machine.travel(jakarta(2026, 11, 28, 9, 0), tick=False) as traveller:
        citizen.post(URL, {"action": "send"})
        code = current_code(citizen.profile.user)  # type: ignore[attr-defined]
        traveller.shift(dt.timedelta(minutes=11))
        response = citizen.post(URL, {"action": "confirm", "code": code})
    assert "code" in response.context["form"].errors


def test_sending_is_rate_limited(citizen: Client) -> None:
    with time_machine.travel(jakarta(2026, 11, 28, 9, 0), tick=False), citizen.on_commit(execute=True):  # type: ignore[attr-defined]
        assert citizen.post(URL, {"action": "send"}).status_code == 302
        assert citizen.post(URL, {"action": "send"}).status_code == 429
    assert len(sms.outbox) == 1


def test_changing_the_number_asks_for_a_new_proof(client: Client) -> None:
    profile = make_profile(phone_verified=True)
    assert profile.phone_verified
    from tests.accounts.factories import profile_data

    services.citizen_profile_save(user=profile.user, data=profile_data(phone="+6281298765432"))
    profile.refresh_from_db()
    assert not profile.phone_verified


def test_the_sms_task_receives_ids_only(citizen: Client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from unittest import mock

    from accounts.tasks import send_phone_code

    with (
        mock.patch.object(send_phone_code, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.phone_code_issue(user=citizen.profile.user)  # type: ignore[attr-defined]
    (args, kwargs) = delay.call_args
    assert all(isinstance(arg, int) for arg in args)
    assert kwargs == {}
