"""An employer's monthly deposit (汇缴) or supplementary deposit (补缴): one ledger entry per account, at most once
per employer, month and kind (the `deposit_batches` row is written first; a second run replays it)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts.cases.postings import post_deposit
from services.accounts.domain.deposits import DepositKind, YearMonth
from services.accounts.domain.errors import RuleViolation
from services.accounts.domain.ledger import AccountStatus
from services.accounts.models import DepositBatch, Employer, FundAccount

# which accounts of the employer a batch reaches; the ledger's rules refuse the rest anyway
_STATUSES = {
    DepositKind.REGULAR: (AccountStatus.NORMAL, AccountStatus.FROZEN),
    DepositKind.SUPPLEMENTARY: (AccountStatus.NORMAL, AccountStatus.SEALED, AccountStatus.FROZEN),
}


@dataclass
class BatchOutcome:
    batch: DepositBatch
    employer: Employer
    replayed: bool
    skipped: list[dict[str, str]] = field(default_factory=list)


def run_deposit_batch(
    session: Session,
    employer_account_no: str,
    month: YearMonth,
    kind: DepositKind,
    posted_on: date,
    account_nos: list[str] | None = None,
) -> BatchOutcome:
    """Post `month`'s deposit of `kind` for the employer's accounts (or only `account_nos`)."""
    employer = session.scalars(select(Employer).where(Employer.account_no == employer_account_no)).first()
    if employer is None:
        raise RuleViolation(
            "EMPLOYER_NOT_FOUND", f"未找到单位账号为{employer_account_no}的单位", field="employer_account_no"
        )
    existing = session.scalars(
        select(DepositBatch).where(
            DepositBatch.employer_id == employer.id, DepositBatch.month == str(month), DepositBatch.kind == kind.value
        )
    ).first()
    if existing is not None:
        return BatchOutcome(existing, employer, replayed=True)
    batch = DepositBatch(
        employer_id=employer.id, month=str(month), kind=kind.value, posted_on=posted_on, accounts=0, total=Decimal("0")
    )
    session.add(batch)
    session.flush()  # the unique (employer, month, kind) row: a concurrent second run fails here
    statement = (
        select(FundAccount)
        .where(FundAccount.employer_id == employer.id, FundAccount.status.in_([s.value for s in _STATUSES[kind]]))
        .order_by(FundAccount.id)
        .with_for_update(of=FundAccount)
    )
    if account_nos:
        statement = statement.where(FundAccount.account_no.in_(account_nos))
    outcome = BatchOutcome(batch, employer, replayed=False)
    total = Decimal("0.00")
    for account in session.scalars(statement):
        try:
            entry = post_deposit(
                session,
                account,
                month,
                kind,
                posted_on,
                unit_amount=account.unit_monthly,
                personal_amount=account.personal_monthly,
                reference=f"batch-{batch.id}",
            )
        except RuleViolation as refusal:
            outcome.skipped.append({"account_no": account.account_no, "reason": refusal.detail})
            continue
        batch.accounts += 1
        total += entry.amount
    batch.total = total
    return outcome
