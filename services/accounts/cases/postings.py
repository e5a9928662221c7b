"""Moving money: every posting goes through here — the domain rule, the ledger row, the balance, the event.

Callers hold the account row locked (`lock_account`: SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN
IMMEDIATE already serialises writers), so the balance read here is the one the new entry builds on.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import publish
from services.accounts.domain.deposits import DepositKind, YearMonth, fully_deposited_months, paid_up_to_after
from services.accounts.domain.ledger import AccountState, AccountStatus, EntryKind, Posting, post, summary_for
from services.accounts.events import ACCOUNT_CREDITED, ACCOUNT_DEBITED, STATUS_CHANGED
from services.accounts.models import FundAccount, LedgerEntry

DEPOSIT_ENTRY_KINDS = {
    DepositKind.REGULAR: EntryKind.REGULAR_DEPOSIT,
    DepositKind.SUPPLEMENTARY: EntryKind.SUPPLEMENTARY_DEPOSIT,
}


def lock_account(session: Session, account_no: str) -> FundAccount | None:
    statement = select(FundAccount).where(FundAccount.account_no == account_no).with_for_update(of=FundAccount)
    return session.scalars(statement).first()


def state_of(account: FundAccount) -> AccountState:
    return AccountState(AccountStatus(account.status), account.balance, account.reserved)


def record(
    session: Session,
    account: FundAccount,
    posting: Posting,
    *,
    month: str | None = None,
    unit_amount: Decimal | None = None,
    personal_amount: Decimal | None = None,
    month_in_full: bool | None = None,
) -> LedgerEntry:
    """Append the posting's entry, move the account to its new state and tell the others, all in `session`."""
    entry = posting.entry
    account.balance = posting.state.balance
    account.reserved = posting.state.reserved
    row = LedgerEntry(
        account_id=account.id,
        posted_on=entry.posted_on or clock.today(),
        kind=entry.kind.value,
        summary=entry.summary,
        amount=entry.amount,
        balance_after=entry.balance_after,
        month=month,
        unit_amount=unit_amount,
        personal_amount=personal_amount,
        reference=entry.reference,
    )
    session.add(row)
    session.flush()
    contract = ACCOUNT_CREDITED if entry.kind.is_credit else ACCOUNT_DEBITED
    publish(session, contract, posted_event(account, row, month_in_full))
    return row


def posted_event(account: FundAccount, row: LedgerEntry, month_in_full: bool | None = None) -> dict:
    return {
        "entry_id": str(row.id),
        "account_no": account.account_no,
        "id_number": account.depositor.id_number,
        "center": account.center,
        "kind": row.kind,
        "amount": abs(row.amount),
        "balance": row.balance_after,
        "posted_on": row.posted_on,
        "month": row.month,
        "month_in_full": month_in_full,
        "reference": row.reference,
    }


def post_deposit(
    session: Session,
    account: FundAccount,
    month: YearMonth,
    kind: DepositKind,
    posted_on: date,
    *,
    unit_amount: Decimal,
    personal_amount: Decimal,
    reference: str | None = None,
) -> LedgerEntry:
    """One month's deposit (汇缴 or 补缴) of both shares; moves the paid-up-to month by the domain's rule."""
    paid_up_to = YearMonth.parse(account.paid_up_to) if account.paid_up_to else None
    new_paid_up_to = paid_up_to_after(paid_up_to, month, kind)
    entry_kind = DEPOSIT_ENTRY_KINDS[kind]
    posting = post(
        state_of(account),
        entry_kind,
        unit_amount + personal_amount,
        posted_on=posted_on,
        reference=reference,
        summary=summary_for(entry_kind, month.label),
    )
    account.paid_up_to = str(new_paid_up_to)
    earlier = session.scalars(
        select(LedgerEntry.amount).where(
            LedgerEntry.account_id == account.id,
            LedgerEntry.month == str(month),
            LedgerEntry.kind.in_([kind.value for kind in DEPOSIT_ENTRY_KINDS.values()]),
        )
    ).all()
    paid = [(month, amount) for amount in [*earlier, posting.entry.amount]]
    in_full = month in fully_deposited_months(paid, account.unit_monthly + account.personal_monthly)
    return record(
        session,
        account,
        posting,
        month=str(month),
        unit_amount=unit_amount,
        personal_amount=personal_amount,
        month_in_full=in_full,
    )


def change_account_status(session: Session, account: FundAccount, to: AccountStatus, on: date) -> None:
    """Set the status (the caller checked the transition with the domain) and publish the change."""
    before = account.status
    account.status = to.value
    publish(
        session,
        STATUS_CHANGED,
        {
            "account_no": account.account_no,
            "id_number": account.depositor.id_number,
            "center": account.center,
            "status_from": before,
            "status_to": to.value,
            "changed_on": on,
        },
    )
