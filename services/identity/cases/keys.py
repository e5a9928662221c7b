"""Signing keys for access tokens: made at first use, rotated on demand, published as the JWKS.

The newest key signs. The one before it stays in the JWKS, so tokens it signed keep verifying until they
expire; a rotation retires everything older than that. A rotation may be staged (`activate_after_seconds`): the
new key is published at once but signs only from then on, so the edge (which trusts the current and previous
public keys it was given) can be given the new one before any token carries it (docs/key-rotation.md).
"""

import json
import threading
import time
import uuid
import weakref
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import clock
from chassis.db import Database
from services.identity.domain import key_wrapping
from services.identity.models import SigningKey

PUBLISHED_KEYS = 2  # the current key and the previous one


def _new_key(now: datetime, keks: list[tuple[str, bytes]]) -> SigningKey:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    kid = f"{now:%Y%m%d}-{uuid.uuid4().hex[:12]}"
    return SigningKey(kid=kid, private_pem=key_wrapping.seal(pem, kid, keks), created_at=now)


class KeyRing:
    """The live keys of one service database, cached for `cache_seconds` (other processes may rotate)."""

    def __init__(self, db: Database, cache_seconds: float = 30, keks: tuple[str, ...] = ()):
        self.db = db
        self.cache_seconds = cache_seconds
        # key-encryption keys (newest first): signing keys are sealed with AES-GCM in the database
        self.keks = key_wrapping.parse_keks(keks)
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._keys: list[tuple[str, Any, datetime]] = []  # (kid, private key, signs from), newest first

    def _live_rows(self, session) -> list[SigningKey]:
        statement = (
            select(SigningKey)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.created_at.desc(), SigningKey.kid.desc())
            .limit(PUBLISHED_KEYS)
        )
        return list(session.scalars(statement))

    def _load(self, fresh: bool = False, session: Session | None = None) -> list[tuple[str, Any, datetime]]:
        """The live keys, newest first, made on first use. Pass the caller's `session` when it holds a
        transaction already: on SQLite a second one would wait for the first's write lock forever."""
        with self._lock:
            if not fresh and self._keys and time.monotonic() - self._loaded_at < self.cache_seconds:
                return self._keys
            if session is None:
                with self.db.transaction() as own_session:
                    rows = self._live_or_first_rows(own_session)
            else:
                rows = self._live_or_first_rows(session)
            self._keys = [(row.kid, self._private_key(row), row.created_at) for row in rows]
            self._loaded_at = time.monotonic()
            return self._keys

    def _private_key(self, row: SigningKey) -> Any:
        pem = key_wrapping.unseal(row.private_pem, row.kid, self.keks)
        return serialization.load_pem_private_key(pem.encode(), password=None)

    def reseal(self) -> int:
        """Seal every live key under the first KEK (after a KEK rotation, or keys stored before encryption)."""
        if not self.keks:
            raise key_wrapping.KeyWrappingError("IDENTITY_SIGNING_KEY_KEKS is empty: nothing to seal with")
        count = 0
        with self.db.transaction() as session:
            for row in self._live_rows(session):
                if key_wrapping.is_sealed_with(row.private_pem, self.keks[0][0]):
                    continue
                pem = key_wrapping.unseal(row.private_pem, row.kid, self.keks)
                row.private_pem = key_wrapping.seal(pem, row.kid, self.keks)
                count += 1
        self.forget()
        return count

    def _live_or_first_rows(self, session: Session) -> list[SigningKey]:
        rows = self._live_rows(session)
        if not rows:
            row = _new_key(clock.now(), self.keks)
            session.add(row)
            session.flush()
            rows = [row]
        return rows

    def forget(self) -> None:
        with self._lock:
            self._keys = []

    def rotate(self, activate_after_seconds: int = 0) -> str:
        """A new signing key; the old current one stays published as the previous key. With
        `activate_after_seconds` the new key is published now and signs only after that long."""
        now = clock.now()
        with self.db.transaction() as session:
            live = self._live_rows(session)
            for row in live[PUBLISHED_KEYS - 1 :]:
                row.retired_at = now
            key = _new_key(now + timedelta(seconds=activate_after_seconds), self.keks)
            session.add(key)
        self.forget()
        return key.kid

    def sign(self, claims: dict[str, Any], session: Session | None = None) -> str:
        keys = self._load(session=session)
        now = clock.to_utc(clock.now())
        # the newest key whose time has come (a staged key waits); the oldest if none has
        kid, private_key, _ = next((key for key in keys if clock.to_utc(key[2]) <= now), keys[-1])
        return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})

    def jwks(self, fresh: bool = False) -> dict[str, Any]:
        """`fresh` skips the cache: a verifier meeting an unknown kid may be behind another process's rotation."""
        keys = []
        for kid, private_key, _ in self._load(fresh):
            jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
            jwk.update(kid=kid, use="sig", alg="RS256")
            keys.append(jwk)
        return {"keys": keys}


_rings: "weakref.WeakKeyDictionary[Any, KeyRing]" = weakref.WeakKeyDictionary()
_rings_lock = threading.Lock()


def key_ring(runtime) -> KeyRing:
    """The key ring of a running identity service (one per runtime)."""
    with _rings_lock:
        ring = _rings.get(runtime)
        if ring is None:
            ring = KeyRing(runtime.db, runtime.config.signing_key_cache_seconds, runtime.config.signing_key_keks)
            _rings[runtime] = ring
        return ring
