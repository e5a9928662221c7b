"""The image captcha's answer: hashed, one try, 5 minutes."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from services.identity.domain.captchas import CaptchaPolicy, check_captcha, new_captcha

KEY = b"captcha-key"
T0 = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)


def test_answer_is_four_digits_and_stored_hashed():
    answer, record = new_captcha("c1", T0, KEY)
    assert len(answer) == 4 and answer.isdigit()
    assert answer not in record.answer_hash
    assert record.expires_at == T0 + timedelta(minutes=5)


def test_right_answer_is_accepted_once():
    answer, record = new_captcha("c1", T0, KEY)
    first = check_captcha(record, answer, T0 + timedelta(minutes=4, seconds=59), KEY)
    assert first.accepted is True
    again = check_captcha(first.record, answer, T0 + timedelta(minutes=1), KEY)
    assert (again.accepted, again.error.code) == (False, "CAPTCHA_INVALID")


def test_a_wrong_answer_uses_the_captcha_up():
    answer, record = new_captcha("c1", T0, KEY)
    wrong = check_captcha(record, "x" + answer, T0, KEY)
    assert (wrong.accepted, wrong.error.code, wrong.error.field) == (
        False,
        "CAPTCHA_INVALID",
        "captcha_answer",
    )
    assert wrong.record.used_at == T0
    assert check_captcha(wrong.record, answer, T0, KEY).accepted is False


def test_expired_or_missing_captcha_is_refused():
    answer, record = new_captcha("c1", T0, KEY)
    assert check_captcha(record, answer, T0 + timedelta(minutes=5), KEY).error.code == "CAPTCHA_INVALID"
    assert check_captcha(None, answer, T0, KEY).error.code == "CAPTCHA_INVALID"


def test_letters_are_case_insensitive_and_spaces_ignored():
    policy = CaptchaPolicy(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ")
    answer, record = new_captcha("c2", T0, KEY, policy)
    assert check_captcha(record, f" {answer.lower()} ", T0, KEY).accepted is True


def test_answer_hash_copied_onto_another_captcha_does_not_match():
    answer, record = new_captcha("c1", T0, KEY)
    copied = replace(record, captcha_id="c2")
    assert check_captcha(record, answer, T0, KEY).accepted is True
    assert check_captcha(copied, answer, T0, KEY).accepted is False
