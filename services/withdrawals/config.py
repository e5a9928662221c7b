"""Settings of the withdrawals service (environment variables WITHDRAWALS_* or HALL_*)."""

from dataclasses import dataclass

from chassis.config import ServiceConfig


@dataclass(frozen=True)
class WithdrawalsConfig(ServiceConfig):
    # the development bank adapter refuses payments to these card numbers (to show a failed payment)
    failing_bank_cards: tuple[str, ...] = ("6222020200000000006",)
    # the development bank keeps its ledger (one payment per idempotency key) in this SQLite file; empty: in memory
    bank_ledger_path: str = ""
    # the development bank answers this long after it paid (a slow bank: a test kills the worker meanwhile)
    bank_answer_delay_seconds: float = 0.0
    # the payment loop looks for requested payments this often (a new one also wakes it at once)
    payment_poll_seconds: float = 1.0
    # a payment sent whose answer never came back (a crash, a timeout) is asked again, with the same key, after this
    payment_resend_seconds: float = 30.0
    # where a fund deduction for a loan (reason 06, asked for by loans) is paid: the centre's loan settlement
    # account at the entrusted bank, which credits the loan
    loan_fund_account: str = "6217990000000000060"
    places_per_slot: int = 5
    max_days_ahead: int = 14
    # how long the branch directory fetched from accounts is kept before asking again
    branch_cache_seconds: int = 300
    # the console's staff cookies are marked Secure where set (and always when HALL_EMBEDDED=false)
    secure_cookies: bool = False
    # a console session untouched this long is signed out (the staff token's own expiry bounds it too)
    console_idle_minutes: int = 30
    # days after a month's end before its deposit counts as due (连续足额缴存; see LoansConfig)
    deposit_grace_days: int = 0
