"""Bank card numbers: 16-19 digits and a Luhn check digit."""

import pytest

from services.withdrawals.domain.cards import (
    is_valid_bank_card,
    luhn_check_digit,
    normalize_bank_card,
    passes_luhn,
)


def test_luhn_accepts_the_textbook_examples():
    assert passes_luhn("79927398713")
    assert passes_luhn("4111111111111111")
    assert not passes_luhn("79927398710")


def test_check_digit_completes_a_number_that_passes():
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_check_digit("622202123456789012") == "8"
    assert luhn_check_digit("622848001234567") == "1"


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111111",  # 16 digits
        "6228480012345671",  # 16 digits
        "6222021234567890128",  # 19 digits
        "6222 0212 3456 7890 128",  # typed in groups of four
    ],
)
def test_sixteen_to_nineteen_digits_with_a_right_check_digit_are_valid(card):
    assert is_valid_bank_card(card)


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111112",  # wrong check digit
        "6222021234567890127",  # wrong check digit, 19 digits
        "79927398713",  # passes Luhn but is only 11 digits
        "622202123456789012" + "83",  # 20 digits
        "6222-0212-3456-7890-128",  # dashes are not digits
        "622202123456789O128",  # a letter O typed for a zero
        "",
        None,
    ],
)
def test_wrong_numbers_are_refused(card):
    assert not is_valid_bank_card(card)


def test_spaces_are_not_part_of_the_number():
    assert normalize_bank_card(" 6222 0212\t3456 7890 128 ") == "6222021234567890128"
