"""Loans once disbursed: opening one with its schedule, the monthly repayment run (the entrusted bank's
deductions, overdue marking with penalty interest, paying off), and the figures the depositor sees."""

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.bus import publish
from chassis.db import Database
from chassis.money import round_fen
from services.loans.config import LoansConfig
from services.loans.domain.calculator import calculate
from services.loans.domain.eligibility import add_months
from services.loans.domain.workflow import LoanStanding, LoanStatus
from services.loans.events import LOAN_DISBURSED, LOAN_OVERDUE, LOAN_PAID_OFF, REPAYMENT_DUE, REPAYMENT_POSTED
from services.loans.models import Installment, Loan, LoanApplication, Repayment

log = logging.getLogger("loans.repayments")
ZERO = Decimal("0.00")


def open_loan(session: Session, application: LoanApplication, disbursed_on: date) -> Loan:
    """The loan the bank disbursed: its contract, the calculator's schedule, a due date each month after."""
    plan = calculate(application.amount, application.term_months, application.method, application.annual_rate)
    loan = Loan(
        contract_no=application.contract_no,
        application_id=application.id,
        account_no=application.account_no,
        id_number=application.id_number,
        name=application.name,
        center=application.center,
        amount=application.amount,
        annual_rate=application.annual_rate,
        method=application.method,
        term_months=application.term_months,
        monthly_payment=plan.first_payment,
        entrusted_bank=application.entrusted_bank,
        disbursed_on=disbursed_on,
        first_due_date=add_months(disbursed_on, 1),
        status=LoanStatus.REPAYING.value,
        overdue=False,
        outstanding_principal=application.amount,
        penalty_accrued=ZERO,
    )
    session.add(loan)
    session.flush()
    session.add_all(
        Installment(
            loan_id=loan.id,
            period=row.period,
            # each due date from the disbursement day, so a 31st never drifts to the 28th for good
            due_date=add_months(disbursed_on, row.period),
            payment=row.payment,
            principal=row.principal,
            interest=row.interest,
            remaining=row.remaining,
            status="due",
            penalty=ZERO,
            reminded=False,
            overdue_notified=False,
        )
        for row in plan.schedule
    )
    publish(
        session,
        LOAN_DISBURSED,
        {
            "loan_id": loan.id,
            "contract_no": loan.contract_no,
            "application_id": application.id,
            "account_no": loan.account_no,
            "id_number": loan.id_number,
            "center": loan.center,
            "amount": loan.amount,
            "term_months": loan.term_months,
            "disbursed_on": disbursed_on,
            "first_due_date": loan.first_due_date,
            "monthly_payment": loan.monthly_payment,
            "co_borrower_id_number": application.co_borrower_id_number,
        },
    )
    return loan


@dataclass
class RunSummary:
    on: date
    posted: int = 0
    overdue: int = 0
    paid_off: int = 0
    reminded: int = 0
    contracts: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.on}: 扣款入账 {self.posted} 期，逾期 {self.overdue} 期，结清 {self.paid_off} 笔，"
            f"还款提醒 {self.reminded} 期"
        )


def run_repayments(db: Database, config: LoansConfig, on: date) -> RunSummary:
    """Post every instalment due by `on` (one transaction per loan); running the same day twice posts nothing."""
    summary = RunSummary(on)
    with db.transaction() as session:
        loan_ids = list(session.scalars(select(Loan.id).where(Loan.status == LoanStatus.REPAYING.value)))
    for loan_id in loan_ids:
        with db.transaction() as session:
            loan = session.get(Loan, loan_id)
            settle_loan(session, config, loan, on, summary)
    return summary


def settle_loan(session: Session, config: LoansConfig, loan: Loan, on: date, summary: RunSummary) -> None:
    deduction_fails = loan.contract_no in config.failing_contracts
    multiplier = Decimal(config.penalty_rate_multiplier)
    standing = LoanStanding(LoanStatus(loan.status), loan.overdue)
    for row in loan.installments:
        if row.status == "paid" or row.due_date > on:
            continue
        if deduction_fails:
            row.status = "overdue"
        if row.status == "overdue":
            # penalty interest (罚息): the contract rate raised by the multiplier, per day overdue
            days = (on - row.due_date).days
            row.penalty = round_fen(row.payment * loan.annual_rate * multiplier / 360 * days)
        if deduction_fails:
            standing = standing.mark_overdue()
            if not row.overdue_notified:
                row.overdue_notified = True
                summary.overdue += 1
                publish(session, LOAN_OVERDUE, _overdue_event(loan, row))
            continue
        _post(session, loan, row, on)
        summary.posted += 1
    still_overdue = any(row.status == "overdue" for row in loan.installments)
    if not still_overdue:
        standing = standing.clear_overdue()
    loan.overdue = standing.overdue
    loan.penalty_accrued = sum((row.penalty for row in loan.installments if row.status == "overdue"), ZERO)
    if all(row.status == "paid" for row in loan.installments):
        standing = standing.pay_off()
        loan.status, loan.paid_off_on = standing.status.value, on
        summary.paid_off += 1
        publish(session, LOAN_PAID_OFF, {**_loan_keys(loan), "paid_off_on": on})
    for row in loan.installments:
        if (
            row.status == "due"
            and not row.reminded
            and on < row.due_date <= date.fromordinal(on.toordinal() + config.due_reminder_days)
        ):
            row.reminded = True
            summary.reminded += 1
            publish(
                session,
                REPAYMENT_DUE,
                {**_loan_keys(loan), "period": row.period, "amount": row.payment, "due_date": row.due_date},
            )
    summary.contracts.append(loan.contract_no)


def _post(session: Session, loan: Loan, row: Installment, on: date) -> None:
    penalty = row.penalty if row.status == "overdue" else ZERO
    session.add(
        Repayment(
            loan_id=loan.id,
            period=row.period,
            paid_on=on,
            amount=row.payment + penalty,
            principal=row.principal,
            interest=row.interest,
            penalty=penalty,
            remaining=row.remaining,
            channel="bank_deduction",
        )
    )
    row.status, row.paid_on, row.penalty = "paid", on, penalty
    loan.outstanding_principal = row.remaining
    publish(
        session,
        REPAYMENT_POSTED,
        {
            **_loan_keys(loan),
            "period": row.period,
            "amount": row.payment + penalty,
            "principal": row.principal,
            "interest": row.interest,
            "penalty": penalty,
            "remaining": row.remaining,
            "paid_on": on,
        },
    )


def _loan_keys(loan: Loan) -> dict:
    return {
        "loan_id": loan.id,
        "contract_no": loan.contract_no,
        "account_no": loan.account_no,
        "id_number": loan.id_number,
    }


def _overdue_event(loan: Loan, row: Installment) -> dict:
    return {
        **_loan_keys(loan),
        "period": row.period,
        "amount_due": row.payment,
        "penalty": row.penalty,
        "due_date": row.due_date,
    }
