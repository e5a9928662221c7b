"""Bank card numbers: the one rule of chassis.bank_cards (16-19 digits and the scheme's check digit)."""

from chassis.bank_cards import (
    bank_card_problem,
    is_valid_bank_card,
    luhn_check_digit,
    normalize_bank_card,
    passes_luhn,
)

__all__ = ["bank_card_problem", "is_valid_bank_card", "luhn_check_digit", "normalize_bank_card", "passes_luhn"]
