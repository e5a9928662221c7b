"""Usernames, passwords, e-mail and the argon2id hasher (manual §2 step 2, §3, §6.2)."""

import argon2
import pytest

from services.identity.domain.credentials import (
    CredentialPolicy,
    HashingParameters,
    PasswordHasher,
    check_agreement,
    check_confirmation,
    check_email,
    check_new_password,
    check_password,
    check_registration_form,
    check_username,
    username_key,
)
from services.identity.domain.errors import CATALOGUE, IdentityError

FAST = HashingParameters(time_cost=1, memory_cost_kib=1024, parallelism=1)


def refusal(call) -> IdentityError:
    with pytest.raises(IdentityError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("username", ["zhang1", "zhangwei01", "a" * 16, "123456", "ZhangWei"])
def test_username_of_6_to_16_letters_or_digits_is_accepted(username):
    assert check_username(username) == username


@pytest.mark.parametrize("username", ["zhang", "a" * 17, "zhang_wei", "zhang wei", "张伟张伟张伟", "ｚｈａｎｇ12", ""])
def test_username_outside_the_manual_rule_is_refused_with_the_manual_text(username):
    error = refusal(lambda: check_username(username))
    assert error.code == "INVALID_USERNAME"
    assert error.field == "username"
    assert error.detail == "用户名需为字母或数字或字母数字组合且长度为6-16位。"
    assert error.errors == {"username": [error.detail]}


def test_username_surrounding_spaces_are_trimmed_and_uniqueness_ignores_case():
    assert check_username("  zhangwei01 ") == "zhangwei01"
    assert username_key("ZhangWei01") == username_key("zhangwei01") == "zhangwei01"


@pytest.mark.parametrize("password", ["abc123", "123456", "abcdef", "A" * 24, "Demo123456"])
def test_password_of_6_to_24_letters_or_digits_is_accepted_as_the_manual_allows(password):
    assert check_password(password) == password


@pytest.mark.parametrize("password", ["abc12", "a" * 25, "abc 123", "abc123!", "密码abc123", "", None])
def test_password_outside_the_manual_rule_is_refused(password):
    error = refusal(lambda: check_password(password))
    assert error.code == "INVALID_PASSWORD"
    assert error.detail == "密码需为字母或数字或字母数字组合且长度为6-24位。"


def test_a_centre_may_require_both_letters_and_digits():
    strict = CredentialPolicy(password_needs_letter_and_digit=True)
    assert check_password("abc123", strict) == "abc123"
    for weak in ("123456", "abcdef"):
        error = refusal(lambda weak=weak: check_password(weak, strict))
        assert error.code == "INVALID_PASSWORD"
        assert "同时包含字母和数字" in error.detail


def test_policy_lengths_show_in_the_message():
    error = refusal(lambda: check_password("abc1234", CredentialPolicy(password_min_length=8)))
    assert error.detail == "密码需为字母或数字或字母数字组合且长度为8-24位。"


def test_confirmation_that_differs_is_password_mismatch():
    check_confirmation("abc123", "abc123")
    error = refusal(lambda: check_confirmation("abc123", "abc124"))
    assert (error.code, error.field, error.status) == ("PASSWORD_MISMATCH", "password_confirm", 422)


def test_email_is_optional_but_must_look_like_one():
    assert check_email(None) is None
    assert check_email("   ") is None
    assert check_email(" zhang@example.com ") == "zhang@example.com"
    for bad in ("zhang", "zhang@", "@example.com", "zhang@example", "zh ang@example.com", "a@b@c.com"):
        assert refusal(lambda bad=bad: check_email(bad)).code == "INVALID_EMAIL"


def test_agreement_must_be_accepted_explicitly():
    check_agreement(True)
    for answer in (False, None, "true"):
        assert refusal(lambda answer=answer: check_agreement(answer)).code == "AGREEMENT_REQUIRED"


def test_registration_form_reports_every_bad_field_at_once():
    error = refusal(lambda: check_registration_form("zh", "abc123", "abc124", "nope", False))
    assert error.code == "INVALID_USERNAME"
    assert set(error.errors) == {"username", "password_confirm", "email", "agreed"}
    assert error.errors["agreed"] == ["请阅读并同意《个人用户注册协议》。"]


def test_registration_form_that_is_right_returns_the_clean_values():
    form = check_registration_form(" zhangwei01", "Demo123456", "Demo123456", "", True)
    assert (form.username, form.password, form.email) == ("zhangwei01", "Demo123456", None)


def test_new_password_is_checked_confirmed_and_must_differ_from_the_old_one():
    assert check_new_password("abc1234", "abc1234", old_password="abc123") == "abc1234"
    mismatch = refusal(lambda: check_new_password("abc1234", "abc1235"))
    assert (mismatch.code, mismatch.field) == ("PASSWORD_MISMATCH", "new_password_confirm")
    same = refusal(lambda: check_new_password("abc123", "abc123", old_password="abc123"))
    assert (same.code, same.field) == ("PASSWORD_UNCHANGED", "new_password")
    short = refusal(lambda: check_new_password("abc", "abc"))
    assert (short.code, short.field) == ("INVALID_PASSWORD", "new_password")


def test_phone_mismatch_carries_the_manuals_counter_guidance_and_hotline():
    error = IdentityError("PHONE_MISMATCH")
    assert error.status == 409
    for words in ("本人身份证", "单位开具的介绍信", "柜台", "12329"):
        assert words in error.detail


def test_every_code_the_api_names_exists_with_its_status():
    expected = {
        "NOT_A_DEPOSITOR": 404,
        "PHONE_MISMATCH": 409,
        "ALREADY_REGISTERED": 409,
        "TOO_MANY_REQUESTS": 429,
        "SMS_CODE_INVALID": 400,
        "SMS_CODE_EXPIRED": 400,
        "CAPTCHA_INVALID": 400,
        "CAPTCHA_REQUIRED": 428,
        "BAD_CREDENTIALS": 401,
        "ACCOUNT_LOCKED": 423,
        "USERNAME_TAKEN": 409,
        "PASSWORD_MISMATCH": 422,
        "AGREEMENT_REQUIRED": 422,
    }
    assert {code: CATALOGUE[code].status for code in expected} == expected
    assert all(text.detail and text.detail.endswith("。") for text in CATALOGUE.values())


def test_bad_credentials_never_says_which_part_was_wrong():
    assert IdentityError("BAD_CREDENTIALS").detail == "用户名或密码错误。"


def test_an_unknown_error_code_is_a_programming_error():
    with pytest.raises(KeyError):
        IdentityError("NO_SUCH_CODE")


@pytest.fixture(scope="module")
def hasher():
    return PasswordHasher(FAST)


def test_hash_is_argon2id_and_verifies_only_the_right_password(hasher):
    stored = hasher.hash("Demo123456")
    assert stored.startswith("$argon2id$")
    assert "Demo123456" not in stored
    assert hasher.verify(stored, "Demo123456") is True
    assert hasher.verify(stored, "Demo123457") is False


def test_unknown_user_and_damaged_hash_answer_false(hasher):
    assert hasher.verify(None, "Demo123456") is False
    assert hasher.verify("not-a-hash", "Demo123456") is False
    assert hasher.verify_unknown_user("Demo123456") is False


def test_wrong_username_damaged_hash_and_wrong_password_each_cost_one_argon2_verification(hasher, monkeypatch):
    stored = hasher.hash("Demo123456")
    calls = []
    real_verify = argon2.PasswordHasher.verify

    def counting_verify(self, hash, password):
        calls.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting_verify)
    for stored_hash in (stored, None, "not-a-hash"):
        calls.clear()
        hasher.verify(stored_hash, "wrong1234")
        real_checks = [h for h in calls if h.startswith("$argon2id$")]
        assert len(real_checks) == 1, stored_hash


def test_hash_made_with_older_parameters_needs_rehash(hasher):
    old = PasswordHasher(HashingParameters(time_cost=1, memory_cost_kib=512, parallelism=1)).hash("abc123")
    assert hasher.needs_rehash(old) is True
    assert hasher.needs_rehash(hasher.hash("abc123")) is False
    assert hasher.needs_rehash("garbage") is True
    assert hasher.verify(old, "abc123") is True  # still logs in, then gets rehashed


def test_default_parameters_are_rfc_9106_low_memory():
    assert HashingParameters() == HashingParameters(time_cost=3, memory_cost_kib=65536, parallelism=4)
