"""Short one-time secrets (SMS codes, captcha answers): made with `secrets`, stored only as a keyed hash.

A 6-digit code has a million values, so any unkeyed hash, salted or not, falls to brute force in
milliseconds once the table leaks. HMAC-SHA256 under a server key that lives in configuration, never in
the database, makes the stored hash useless without that key. The purpose and the mobile (or captcha id)
are part of the message, so a hash copied onto another row, mobile or purpose never matches.
"""

import hashlib
import hmac
import secrets

DIGITS = "0123456789"


def random_text(length: int, alphabet: str = DIGITS) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def keyed_hash(server_key: bytes, *parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(server_key, message, hashlib.sha256).hexdigest()


def matches(stored_hash: str, server_key: bytes, *parts: str) -> bool:
    return hmac.compare_digest(stored_hash, keyed_hash(server_key, *parts))
