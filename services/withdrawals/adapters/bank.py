"""Paying a withdrawal to the applicant's bank card, behind an adapter so a real bank can take its place."""

import secrets
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class PaymentResult:
    paid: bool
    reference: str | None = None  # the bank's transfer reference when paid
    failure: str | None = None  # why not, in Chinese, when refused


class DevelopmentBank:
    """Pays at once; refuses the configured card numbers, so a failed payment can be shown and tested."""

    def __init__(self, failing_cards: tuple[str, ...] = ()):
        self.failing_cards = frozenset(failing_cards)

    def pay(self, card: str, amount: Decimal, reference: str) -> PaymentResult:
        if card in self.failing_cards:
            return PaymentResult(False, failure="收款银行卡状态异常，银行退回转账")
        return PaymentResult(True, reference=f"DEVBANK-{reference}-{secrets.token_hex(4)}")


def bank_for(config) -> DevelopmentBank:
    return DevelopmentBank(tuple(config.failing_bank_cards))
