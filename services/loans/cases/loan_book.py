"""Loans once disbursed: opening one with its schedule, the monthly repayment run (the entrusted withdrawal from
fund accounts where signed up, the entrusted bank's card deductions, overdue marking with penalty interest, paying
off), and the figures the depositor sees."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from chassis import clock
from chassis.bus import publish
from chassis.db import Database
from chassis.money import round_fen
from services.loans.cases import entrusted_withdrawals as entrusted
from services.loans.config import LoansConfig
from services.loans.domain.calculator import Installment as PlannedMonth
from services.loans.domain.calculator import calculate
from services.loans.domain.eligibility import add_months
from services.loans.domain.workflow import LoanStanding, LoanStatus
from services.loans.events import LOAN_DISBURSED, LOAN_OVERDUE, LOAN_PAID_OFF, REPAYMENT_DUE, REPAYMENT_POSTED
from services.loans.models import (
    EntrustedMonth,
    EntrustedSignup,
    FundDeduction,
    Installment,
    Loan,
    LoanApplication,
    Repayment,
)

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
    session.add_all(installments_of(loan, plan.schedule))
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
    entrusted: int = 0  # months whose fund withdrawal was asked for (first time or again)
    waiting: int = 0  # months whose fund withdrawal has not answered yet
    contracts: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.on}: 扣款入账 {self.posted} 期，逾期 {self.overdue} 期，结清 {self.paid_off} 笔，"
            f"还款提醒 {self.reminded} 期，委托提取发起 {self.entrusted} 期，等待提取结果 {self.waiting} 期"
        )


def installments_of(loan: Loan, schedule: Iterable[PlannedMonth]) -> list[Installment]:
    """The months of a schedule (the calculator's rows) as the loan's instalments, each due the same day of the month
    as the disbursement, so a 31st never drifts to the 28th for good."""
    return [
        Installment(
            loan_id=loan.id,
            period=row.period,
            due_date=add_months(loan.disbursed_on, row.period),
            payment=row.payment,
            principal=row.principal,
            interest=row.interest,
            remaining=row.remaining,
            status="due",
            penalty=ZERO,
            reminded=False,
            overdue_notified=False,
        )
        for row in schedule
    ]


def run_entrusted_withdrawals(db: Database, on: date) -> RunSummary:
    """The entrusted withdrawal's own run, ahead of the repayment run: ask the fund accounts for every month due by
    `on` of the signed-up loans (and again for failed months due a retry), so their answers are in when the
    repayment run posts. Idempotent per loan and month; the repayment run asks too if this one did not run."""
    summary = RunSummary(on)
    with db.transaction() as session:
        loan_ids = list(
            session.scalars(
                select(Loan.id)
                .join(EntrustedSignup, EntrustedSignup.loan_id == Loan.id)
                .where(Loan.status == LoanStatus.REPAYING.value, EntrustedSignup.active.is_(True))
            )
        )
    for loan_id in loan_ids:
        try:
            with db.transaction() as session:
                loan = session.get(Loan, loan_id, with_for_update=True)
                signup = entrusted.active_signup(session, loan)
                for row in loan.installments:
                    if row.status != "paid" and row.due_date <= on:
                        _month, step = entrusted.take_month(session, loan, row, on, signup)
                        summary.entrusted += step == entrusted.ASKED
                        summary.waiting += step == entrusted.WAITING
        except (IntegrityError, StaleDataError):
            log.info("entrusted withdrawal: loan %s taken by another run meanwhile, left to it", loan_id)
    return summary


def run_repayments(db: Database, config: LoansConfig, on: date) -> RunSummary:
    """Post every instalment due by `on` (one transaction per loan); running the same day twice posts nothing."""
    summary = RunSummary(on)
    with db.transaction() as session:
        loan_ids = list(session.scalars(select(Loan.id).where(Loan.status == LoanStatus.REPAYING.value)))
    for loan_id in loan_ids:
        try:
            with db.transaction() as session:
                loan = session.get(Loan, loan_id, with_for_update=True)
                settle_loan(session, config, loan, on, summary)
        except (IntegrityError, StaleDataError):
            # another run (or the settlement consumer) took this loan's month at the same moment: it stands
            log.info("repayment run: loan %s changed by another run meanwhile, left to it", loan_id)
    return summary


def settle_loan(session: Session, config: LoansConfig, loan: Loan, on: date, summary: RunSummary) -> None:
    deduction_fails = loan.contract_no in config.failing_contracts
    multiplier = Decimal(config.penalty_rate_multiplier)
    standing = LoanStanding(LoanStatus(loan.status), loan.overdue)
    signup = entrusted.active_signup(session, loan)
    for row in loan.installments:
        if row.status == "paid" or row.due_date > on:
            continue
        month, step = entrusted.take_month(session, loan, row, on, signup)
        if step != entrusted.READY:
            summary.entrusted += step == entrusted.ASKED
            summary.waiting += step == entrusted.WAITING
            continue
        fund = month.fund_amount if month is not None else ZERO
        if deduction_fails and fund >= row.payment:
            deduction_fails = False  # nothing left for the card to fail on
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
        _post(session, loan, row, on, month)
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


def _post(session: Session, loan: Loan, row: Installment, on: date, month: EntrustedMonth | None = None) -> None:
    """Post the instalment: what the fund accounts gave (entrusted withdrawal), the rest from the card."""
    penalty = row.penalty if row.status == "overdue" else ZERO
    fund = month.fund_amount if month is not None else ZERO
    card = row.payment + penalty - fund
    if month is not None:
        month.state, month.card_amount, month.updated_at = entrusted.POSTED, card, clock.now()
    row.fund_amount, row.card_amount = fund, card
    # a month can post after a later one (its fund withdrawal still waiting when the next was answered): the
    # principal owed only ever goes down, and the borrower is told what is owed now
    loan.outstanding_principal = min(loan.outstanding_principal, row.remaining)
    session.add(
        Repayment(
            loan_id=loan.id,
            period=row.period,
            paid_on=on,
            amount=row.payment + penalty,
            principal=row.principal,
            interest=row.interest,
            penalty=penalty,
            remaining=loan.outstanding_principal,
            channel="entrusted_withdrawal" if fund > 0 else "bank_deduction",
            fund_amount=fund,
            card_amount=card,
        )
    )
    row.status, row.paid_on, row.penalty = "paid", on, penalty
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
            "remaining": loan.outstanding_principal,
            "paid_on": on,
            "fund_amount": fund,
            "card_amount": card,
        },
    )


def on_fund_deduction_settled(session: Session, config: LoansConfig, deduction: FundDeduction) -> None:
    """A month's fund withdrawal answered (withdrawals.fund_deduction.settled, purpose instalment): once the fund
    accounts have given what they could, the month posts at once, the card paying the rest."""
    entrusted.on_instalment_settled(session, deduction, config)
    month = session.get(EntrustedMonth, (deduction.loan_id, deduction.period))
    if month is not None and month.state == entrusted.TAKEN:
        loan = session.get(Loan, deduction.loan_id, with_for_update=True)
        settle_loan(session, config, loan, max(clock.today(), month.due_date), RunSummary(clock.today()))


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
