"""Bank card numbers: the shape of a Chinese debit card (16-19 digits) and its Luhn check digit."""

import re

_CARD_SHAPE = re.compile(r"^\d{16,19}$")


def normalize_bank_card(text: str | None) -> str:
    """Cards are often typed in groups of four ("6222 0212 ..."); the spaces are not part of the number."""
    return re.sub(r"\s+", "", text or "")


def luhn_check_digit(partial: str) -> str:
    """The digit that makes `partial` + digit pass the Luhn test (ISO/IEC 7812), e.g. for demo cards."""
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


def is_valid_bank_card(text: str | None) -> bool:
    """16 to 19 digits (spaces ignored) whose last digit is the Luhn check digit of the others."""
    number = normalize_bank_card(text)
    return bool(_CARD_SHAPE.match(number)) and passes_luhn(number)
