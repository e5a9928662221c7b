"""Paying a withdrawal to the applicant's bank card, behind an adapter so a real bank can take its place.

The bank's contract, which a real bank's transfer API offers the same way: every payment carries an idempotency
key (the application number); a second request with a key the bank has seen pays nothing and answers the first
request's result. That is what makes re-sending a payment whose outcome was lost (a crash after the call) safe.
"""

import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from chassis import clock


@dataclass(frozen=True)
class PaymentResult:
    paid: bool
    reference: str | None = None  # the bank's transfer reference when paid
    failure: str | None = None  # why not, in Chinese, when refused


class BankUnavailable(Exception):
    """The bank could not be asked (refused, timed out): the payment's outcome is unknown, ask again later."""


class DevelopmentBank:
    """Pays at once; refuses the configured card numbers, so a failed payment can be shown and tested.

    Stateful and recording, like a bank: each key is paid (or refused) once, kept in a SQLite ledger, in memory or
    in a file (`ledger_path`) that several processes share, so a worker killed and restarted asks the same bank.
    """

    def __init__(self, failing_cards: tuple[str, ...] = (), ledger_path: str = "", answer_delay_seconds: float = 0):
        self.failing_cards = frozenset(failing_cards)
        self.answer_delay_seconds = answer_delay_seconds
        self._lock = threading.Lock()
        self._ledger = sqlite3.connect(ledger_path or ":memory:", check_same_thread=False, timeout=30)
        with self._lock, self._ledger:
            self._ledger.execute(
                "CREATE TABLE IF NOT EXISTS payments (key TEXT PRIMARY KEY, card TEXT, amount TEXT, paid INTEGER,"
                " reference TEXT, failure TEXT, requests INTEGER DEFAULT 1, paid_at TEXT)"
            )

    def pay(self, card: str, amount: Decimal, key: str) -> PaymentResult:
        refused = card in self.failing_cards
        with self._lock, self._ledger:
            self._ledger.execute("BEGIN IMMEDIATE")  # one writer across processes sharing the file
            self._ledger.execute(
                "INSERT INTO payments (key, card, amount, paid, reference, failure, paid_at) VALUES (?,?,?,?,?,?,?)"
                " ON CONFLICT (key) DO UPDATE SET requests = requests + 1",
                (
                    key,
                    card,
                    str(amount),
                    0 if refused else 1,
                    None if refused else f"DEVBANK-{key}-{secrets.token_hex(4)}",
                    "收款银行卡状态异常，银行退回转账" if refused else None,
                    clock.now().isoformat(),
                ),
            )
            paid, reference, failure = self._ledger.execute(
                "SELECT paid, reference, failure FROM payments WHERE key = ?", (key,)
            ).fetchone()
        if self.answer_delay_seconds:
            time.sleep(self.answer_delay_seconds)  # paid already; the answer is on its way
        return PaymentResult(bool(paid), reference=reference, failure=failure)

    def payments(self) -> list[dict]:
        """Every payment the bank made or refused, one per key, with how often it was asked (for tests)."""
        with self._lock:
            rows = self._ledger.execute(
                "SELECT key, card, amount, paid, reference, requests FROM payments ORDER BY key"
            ).fetchall()
        names = ("key", "card", "amount", "paid", "reference", "requests")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def close(self) -> None:
        self._ledger.close()


def bank_for(config) -> DevelopmentBank:
    return DevelopmentBank(tuple(config.failing_bank_cards), config.bank_ledger_path, config.bank_answer_delay_seconds)
