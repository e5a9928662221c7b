"""Which loan certificates a borrower can have and what each says: 贷款结清证明 (only once a loan is paid off)
and 贷款情况证明 (a loan still being repaid). Pure rules: the use case hands in the loan's figures."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chassis.certificates.content import CertificateContent
from chassis.pii import mask_id_number, mask_name
from services.loans.domain.calculator import RepaymentMethod
from services.loans.domain.errors import RuleViolation
from services.loans.domain.rates import as_percent
from services.loans.domain.workflow import LoanStanding, LoanStatus


class LoanCertificateKind(StrEnum):
    PAYOFF = "payoff"
    LOAN_STATUS = "loan_status"

    @property
    def title(self) -> str:
        return {"payoff": "住房公积金贷款结清证明", "loan_status": "住房公积金贷款情况证明"}[self.value]


KIND_LABELS = {kind.value: kind.title for kind in LoanCertificateKind}


class CertificateNotApplicable(RuleViolation):
    def __init__(self, detail: str, field: str | None = "kind"):
        super().__init__("CERTIFICATE_NOT_APPLICABLE", detail, field=field)


def kind_of(text: str) -> LoanCertificateKind:
    try:
        return LoanCertificateKind(text)
    except ValueError:
        raise CertificateNotApplicable(
            f"贷款业务不能开具此类证明（{text}）；可开具：贷款结清证明（payoff）、贷款情况证明（loan_status）；"
            "缴存证明、对账单请在“个人账户”中开具"
        ) from None


@dataclass(frozen=True)
class LoanFacts:
    name: str
    id_number: str
    contract_no: str
    bank_name: str
    amount: Decimal
    annual_rate: Decimal
    method: str
    term_months: int
    monthly_payment: Decimal
    disbursed_on: date
    status: str
    overdue: bool
    outstanding_principal: Decimal
    paid_off_on: date | None
    periods_paid: int
    periods_total: int
    next_due_date: date | None


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}元"


def _day(day: date | None) -> str:
    return f"{day:%Y年%m月%d日}" if day else "—"


def _contract(contract_no: str) -> str:
    return contract_no[:4] + "*" * max(len(contract_no) - 8, 0) + contract_no[-4:]


def choose_loan(kind: LoanCertificateKind, loans: list[LoanFacts]) -> LoanFacts:
    """Without a loan named, the newest one the certificate fits; with none, say what is missing."""
    if not loans:
        raise CertificateNotApplicable("您名下没有住房公积金贷款，不能开具贷款证明")
    wanted = LoanStatus.PAID_OFF if kind is LoanCertificateKind.PAYOFF else LoanStatus.REPAYING
    fitting = [loan for loan in loans if loan.status == wanted.value]
    if not fitting:
        check(kind, loans[0])
    return (fitting or loans)[0]


def check(kind: LoanCertificateKind, loan: LoanFacts) -> None:
    status = LoanStatus(loan.status)
    if kind is LoanCertificateKind.PAYOFF and status is not LoanStatus.PAID_OFF:
        raise CertificateNotApplicable("该笔贷款尚在还款中，全部结清后方可开具贷款结清证明；可开具贷款情况证明")
    if kind is LoanCertificateKind.LOAN_STATUS and status is not LoanStatus.REPAYING:
        raise CertificateNotApplicable("该笔贷款已结清，请开具贷款结清证明")


def loan_certificate(kind: LoanCertificateKind, loan: LoanFacts, center_name: str) -> CertificateContent:
    check(kind, loan)
    common = [
        ("贷款金额", _yuan(loan.amount)),
        ("贷款期限", f"{loan.term_months}个月"),
        ("还款方式", RepaymentMethod(loan.method).label),
        ("受托银行", loan.bank_name),
        ("放款日期", _day(loan.disbursed_on)),
    ]
    if kind is LoanCertificateKind.PAYOFF:
        common += [("贷款状态", "已结清"), ("结清日期", _day(loan.paid_off_on))]
        note = f"兹证明借款人{loan.name}的上述住房公积金贷款已全部结清，本息无拖欠。"
    else:
        common += [
            ("贷款年利率", f"{as_percent(loan.annual_rate)}%"),
            ("月还款额", _yuan(loan.monthly_payment)),
            ("贷款状态", LoanStanding(LoanStatus(loan.status), loan.overdue).label),
            ("剩余本金", _yuan(loan.outstanding_principal)),
            ("已还期数", f"{loan.periods_paid}/{loan.periods_total}期"),
            ("下次还款日", _day(loan.next_due_date)),
        ]
        note = f"兹证明借款人{loan.name}在本中心有住房公积金贷款一笔，截至开具之日情况如上。"
    printed = [("借款人", loan.name), ("证件号码", mask_id_number(loan.id_number)), ("合同编号", loan.contract_no)]
    public = [("借款人", mask_name(loan.name)), ("证件号码", mask_id_number(loan.id_number))]
    public.append(("合同编号", _contract(loan.contract_no)))
    return CertificateContent(
        title=kind.title,
        center_name=center_name,
        lines=(*printed, *common),
        public_lines=(*public, *common),
        note=note,
    )
