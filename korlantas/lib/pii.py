"""Personal data at rest: authenticated encryption and blind indexes.

* ``encrypt`` / ``decrypt``: AES-256-GCM. Keys come from ``PII_ENCRYPTION_KEYS`` (settings),
  newest first, each ``<key id>:<base64 32-byte key>``. Ciphertexts name their key id, so
  old rows stay readable after a new key is put in front; ``manage.py rotate_pii_keys``
  then re-encrypts every row under the newest key and the old key can be dropped.
* ``blind_index``: HMAC-SHA256 with ``PII_BLIND_INDEX_KEY`` over the normalised value — a
  unique, searchable column that reveals nothing without the key. Changing that key means
  ``manage.py rotate_pii_keys --reindex`` (every value is decrypted and indexed again).
* ``mask_nik``: ``3171********0001`` — the form shown everywhere but the owner's edit form.

The additional authenticated data names the purpose (e.g. ``accounts.citizenprofile.nik``),
so a ciphertext copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "v1"
NONCE_BYTES = 12


class PIIDecryptionError(Exception):
    """The ciphertext is damaged, was made for another purpose, or its key is gone."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]


def parse_keys(entries: list[str]) -> Keyring:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for entry in entries:
        key_id, sep, encoded = entry.strip().partition(":")
        if not sep or not key_id.isalnum():
            raise ImproperlyConfigured("PII_ENCRYPTION_KEYS entries look like <id>:<base64 key>.")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"PII key {key_id!r} is not base64.") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"PII key {key_id!r} must be 32 bytes (AES-256).")
        if key_id in keys:
            raise ImproperlyConfigured(f"PII key id {key_id!r} appears twice.")
        keys[key_id] = key
        order.append(key_id)
    if not order:
        raise ImproperlyConfigured("PII_ENCRYPTION_KEYS is empty.")
    return Keyring(current_id=order[0], keys=keys)


@cache
def _keyring(entries: tuple[str, ...]) -> Keyring:
    return parse_keys(list(entries))


def keyring() -> Keyring:
    return _keyring(tuple(settings.PII_ENCRYPTION_KEYS))


def encrypt(plaintext: str, *, purpose: str) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.current_id]).encrypt(nonce, plaintext.encode(), purpose.encode())
    body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{VERSION}:{ring.current_id}:{body}"


def key_id_of(ciphertext: str) -> str:
    return ciphertext.split(":", 2)[1]


def decrypt(ciphertext: str, *, purpose: str) -> str:
    try:
        version, key_id, body = ciphertext.split(":", 2)
    except ValueError as exc:
        raise PIIDecryptionError("not a PII ciphertext") from exc
    if version != VERSION:
        raise PIIDecryptionError(f"unknown ciphertext version {version!r}")
    key = keyring().keys.get(key_id)
    if key is None:
        raise PIIDecryptionError(f"key {key_id!r} is no longer configured")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    try:
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode())
    except InvalidTag as exc:
        raise PIIDecryptionError("ciphertext does not authenticate") from exc
    return plain.decode()


def blind_index(value: str, *, purpose: str) -> str:
    key = settings.PII_BLIND_INDEX_KEY.encode()
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def mask_nik(nik: str) -> str:
    if len(nik) != 16:
        return "*" * len(nik)
    return f"{nik[:4]}{'*' * 8}{nik[-4:]}"
