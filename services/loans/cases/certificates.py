"""Issuing a borrower's loan certificates and checking a code: one transaction, the event through the outbox."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.bus import publish
from chassis.certificates import records
from chassis.certificates.signing import display_code
from services.loans.config import LoansConfig
from services.loans.domain.certificates import LoanFacts, check, choose_loan, kind_of, loan_certificate
from services.loans.domain.errors import RuleViolation
from services.loans.events import CERTIFICATE_ISSUED
from services.loans.models import Certificate, Loan


class LoanNotFound(RuleViolation):
    def __init__(self):
        super().__init__("LOAN_NOT_FOUND", "未找到该笔贷款", field="loan_id")


class CertificateNotFound(RuleViolation):
    def __init__(self):
        super().__init__("CERTIFICATE_NOT_FOUND", "该证明不存在")


def _facts(loan: Loan, config: LoansConfig) -> LoanFacts:
    upcoming = next((row for row in loan.installments if row.status != "paid"), None)
    return LoanFacts(
        name=loan.name,
        id_number=loan.id_number,
        contract_no=loan.contract_no,
        bank_name=config.bank_name(loan.entrusted_bank) or loan.entrusted_bank,
        amount=loan.amount,
        annual_rate=loan.annual_rate,
        method=loan.method,
        term_months=loan.term_months,
        monthly_payment=loan.monthly_payment,
        disbursed_on=loan.disbursed_on,
        status=loan.status,
        overdue=loan.overdue,
        outstanding_principal=loan.outstanding_principal,
        paid_off_on=loan.paid_off_on,
        periods_paid=sum(1 for row in loan.installments if row.status == "paid"),
        periods_total=len(loan.installments),
        next_due_date=upcoming.due_date if upcoming else None,
    )


def issue_certificate(session: Session, account_no: str, config: LoansConfig, request: dict) -> Certificate:
    """`request`: kind (payoff | loan_status), loan_id? (else the newest loan the kind fits)."""
    kind = kind_of(request["kind"])
    loans = list(
        session.scalars(select(Loan).where(Loan.account_no == account_no).order_by(Loan.disbursed_on.desc(), Loan.id))
    )
    if request.get("loan_id"):
        loan = next((item for item in loans if item.id == request["loan_id"]), None)
        if loan is None:
            raise LoanNotFound()
        check(kind, _facts(loan, config))
    else:
        chosen = choose_loan(kind, [_facts(item, config) for item in loans])
        loan = next(item for item in loans if item.contract_no == chosen.contract_no)
    content = loan_certificate(kind, _facts(loan, config), config.center_name(loan.center))
    certificate = records.issue(
        session, Certificate, config, account_no=account_no, kind=kind.value, content=content, loan_id=loan.id
    )
    publish(
        session,
        CERTIFICATE_ISSUED,
        {
            "certificate_id": certificate.id,
            "account_no": account_no,
            "loan_id": loan.id,
            "kind": kind.value,
            "title": content.title,
            "verification_code": display_code(certificate.verification_code),
            "issued_at": certificate.issued_at,
            "expires_at": certificate.expires_at,
        },
    )
    return certificate


def my_certificate(session: Session, account_no: str, certificate_id: str) -> Certificate:
    certificate = session.get(Certificate, certificate_id)
    if certificate is None or certificate.account_no != account_no:
        raise CertificateNotFound()
    return certificate


def my_certificates(session: Session, account_no: str) -> list[Certificate]:
    statement = select(Certificate).where(Certificate.account_no == account_no)
    return list(session.scalars(statement.order_by(Certificate.issued_at.desc(), Certificate.id)))


def verify(session: Session, config: LoansConfig, code: str) -> records.Verified | None:
    return records.look_up(session, Certificate, config, code)
