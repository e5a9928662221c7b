"""Bank card numbers, one rule for every form and service: 16 to 19 digits, and the Luhn check digit (ISO/IEC 7812)
where the card's scheme uses one. The hall's pages check the same rule with the same words
(gateway/web/app/forms.js `bankCardProblem`; tests/unit/chassis/test_bank_cards.py keeps the two alike)."""

import re

CARD_SHAPE = re.compile(r"^\d{16,19}$")
SHAPE_MESSAGE = "银行卡号应为16至19位数字"
CHECK_DIGIT_MESSAGE = "银行卡号校验位不正确，请核对卡号"
# A number's first digit names its industry (ISO/IEC 7812 MII). The payment schemes' cards (3 JCB/Amex, 4 Visa,
# 5 Mastercard, 6 UnionPay/Discover) all end in a Luhn check digit; 9 is a bank's own domestic card from before
# UnionPay, numbered by the bank's rules without one.
NO_CHECK_DIGIT_PREFIXES = ("9",)


def normalize_bank_card(text: str | None) -> str:
    """Cards are often typed in groups of four ("6222 0212 ..."); the spaces are not part of the number."""
    return re.sub(r"\s+", "", text or "")


def luhn_check_digit(partial: str) -> str:
    """The digit that makes `partial` + digit pass the Luhn test, e.g. for demo cards."""
    total = 0
    # Counting from the right of the full number, the check digit is position 1, so the rightmost
    # digit of `partial` is position 2 and is doubled.
    for position, digit in enumerate(reversed(partial)):
        value = int(digit)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def passes_luhn(number: str) -> bool:
    if not number.isdigit() or len(number) < 2:
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def bank_card_problem(text: str | None) -> str | None:
    """None for a good card number (spaces ignored), else the Chinese message naming what is wrong."""
    number = normalize_bank_card(text)
    if not CARD_SHAPE.match(number):
        return SHAPE_MESSAGE
    if not number.startswith(NO_CHECK_DIGIT_PREFIXES) and not passes_luhn(number):
        return CHECK_DIGIT_MESSAGE
    return None


def is_valid_bank_card(text: str | None) -> bool:
    return bank_card_problem(text) is None
