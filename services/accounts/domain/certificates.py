"""Which certificates an account can have and what each one says: 住房公积金缴存证明 and 个人账户对账单.

Pure rules: the use case hands in the account's figures and the ledger rows; this module decides whether the
certificate applies and writes its lines (printed, and masked for public verification).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chassis.certificates.content import CertificateContent
from chassis.pii import mask_id_number, mask_name
from services.accounts.domain.errors import RuleViolation
from services.accounts.domain.ledger import AccountStatus, EntryKind

STATEMENT_MAX_DAYS = 5 * 366


class CertificateKind(StrEnum):
    DEPOSIT = "deposit"
    STATEMENT = "statement"

    @property
    def title(self) -> str:
        return {"deposit": "住房公积金缴存证明", "statement": "住房公积金个人账户对账单"}[self.value]


KIND_LABELS = {kind.value: kind.title for kind in CertificateKind}


class CertificateNotApplicable(RuleViolation):
    def __init__(self, detail: str, field: str | None = "kind"):
        super().__init__("CERTIFICATE_NOT_APPLICABLE", detail, field=field)


class CertificatePeriodInvalid(RuleViolation):
    def __init__(self, detail: str, field: str = "from"):
        super().__init__("CERTIFICATE_PERIOD_INVALID", detail, field=field)


def kind_of(text: str) -> CertificateKind:
    try:
        return CertificateKind(text)
    except ValueError:
        raise CertificateNotApplicable(
            f"个人账户不能开具此类证明（{text}）；可开具：住房公积金缴存证明（deposit）、个人账户对账单（statement）；"
            "贷款结清证明、贷款情况证明请在“我的贷款”中开具"
        ) from None


@dataclass(frozen=True)
class AccountFacts:
    """What the account says today, for a certificate."""

    name: str
    id_number: str
    account_no: str
    employer_name: str
    status: str
    first_deposit_month: str | None
    paid_up_to: str | None
    deposit_base: Decimal
    monthly_amount: Decimal
    balance: Decimal


@dataclass(frozen=True)
class StatementRow:
    posted_on: date
    kind: str
    summary: str
    amount: Decimal
    balance_after: Decimal


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}元"


def _month(text: str | None) -> str:
    return f"{text[:4]}年{text[5:7]}月" if text else "—"


def _account(account_no: str) -> str:
    return account_no[:4] + "*" * max(len(account_no) - 8, 0) + account_no[-4:]


def deposit_certificate(facts: AccountFacts, center_name: str, include_balance: bool) -> CertificateContent:
    """缴存证明: who, where they work, since when and up to when they deposit, how much a month."""
    status = AccountStatus(facts.status)
    if status is AccountStatus.CLOSED:
        raise CertificateNotApplicable("该住房公积金账户已销户，不能开具缴存证明")
    if facts.first_deposit_month is None:
        raise CertificateNotApplicable("该账户尚无缴存记录，暂不能开具缴存证明")
    common = [
        ("工作单位", facts.employer_name),
        ("账户状态", status.label),
        ("初缴年月", _month(facts.first_deposit_month)),
        ("缴至年月", _month(facts.paid_up_to)),
        ("缴存基数", _yuan(facts.deposit_base)),
        ("月缴存额", _yuan(facts.monthly_amount)),
    ]
    if include_balance:
        common.append(("账户余额", _yuan(facts.balance)))
    printed = [
        ("姓名", facts.name),
        ("证件号码", mask_id_number(facts.id_number)),
        ("个人账号", facts.account_no),
        *common,
    ]
    public = [("姓名", mask_name(facts.name)), ("证件号码", mask_id_number(facts.id_number)), *common]
    return CertificateContent(
        title=CertificateKind.DEPOSIT.title,
        center_name=center_name,
        lines=tuple(printed),
        public_lines=tuple(public),
        note=f"兹证明{facts.name}在本中心缴存住房公积金，情况如上。",
    )


def check_period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The statement's period: by default the last twelve months up to today; never ahead of today."""
    end = end or today
    start = start or date(end.year - 1, end.month, 1)
    if end > today:
        raise CertificatePeriodInvalid("对账单的截止日期不能晚于今天", field="to")
    if start > end:
        raise CertificatePeriodInvalid("对账单的起始日期不能晚于截止日期")
    if (end - start).days > STATEMENT_MAX_DAYS:
        raise CertificatePeriodInvalid("对账单的期间最长为5年，请分段开具")
    return start, end


def statement_certificate(
    facts: AccountFacts,
    center_name: str,
    start: date,
    end: date,
    opening_balance: Decimal,
    rows: list[StatementRow],
) -> CertificateContent:
    """对账单 of one period, oldest first: each posting with the balance after it, and the period's totals."""
    credited = sum((row.amount for row in rows if row.amount > 0), Decimal("0.00"))
    debited = sum((-row.amount for row in rows if row.amount < 0), Decimal("0.00"))
    closing = rows[-1].balance_after if rows else opening_balance
    period = f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    common = [
        ("对账期间", period),
        ("期初余额", _yuan(opening_balance)),
        ("本期收入", _yuan(credited)),
        ("本期支出", _yuan(debited)),
        ("期末余额", _yuan(closing)),
        ("记录笔数", str(len(rows))),
    ]
    printed = [("姓名", facts.name), ("证件号码", mask_id_number(facts.id_number)), ("个人账号", facts.account_no)]
    public = [("姓名", mask_name(facts.name)), ("个人账号", _account(facts.account_no))]
    table = tuple(
        (
            f"{row.posted_on:%Y-%m-%d}",
            EntryKind(row.kind).label,
            row.summary,
            f"{row.amount:,.2f}",
            f"{row.balance_after:,.2f}",
        )
        for row in rows
    )
    return CertificateContent(
        title=CertificateKind.STATEMENT.title,
        center_name=center_name,
        lines=(*printed, *common),
        public_lines=(*public, *common),
        table_columns=("记账日期", "业务类型", "摘要", "发生额（元）", "余额（元）"),
        table_rows=table,
    )
