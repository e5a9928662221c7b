"""The ledger's rules: entry kinds, posting, fund reservations, and what each account status allows.

The ledger is append-only and money moves only through it. Two invariants hold after every operation here:
balance = the sum of the signed entry amounts, and available = balance − reserved ≥ 0. Every function is
pure: it takes an `AccountState` and returns a new one (and the entry to append), or raises.

What each status allows, decided here (DOMAIN.md gives only "only a normal account may apply for a loan; a
sealed account may still withdraw"):
- 正常 normal: everything.
- 封存 sealed (the employee left the employer; nobody pays in): no regular deposit and no loan; a
  supplementary deposit for months before the sealing, interest, and withdrawals (reserve, release, debit)
  are allowed.
- 冻结 frozen (a court or the centre froze the money): no new withdrawal (no reservation, no direct debit)
  and no loan; deposits and interest still come in. A reservation made before the freeze may be released,
  and may still be debited, because that payment already left for the bank and the ledger records facts.
- 销户 closed: nothing; an account closes only when its balance and reservations are zero.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chassis.money import round_fen
from services.accounts.domain.errors import InsufficientFunds, RuleViolation

ZERO = Decimal("0.00")


class EntryKind(StrEnum):
    REGULAR_DEPOSIT = "regular_deposit"
    SUPPLEMENTARY_DEPOSIT = "supplementary_deposit"
    WITHDRAWAL = "withdrawal"
    INTEREST = "interest"

    @property
    def label(self) -> str:
        return _ENTRY_LABELS[self]

    @property
    def is_credit(self) -> bool:
        return self is not EntryKind.WITHDRAWAL


_ENTRY_LABELS = {
    EntryKind.REGULAR_DEPOSIT: "汇缴",
    EntryKind.SUPPLEMENTARY_DEPOSIT: "补缴",
    EntryKind.WITHDRAWAL: "提取",
    EntryKind.INTEREST: "结息",
}


class AccountStatus(StrEnum):
    NORMAL = "normal"
    SEALED = "sealed"
    FROZEN = "frozen"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"normal": "正常", "sealed": "封存", "frozen": "冻结", "closed": "销户"}[self.value]


class Operation(StrEnum):
    REGULAR_DEPOSIT = "regular_deposit"
    SUPPLEMENTARY_DEPOSIT = "supplementary_deposit"
    INTEREST = "interest"
    WITHDRAWAL = "withdrawal"
    RESERVE = "reserve"
    RELEASE = "release"
    DEBIT_RESERVED = "debit_reserved"
    APPLY_LOAN = "apply_loan"

    @property
    def label(self) -> str:
        return _OPERATION_LABELS[self]


_OPERATION_LABELS = {
    Operation.REGULAR_DEPOSIT: "汇缴",
    Operation.SUPPLEMENTARY_DEPOSIT: "补缴",
    Operation.INTEREST: "结息",
    Operation.WITHDRAWAL: "提取",
    Operation.RESERVE: "提取资金预留",
    Operation.RELEASE: "释放预留资金",
    Operation.DEBIT_RESERVED: "提取入账",
    Operation.APPLY_LOAN: "申请贷款",
}

ALLOWED_OPERATIONS: dict[AccountStatus, frozenset[Operation]] = {
    AccountStatus.NORMAL: frozenset(Operation),
    AccountStatus.SEALED: frozenset(
        {
            Operation.SUPPLEMENTARY_DEPOSIT,
            Operation.INTEREST,
            Operation.WITHDRAWAL,
            Operation.RESERVE,
            Operation.RELEASE,
            Operation.DEBIT_RESERVED,
        }
    ),
    AccountStatus.FROZEN: frozenset(
        {
            Operation.REGULAR_DEPOSIT,
            Operation.SUPPLEMENTARY_DEPOSIT,
            Operation.INTEREST,
            Operation.RELEASE,
            Operation.DEBIT_RESERVED,
        }
    ),
    AccountStatus.CLOSED: frozenset(),
}

# Unfreezing returns to normal or sealed, whichever the account was; the service knows which.
STATUS_TRANSITIONS: dict[AccountStatus, frozenset[AccountStatus]] = {
    AccountStatus.NORMAL: frozenset({AccountStatus.SEALED, AccountStatus.FROZEN, AccountStatus.CLOSED}),
    AccountStatus.SEALED: frozenset({AccountStatus.NORMAL, AccountStatus.FROZEN, AccountStatus.CLOSED}),
    AccountStatus.FROZEN: frozenset({AccountStatus.NORMAL, AccountStatus.SEALED}),
    AccountStatus.CLOSED: frozenset(),
}

_ENTRY_OPERATIONS = {
    EntryKind.REGULAR_DEPOSIT: Operation.REGULAR_DEPOSIT,
    EntryKind.SUPPLEMENTARY_DEPOSIT: Operation.SUPPLEMENTARY_DEPOSIT,
    EntryKind.WITHDRAWAL: Operation.WITHDRAWAL,
    EntryKind.INTEREST: Operation.INTEREST,
}


@dataclass(frozen=True)
class AccountState:
    status: AccountStatus = AccountStatus.NORMAL
    balance: Decimal = ZERO
    reserved: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.balance - self.reserved


@dataclass(frozen=True)
class Entry:
    """A ledger row: `amount` is signed (a withdrawal is negative), so the balance is the sum of amounts."""

    kind: EntryKind
    amount: Decimal
    summary: str
    balance_after: Decimal
    posted_on: date | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Posting:
    state: AccountState
    entry: Entry


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _checked_amount(amount: Decimal) -> Decimal:
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0 or amount != round_fen(amount):
        raise RuleViolation("INVALID_AMOUNT", "金额应大于0元，最多两位小数", field="amount")
    return round_fen(amount)


def ensure_allows(status: AccountStatus, operation: Operation) -> None:
    if operation not in ALLOWED_OPERATIONS[status]:
        raise RuleViolation(
            "ACCOUNT_STATUS_FORBIDS",
            f"账户状态为“{status.label}”，不能办理{operation.label}",
            field="status",
        )


def summary_for(kind: EntryKind, month: str | None = None, note: str | None = None) -> str:
    """The statement's summary: 汇缴, "2026年03月汇缴", "提取（租房提取）"."""
    summary = f"{month}{kind.label}" if month else kind.label
    return f"{summary}（{note}）" if note else summary


def _ensure_available(state: AccountState, amount: Decimal) -> None:
    if amount > state.available:
        raise InsufficientFunds(f"可用余额不足：可用余额{_yuan(state.available)}元，本次需{_yuan(amount)}元")


def post(
    state: AccountState,
    kind: EntryKind,
    amount: Decimal,
    *,
    posted_on: date | None = None,
    reference: str | None = None,
    summary: str | None = None,
) -> Posting:
    """Post a positive `amount` of `kind`: a credit adds to the balance, a withdrawal takes from available.

    A withdrawal posted here is a direct debit with no reservation (a counter payment); withdrawals that went
    through the online approval are reserved first and posted with `debit_reserved`.
    """
    amount = _checked_amount(amount)
    ensure_allows(state.status, _ENTRY_OPERATIONS[kind])
    if not kind.is_credit:
        _ensure_available(state, amount)
    signed = amount if kind.is_credit else -amount
    new_state = replace(state, balance=state.balance + signed)
    entry = Entry(kind, signed, summary or kind.label, new_state.balance, posted_on, reference)
    return Posting(new_state, entry)


def reserve(state: AccountState, amount: Decimal) -> AccountState:
    """Earmark money for an approved withdrawal so that nothing else can spend it before it is paid."""
    amount = _checked_amount(amount)
    ensure_allows(state.status, Operation.RESERVE)
    _ensure_available(state, amount)
    return replace(state, reserved=state.reserved + amount)


def _ensure_reserved(state: AccountState, amount: Decimal) -> None:
    if amount > state.reserved:
        raise RuleViolation(
            "RESERVATION_EXCEEDED",
            f"预留资金不足：已预留{_yuan(state.reserved)}元，本次需{_yuan(amount)}元",
            field="amount",
        )


def release(state: AccountState, amount: Decimal) -> AccountState:
    """Give reserved money back to the available balance (a payment failed or the application was undone)."""
    amount = _checked_amount(amount)
    ensure_allows(state.status, Operation.RELEASE)
    _ensure_reserved(state, amount)
    return replace(state, reserved=state.reserved - amount)


def debit_reserved(
    state: AccountState,
    amount: Decimal,
    *,
    posted_on: date | None = None,
    reference: str | None = None,
    summary: str | None = None,
) -> Posting:
    """Turn a reservation into a withdrawal entry: the balance and the reservation both drop by `amount`."""
    amount = _checked_amount(amount)
    ensure_allows(state.status, Operation.DEBIT_RESERVED)
    _ensure_reserved(state, amount)
    new_state = replace(state, balance=state.balance - amount, reserved=state.reserved - amount)
    entry = Entry(
        EntryKind.WITHDRAWAL,
        -amount,
        summary or EntryKind.WITHDRAWAL.label,
        new_state.balance,
        posted_on,
        reference,
    )
    return Posting(new_state, entry)


def change_status(state: AccountState, to: AccountStatus) -> AccountState:
    """Seal, unseal, freeze, unfreeze or close; closing needs a zero balance and no reservation."""
    if to not in STATUS_TRANSITIONS[state.status]:
        raise RuleViolation(
            "STATUS_CHANGE_NOT_ALLOWED",
            f"账户状态不能由“{state.status.label}”变更为“{to.label}”",
            field="status",
        )
    if to is AccountStatus.CLOSED and (state.balance != 0 or state.reserved != 0):
        raise RuleViolation(
            "ACCOUNT_NOT_EMPTY",
            f"账户余额{_yuan(state.balance)}元、预留资金{_yuan(state.reserved)}元，须全部提取后才能销户",
            field="status",
        )
    return replace(state, status=to)


def running_balances(amounts: Iterable[Decimal], opening: Decimal = ZERO) -> list[Decimal]:
    """The balance after each signed amount, in posting order; the statement's `balance` column."""
    balances = []
    balance = opening
    for amount in amounts:
        balance += amount
        balances.append(balance)
    return balances
