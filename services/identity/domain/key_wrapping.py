"""Signing keys at rest: a private key's PEM sealed with AES-256-GCM under a key-encryption key (KEK).

The KEK comes from a Secret (IDENTITY_SIGNING_KEY_KEKS, `id=base64` items); the database holds only
`aesgcm:<kek id>:<base64 nonce + ciphertext>`, bound to the key's kid, so a copied row cannot pose as another key.
A stored PEM without the prefix (development, or written before encryption) is read as it is.
"""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "aesgcm:"


class KeyWrappingError(RuntimeError):
    """A sealed signing key that no configured KEK opens, or a KEK setting that is not `id=base64 of 32 bytes`."""


def parse_keks(items: tuple[str, ...] | list[str]) -> list[tuple[str, bytes]]:
    keks = []
    for item in items:
        kek_id, _, encoded = item.partition("=")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            key = b""
        if not kek_id or ":" in kek_id or len(key) != 32:
            raise KeyWrappingError(f"IDENTITY_SIGNING_KEY_KEKS item {kek_id or '?'}: expected id=base64 of 32 bytes")
        keks.append((kek_id, key))
    return keks


def seal(pem: str, kid: str, keks: list[tuple[str, bytes]]) -> str:
    """The PEM sealed under the first KEK; unchanged when no KEK is configured (development only)."""
    if not keks:
        return pem
    kek_id, key = keks[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, pem.encode(), kid.encode())
    return f"{PREFIX}{kek_id}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(stored: str, kid: str, keks: list[tuple[str, bytes]]) -> str:
    if not stored.startswith(PREFIX):
        return stored
    kek_id, _, payload = stored[len(PREFIX) :].partition(":")
    key = dict(keks).get(kek_id)
    if key is None:
        raise KeyWrappingError(f"signing key {kid} is sealed with KEK {kek_id}, which IDENTITY_SIGNING_KEY_KEKS lacks")
    raw = base64.b64decode(payload)
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], kid.encode()).decode()
    except InvalidTag as error:
        raise KeyWrappingError(f"signing key {kid} does not open with KEK {kek_id}") from error


def is_sealed_with(stored: str, kek_id: str) -> bool:
    return stored.startswith(f"{PREFIX}{kek_id}:")
