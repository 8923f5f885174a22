"""audit_record: values become keyed hashes, details refuse personal data, and the
request helpers fill in the actor and the address."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory, override_settings

from audit import actions
from audit.actions import AuditAction
from audit.models import AuditEvent
from audit.services import audit_pii_hash, audit_record, audit_record_for_request, client_ip
from tests.audit.helpers import field_values, stored_row_text
from tests.factories import UserFactory

NIK = "3171012301900001"
EMAIL = "siti.rahayu@example.id"
PHONE = "+6281234567890"


@pytest.mark.django_db
def test_changed_values_are_stored_as_keyed_hashes_only() -> None:
    birth_date = dt.date(1990, 1, 23)
    event = audit_record(
        action=AuditAction.IDENTITY_VERIFIED,
        actor_id=12,
        object_type="accounts.citizenprofile",
        object_id="41",
        changed={"nik": NIK, "email": EMAIL, "phone": PHONE, "birth_date": birth_date},
        details={"method": "in_person", "reason": "documents_match"},
        ip="203.0.113.9",
        office_id=5,
    )
    event.refresh_from_db()
    assert event.changed_fields == {
        "nik": audit_pii_hash(NIK),
        "email": audit_pii_hash(EMAIL),
        "phone": audit_pii_hash(PHONE),
        "birth_date": audit_pii_hash(birth_date),
    }
    for digest in event.changed_fields.values():
        assert len(digest) == 64
        int(digest, 16)
    # Not an unkeyed hash: that one could be found by trying every possible NIK.
    assert event.changed_fields["nik"] != hashlib.sha256(NIK.encode()).hexdigest()
    # No raw value anywhere: not in the model's fields, not in the stored row.
    in_python = json.dumps(field_values(event), default=str)
    in_database = stored_row_text(event)
    for raw in (NIK, EMAIL, PHONE, "1990-01-23", "1990", "siti"):
        assert raw not in in_python
        assert raw not in in_database
    assert event.actor_id == 12
    assert event.object_type == "accounts.citizenprofile"
    assert event.object_id == "41"
    assert event.details == {"method": "in_person", "reason": "documents_match"}
    assert event.ip == "203.0.113.9"
    assert event.office_id == 5
    assert event.occurred_at is not None


@pytest.mark.django_db
def test_same_value_same_hash_other_value_other_hash() -> None:
    first = audit_record(action=AuditAction.PROFILE_UPDATED, changed={"nik": NIK})
    second = audit_record(action=AuditAction.PROFILE_UPDATED, changed={"nik": NIK})
    third = audit_record(action=AuditAction.PROFILE_UPDATED, changed={"nik": "3171012301900002"})
    assert first.changed_fields == second.changed_fields
    assert first.changed_fields != third.changed_fields


def test_the_hash_is_keyed_with_the_secret_key() -> None:
    ours = audit_pii_hash(NIK)
    with override_settings(SECRET_KEY="another-deployment-another-key-0123456789abcdef"):
        theirs = audit_pii_hash(NIK)
    assert ours != theirs
    assert audit_pii_hash(NIK) == ours


@pytest.mark.django_db
def test_occurred_at_follows_the_portal_clock() -> None:
    moment = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        event = audit_record(action=AuditAction.LOGIN)
    assert AuditEvent.objects.get(pk=event.pk).occurred_at == moment


@pytest.mark.django_db
@pytest.mark.parametrize(
    "details",
    [
        {"nik": NIK},
        {"NIK": "masked"},
        {"full_name": "Siti Rahayu"},
        {"username": "siti"},
        {"email": "x"},
        {"e-mail": "x"},
        {"phone_number": "x"},
        {"address": "Jl. Sudirman 1"},
        {"date_of_birth": "1990-01-23"},
        {"birthDate": "1990-01-23"},
        {"password": "x"},
        {"otp_code": "123456"},
        {"recovery_codes": ["a"]},
        {"token": "x"},
        {"client_secret": "x"},
        {"outer": {"inner_name": "x"}},
        {"items": [{"phone": "x"}]},
        {"note": EMAIL},
        {"note": NIK},
        {"note": "3171 0123 0190 0001"},
        {"count": int(NIK)},
    ],
)
def test_details_refuse_personal_data(details: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="personal data"):
        audit_record(action=AuditAction.IDENTITY_REJECTED, details=details)
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_refusal_does_not_echo_the_value() -> None:
    with pytest.raises(ValueError, match="personal data") as error:
        audit_record(action=AuditAction.IDENTITY_REJECTED, details={"note": NIK})
    assert NIK not in str(error.value)


@pytest.mark.django_db
def test_non_personal_details_are_kept() -> None:
    details = {"reason": "photo_unclear", "type": "totp", "roles": ["satpas_officer"], "removed": 2}
    event = audit_record(action=AuditAction.IDENTITY_REJECTED, details=details)
    assert AuditEvent.objects.get(pk=event.pk).details == details


@pytest.mark.django_db
@pytest.mark.parametrize(
    "action",
    ["", "login", "Auth.Login", "auth.", "auth login", "auth.login;drop", ".".join(["abcdefgh"] * 8)],
)
def test_actions_are_dotted_names(action: str) -> None:
    with pytest.raises(ValueError, match="dotted"):
        audit_record(action=action)
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_malformed_ip_is_refused() -> None:
    with pytest.raises(ValueError, match="IPv4 or IPv6"):
        audit_record(action=AuditAction.LOGIN, ip="not-an-address")


def test_action_names() -> None:
    assert {
        "auth.login",
        "auth.login_failed",
        "auth.logout",
        "mfa.enrolled",
        "mfa.removed",
        "mfa.reset_by_admin",
        "staff.invited",
        "staff.invitation_accepted",
        "identity.verified",
        "identity.rejected",
        "identity.dispute_opened",
        "identity.dispute_resolved",
        "pii.revealed",
    } <= set(AuditAction.values)
    assert actions.STAFF_INVITED == AuditAction.STAFF_INVITED == "staff.invited"
    for value in AuditAction.values:
        assert len(value) <= 64


def test_client_ip_uses_remote_addr_when_no_proxy_is_trusted() -> None:
    factory = RequestFactory()
    assert client_ip(factory.get("/", REMOTE_ADDR="198.51.100.7")) == "198.51.100.7"
    assert client_ip(factory.get("/", REMOTE_ADDR="2001:db8::1")) == "2001:db8::1"
    spoofed = factory.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(spoofed) == "198.51.100.7"
    assert client_ip(factory.get("/", REMOTE_ADDR="")) is None
    assert client_ip(factory.get("/", REMOTE_ADDR="garbage")) is None


def test_client_ip_behind_trusted_proxies_is_the_client_address(settings: Any) -> None:
    """Behind the reverse proxy the audit trail, the fraud signals and the rate limits see the
    client, not the proxy; only as many X-Forwarded-For entries as there are trusted proxies
    count from the right, so a forged left-most entry changes nothing."""
    factory = RequestFactory()
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    forwarded = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_ip(forwarded) == "203.0.113.9"
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="junk")) is None
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    real_ip = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="198.51.100.20")
    assert client_ip(real_ip) == "198.51.100.20"


@pytest.mark.django_db
def test_record_for_request_fills_actor_and_ip() -> None:
    user = UserFactory()
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    request.user = user
    event = audit_record_for_request(
        request,
        action=AuditAction.PII_REVEALED,
        object_type="accounts.citizenprofile",
        object_id="41",
        changed={"nik": NIK},
        details={"reason": "counter_check"},
        office_id=3,
    )
    assert (event.actor_id, event.ip, event.office_id) == (user.pk, "198.51.100.7", 3)
    assert event.changed_fields == {"nik": audit_pii_hash(NIK)}

    anonymous = RequestFactory().get("/", REMOTE_ADDR="198.51.100.8")
    anonymous.user = AnonymousUser()
    event = audit_record_for_request(anonymous, action=AuditAction.LOGIN_FAILED)
    assert (event.actor_id, event.ip) == (None, "198.51.100.8")


@pytest.mark.django_db
def test_an_event_recorded_while_serving_a_request_gets_its_address() -> None:
    from korlantas.lib.request_context import reset_client_address, set_client_address

    token = set_client_address("198.51.100.4")
    try:
        served = audit_record(action="test.served")
        explicit = audit_record(action="test.explicit", ip="203.0.113.9")
    finally:
        reset_client_address(token)
    job = audit_record(action="test.job")

    assert (served.ip, explicit.ip, job.ip) == ("198.51.100.4", "203.0.113.9", None)
