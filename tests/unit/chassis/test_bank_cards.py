"""The hall's one bank card rule (chassis.bank_cards) and the pages' copy of it saying the same words."""

from pathlib import Path

import pytest

from chassis import bank_cards
from chassis.bank_cards import bank_card_problem

FORMS_JS = Path(__file__).resolve().parents[3] / "gateway" / "web" / "app" / "forms.js"


@pytest.mark.parametrize(
    "card",
    [
        "6222021234567890128",  # the loans demo's repayment card (ICBC, UnionPay)
        "6222020200000000022",  # the card the browser journey types
        "4111111111111111",
        "6222 0212 3456 7890 128",
        "9558801234567890123",  # a bank's own domestic card: no check digit in its scheme
    ],
)
def test_good_cards_pass(card):
    assert bank_card_problem(card) is None


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ("6222021234567890123", bank_cards.CHECK_DIGIT_MESSAGE),
        ("4111111111111112", bank_cards.CHECK_DIGIT_MESSAGE),
        ("622202123456", bank_cards.SHAPE_MESSAGE),
        ("62220212345678901234", bank_cards.SHAPE_MESSAGE),
        ("6222-0212-3456-7890-128", bank_cards.SHAPE_MESSAGE),
        ("", bank_cards.SHAPE_MESSAGE),
        (None, bank_cards.SHAPE_MESSAGE),
    ],
)
def test_each_bad_card_is_told_its_own_cause(card, message):
    assert bank_card_problem(card) == message


def test_the_pages_check_the_same_rule_in_the_same_words():
    script = FORMS_JS.read_text(encoding="utf-8")
    assert f"BANK_CARD_SHAPE_MESSAGE = '{bank_cards.SHAPE_MESSAGE}'" in script
    assert f"BANK_CARD_CHECK_DIGIT_MESSAGE = '{bank_cards.CHECK_DIGIT_MESSAGE}'" in script
    prefixes = ", ".join(f"'{prefix}'" for prefix in bank_cards.NO_CHECK_DIGIT_PREFIXES)
    assert f"NO_CHECK_DIGIT_PREFIXES = [{prefixes}]" in script
    assert "\\d{16,19}" in script
