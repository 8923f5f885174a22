"""The NIK at rest: encrypted, indexed by a keyed hash, rotatable, masked."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from accounts.models import NIK_PURPOSE, CitizenProfile
from korlantas.lib import pii
from tests.accounts.factories import make_profile


def new_key(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"


def test_round_trip_and_purpose_binding() -> None:
    sealed = pii.encrypt("3515140508680001", purpose=NIK_PURPOSE)
    assert "3515140508680001" not in sealed
    assert pii.decrypt(sealed, purpose=NIK_PURPOSE) == "3515140508680001"
    with pytest.raises(pii.PIIDecryptionError):
        pii.decrypt(sealed, purpose="another.column")
    assert pii.encrypt("3515140508680001", purpose=NIK_PURPOSE) != sealed  # fresh nonce


def test_tampering_is_detected() -> None:
    sealed = pii.encrypt("3515140508680001", purpose=NIK_PURPOSE)
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(pii.PIIDecryptionError):
        pii.decrypt(flipped, purpose=NIK_PURPOSE)


def test_blind_index_is_keyed_and_stable() -> None:
    first = pii.blind_index("3515140508680001", purpose=NIK_PURPOSE)
    assert first == pii.blind_index("3515140508680001", purpose=NIK_PURPOSE)
    with override_settings(PII_BLIND_INDEX_KEY="another-key"):
        assert pii.blind_index("3515140508680001", purpose=NIK_PURPOSE) != first


@pytest.mark.parametrize("entries", [[], ["nocolon"], ["k1:c2hvcnQ"], ["k1:" + "A" * 43, "k1:" + "B" * 43]])
def test_bad_key_configuration_is_refused(entries: list[str]) -> None:
    with pytest.raises(ImproperlyConfigured):
        pii.parse_keys(entries)


def test_masking() -> None:
    assert pii.mask_nik("3171014507900003") == "3171********0003"


@pytest.mark.django_db
def test_database_holds_no_plaintext_nik() -> None:
    profile = make_profile(nik="3171014507900003")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_citizenprofile WHERE id = %s", [profile.pk])
        row = cursor.fetchone()
    assert row is not None
    assert not any("3171014507900003" in str(value) for value in row)
    assert not any(str(value)[-4:] == "0003" and "3171" in str(value) for value in row)
    assert profile.nik == "3171014507900003"


@pytest.mark.django_db
def test_key_rotation_re_encrypts_every_row_and_old_key_can_go(settings) -> None:  # type: ignore[no-untyped-def]
    old = settings.PII_ENCRYPTION_KEYS[0]
    profile = make_profile(nik="3171014507900003")
    assert pii.key_id_of(profile.nik_ciphertext) == old.split(":")[0]
    newer = new_key("k2")
    settings.PII_ENCRYPTION_KEYS = [newer, old]
    # Both keys configured: old rows still read.
    assert CitizenProfile.objects.get(pk=profile.pk).nik == "3171014507900003"
    call_command("rotate_pii_keys")
    rotated = CitizenProfile.objects.get(pk=profile.pk)
    assert pii.key_id_of(rotated.nik_ciphertext) == "k2"
    settings.PII_ENCRYPTION_KEYS = [newer]
    assert CitizenProfile.objects.get(pk=profile.pk).nik == "3171014507900003"


@pytest.mark.django_db
def test_blind_index_key_change_is_followed_by_reindex(settings) -> None:  # type: ignore[no-untyped-def]
    profile = make_profile(nik="3171014507900003")
    settings.PII_BLIND_INDEX_KEY = "a-new-blind-index-key"
    assert CitizenProfile.objects.get(pk=profile.pk).nik_index != pii.blind_index(
        "3171014507900003", purpose=NIK_PURPOSE
    )
    call_command("rotate_pii_keys", "--reindex")
    assert CitizenProfile.objects.get(pk=profile.pk).nik_index == pii.blind_index(
        "3171014507900003", purpose=NIK_PURPOSE
    )


@pytest.mark.django_db
def test_rotation_keeps_totp_and_recovery_codes_working(settings) -> None:  # type: ignore[no-untyped-def]
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests.accounts.totp import totp_now
    from tests.factories import UserFactory

    user = UserFactory()
    secret = generate_totp_secret()
    totp = TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user)
    first_code = codes.get_unused_codes()[0]
    old = settings.PII_ENCRYPTION_KEYS[0]
    settings.PII_ENCRYPTION_KEYS = [new_key("k3"), old]
    call_command("rotate_pii_keys")
    settings.PII_ENCRYPTION_KEYS = settings.PII_ENCRYPTION_KEYS[:1]  # the old key is gone
    totp.instance.refresh_from_db()
    codes.instance.refresh_from_db()
    assert TOTP(totp.instance).validate_code(totp_now(secret))
    assert RecoveryCodes(codes.instance).validate_code(first_code)
