"""Usernames, passwords and e-mails as the manual allows them, and argon2id password hashing."""

import contextlib
import re
import secrets
import threading
from dataclasses import dataclass

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.identity.domain.errors import IdentityError

_LETTERS_AND_DIGITS = re.compile(r"[A-Za-z0-9]+")  # ASCII only: str.isalnum() would let 张伟 or ０ in
_HAS_LETTER = re.compile(r"[A-Za-z]")
_HAS_DIGIT = re.compile(r"[0-9]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


@dataclass(frozen=True)
class CredentialPolicy:
    """Manual §2: username letters/digits 6-16, password letters/digits 6-24.

    The manual says "字母或数字或字母数字组合", so an all-digit or all-letter password is allowed by default;
    a centre that wants more sets `password_needs_letter_and_digit`. Argon2id, the login lock and the
    captcha are what protect weak passwords from guessing.
    """

    username_min_length: int = 6
    username_max_length: int = 16
    password_min_length: int = 6
    password_max_length: int = 24
    password_needs_letter_and_digit: bool = False
    email_max_length: int = 254


DEFAULT_POLICY = CredentialPolicy()


@dataclass(frozen=True)
class RegistrationForm:
    username: str
    password: str
    email: str | None


def username_key(username: str) -> str:
    """What usernames are unique by within a centre: ZhangWei01 and zhangwei01 are one name."""
    return username.strip().lower()


def check_username(username: str | None, policy: CredentialPolicy = DEFAULT_POLICY) -> str:
    text = (username or "").strip()
    low, high = policy.username_min_length, policy.username_max_length
    if not (low <= len(text) <= high and _LETTERS_AND_DIGITS.fullmatch(text)):
        raise IdentityError(
            "INVALID_USERNAME",
            f"用户名需为字母或数字或字母数字组合且长度为{low}-{high}位。",
            field="username",
        )
    return text


def check_password(password: str | None, policy: CredentialPolicy = DEFAULT_POLICY, *, field: str = "password") -> str:
    """Passwords are taken exactly as typed: no trimming, a space is simply not allowed."""
    text = password or ""
    low, high = policy.password_min_length, policy.password_max_length
    if not (low <= len(text) <= high and _LETTERS_AND_DIGITS.fullmatch(text)):
        raise IdentityError(
            "INVALID_PASSWORD", f"密码需为字母或数字或字母数字组合且长度为{low}-{high}位。", field=field
        )
    if policy.password_needs_letter_and_digit and not (_HAS_LETTER.search(text) and _HAS_DIGIT.search(text)):
        raise IdentityError("INVALID_PASSWORD", f"密码需同时包含字母和数字，长度为{low}-{high}位。", field=field)
    return text


def check_confirmation(password: str | None, confirmation: str | None, *, field: str = "password_confirm") -> None:
    if not secrets.compare_digest((password or "").encode(), (confirmation or "").encode()):
        raise IdentityError("PASSWORD_MISMATCH", field=field)


def check_email(email: str | None, policy: CredentialPolicy = DEFAULT_POLICY) -> str | None:
    """Optional: blank means none. Only the shape is checked; nothing is ever sent to it."""
    text = (email or "").strip()
    if not text:
        return None
    if len(text) > policy.email_max_length or not _EMAIL.fullmatch(text):
        raise IdentityError("INVALID_EMAIL", field="email")
    return text


def check_agreement(agreed: bool | None) -> None:
    if agreed is not True:
        raise IdentityError("AGREEMENT_REQUIRED", field="agreed")


def check_registration_form(
    username: str | None,
    password: str | None,
    password_confirm: str | None,
    email: str | None,
    agreed: bool | None,
    policy: CredentialPolicy = DEFAULT_POLICY,
) -> RegistrationForm:
    """Step 2 of registration. Every field is checked so the page can mark them all at once: the error
    raised is the first field's, and its `errors` holds every field's message."""
    checks = {
        "username": lambda: check_username(username, policy),
        "password": lambda: check_password(password, policy),
        "password_confirm": lambda: check_confirmation(password, password_confirm),
        "email": lambda: check_email(email, policy),
        "agreed": lambda: check_agreement(agreed),
    }
    return RegistrationForm(**_run_all(checks, keep=("username", "password", "email")))


def check_new_password(
    new_password: str | None,
    confirmation: str | None,
    policy: CredentialPolicy = DEFAULT_POLICY,
    *,
    old_password: str | None = None,
) -> str:
    """Password change (§6.2, the old one known) and recovery (§3 step 2, no old one)."""
    checks = {
        "new_password": lambda: check_password(new_password, policy, field="new_password"),
        "new_password_confirm": lambda: check_confirmation(new_password, confirmation, field="new_password_confirm"),
    }
    password = _run_all(checks, keep=("new_password",))["new_password"]
    if old_password is not None and secrets.compare_digest(old_password.encode(), password.encode()):
        raise IdentityError("PASSWORD_UNCHANGED", field="new_password")
    return password


def _run_all(checks, keep):
    values, failures = {}, []
    for field, check in checks.items():
        try:
            values[field] = check()
        except IdentityError as error:
            failures.append(error)
    if failures:
        first = failures[0]
        errors: dict[str, list[str]] = {}
        for failure in failures:
            for field, messages in failure.errors.items():
                errors.setdefault(field, []).extend(messages)
        raise IdentityError(first.code, first.detail, field=first.field, errors=errors)
    return {field: values[field] for field in keep}


@dataclass(frozen=True)
class HashingParameters:
    """argon2id cost; the defaults are RFC 9106's second recommended (low-memory) profile."""

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 4
    hash_length: int = 32
    salt_length: int = 16


class PasswordHasher:
    """argon2id hashing. `verify` never raises and always spends one argon2 verification, so a wrong
    username (`verify(None, ...)`), a wrong password and a damaged hash all answer False in the same time."""

    def __init__(self, parameters: HashingParameters = HashingParameters(), max_concurrent: int = 0):
        # each hash or check holds memory_cost_kib for its duration: at most this many at once per process (0: no
        # bound), so a burst of logins waits its turn instead of taking the pod past its memory limit
        self._slots = threading.BoundedSemaphore(max_concurrent) if max_concurrent > 0 else contextlib.nullcontext()
        self._argon = argon2.PasswordHasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_cost_kib,
            parallelism=parameters.parallelism,
            hash_len=parameters.hash_length,
            salt_len=parameters.salt_length,
            type=argon2.Type.ID,
        )
        # Hashed with the current parameters, so checking against it costs what a real check costs.
        self._dummy_hash = self._argon.hash(secrets.token_urlsafe(18))

    def hash(self, password: str) -> str:
        with self._slots:
            return self._argon.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        if stored_hash is None:
            return self.verify_unknown_user(password)
        try:
            with self._slots:
                return self._argon.verify(stored_hash, password)
        except VerifyMismatchError:
            return False
        except (InvalidHashError, VerificationError):
            # A damaged or foreign hash fails fast inside argon2; pay the full price anyway.
            self.verify_unknown_user(password)
            return False

    def verify_unknown_user(self, password: str) -> bool:
        """Spend one verification against a throwaway hash; always False."""
        with self._slots, contextlib.suppress(VerifyMismatchError):
            self._argon.verify(self._dummy_hash, password)
        return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other parameters (or is not ours): rehash after a good login."""
        try:
            return self._argon.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            return True
