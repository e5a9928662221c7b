"""Tables of the loans service (its own database; nothing else reads it)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chassis.certificates.records import CertificateColumns
from chassis.db import BigId, Money, UtcDateTime
from chassis.revocation import revoked_sessions_table


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


# sessions ended before their tokens expire, fed by identity.session.revoked (chassis/revocation.py)
revoked_sessions = revoked_sessions_table(Base.metadata)


# --- eligibility read model: what accounts' and withdrawals' events told us --------------------------------


class Depositor(Base):
    """One fund account as accounts last described it (accounts.depositor.*, accounts.account.*)."""

    __tablename__ = "depositors"

    account_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(60))
    center: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    balance: Mapped[Decimal] = mapped_column(Money)
    deposit_base: Mapped[Decimal] = mapped_column(Money)
    # the event time of the latest balance and status we applied: older events arriving late are ignored
    balance_as_of: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status_as_of: Mapped[datetime | None] = mapped_column(UtcDateTime)


class BalancePosting(Base):
    """The balance after each posting accounts told us of, by its business day: an eligibility check as of a past
    day (the figures an application had at submission) sees the balance of that day."""

    __tablename__ = "balance_postings"
    __table_args__ = (Index("ix_balance_postings_account_day", "account_no", "posted_on", "occurred_at"),)

    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # accounts' ledger entry
    account_no: Mapped[str] = mapped_column(String(32))
    posted_on: Mapped[date] = mapped_column(Date)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)  # orders the postings of one day
    balance: Mapped[Decimal] = mapped_column(Money)


class DepositMonth(Base):
    """A month (YYYY-MM) deposited in full, and the day it was (a 补缴 pays a past month late): continuity is
    counted here, as of any day."""

    __tablename__ = "deposit_months"

    account_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    paid_on: Mapped[date | None] = mapped_column(Date)  # None for months recorded before it was kept


class WithdrawalInProgress(Base):
    """The latest state of each withdrawal application we heard of (withdrawals.application.*)."""

    __tablename__ = "withdrawal_states"

    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(24))


# --- applications and their review ---------------------------------------------------------------------


class LoanApplication(Base):
    __tablename__ = "loan_applications"
    __table_args__ = (
        # the queues: walk in submission order and keep the waiting states (a page reads ~50 / share rows)
        Index("ix_loan_applications_submitted", "submitted_at", "id"),
        # counts per state (index-only) and the status filter
        Index("ix_loan_applications_state_submitted", "state", "submitted_at"),
        # the console's centre filter, and its search by name (a prefix: LIKE '张%')
        Index("ix_loan_applications_center_state_submitted", "center", "state", "submitted_at"),
        Index("ix_loan_applications_name", "name", postgresql_ops={"name": "text_pattern_ops"}),  # LIKE 'x%'
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_no: Mapped[str] = mapped_column(String(24), unique=True)
    applicant_sub: Mapped[str] = mapped_column(String(64))
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(60))
    center: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money)
    term_months: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(24))
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(8, 6))
    monthly_income: Mapped[Decimal | None] = mapped_column(Money)
    repayment_card: Mapped[str] = mapped_column(String(32))
    entrusted_bank: Mapped[str] = mapped_column(String(16))
    house_address: Mapped[str] = mapped_column(String(200))
    house_area: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    house_price: Mapped[Decimal] = mapped_column(Money)
    first_home: Mapped[bool] = mapped_column(Boolean)
    new_house: Mapped[bool] = mapped_column(Boolean)
    co_borrower_id_number: Mapped[str | None] = mapped_column(String(18))
    co_borrower_name: Mapped[str | None] = mapped_column(String(60))
    # the eligibility answer at submission, as JSON, shown again on the case page
    eligibility: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(32))
    preliminary_reviewer: Mapped[str | None] = mapped_column(String(64))
    contract_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    # the entrusted bank's records (console steps 签订合同, 抵押登记, 放款)
    contract_signed_on: Mapped[date | None] = mapped_column(Date)
    mortgage_registration_no: Mapped[str | None] = mapped_column(String(40))
    disbursed_amount: Mapped[Decimal | None] = mapped_column(Money)
    disbursed_on: Mapped[date | None] = mapped_column(Date)
    disbursement_account: Mapped[str | None] = mapped_column(String(32))  # masked wherever shown
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    # two officers acting at once: the second UPDATE matches no row (StaleDataError → 409)
    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    transitions: Mapped[list["ApplicationTransition"]] = relationship(
        order_by="ApplicationTransition.id", back_populates="application"
    )


class ApplicationTransition(Base):
    """A line of the timeline: the state reached, when, by whom, in which role, with what opinion."""

    __tablename__ = "loan_application_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(24))
    opinion: Mapped[str | None] = mapped_column(String(500))

    application: Mapped[LoanApplication] = relationship(back_populates="transitions")


# --- loans, schedules, repayments ----------------------------------------------------------------------


class Loan(Base):
    __tablename__ = "loans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    contract_no: Mapped[str] = mapped_column(String(32), unique=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("loan_applications.id"), unique=True)
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(60))
    center: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money)
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(8, 6))
    method: Mapped[str] = mapped_column(String(24))
    term_months: Mapped[int] = mapped_column(Integer)
    monthly_payment: Mapped[Decimal] = mapped_column(Money)
    entrusted_bank: Mapped[str] = mapped_column(String(16))
    disbursed_on: Mapped[date] = mapped_column(Date)
    first_due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="repaying")  # repaying | paid_off
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    outstanding_principal: Mapped[Decimal] = mapped_column(Money)
    penalty_accrued: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    paid_off_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    installments: Mapped[list["Installment"]] = relationship(order_by="Installment.period", back_populates="loan")
    # the application it came from, for its business number (DK...): what the depositor reads, never the id
    application: Mapped[LoanApplication] = relationship(viewonly=True)


class Installment(Base):
    """One month of a loan's schedule and what became of it (due, paid, overdue)."""

    __tablename__ = "loan_installments"
    __table_args__ = (Index("ix_loan_installments_due", "status", "due_date"),)

    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    payment: Mapped[Decimal] = mapped_column(Money)
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    remaining: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(12), default="due")  # due | overdue | paid
    penalty: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_on: Mapped[date | None] = mapped_column(Date)
    # once paid: the part taken from fund accounts (entrusted withdrawal) and the part deducted from the card
    fund_amount: Mapped[Decimal | None] = mapped_column(Money)
    card_amount: Mapped[Decimal | None] = mapped_column(Money)

    loan: Mapped[Loan] = relationship(back_populates="installments")


class Repayment(Base):
    """A posted repayment (the entrusted bank's deduction): one per instalment."""

    __tablename__ = "loan_repayments"
    __table_args__ = (UniqueConstraint("loan_id", "period", name="uq_loan_repayments_period"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"), index=True)
    period: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    penalty: Mapped[Decimal] = mapped_column(Money)
    remaining: Mapped[Decimal] = mapped_column(Money)
    channel: Mapped[str] = mapped_column(String(24), default="bank_deduction")  # or entrusted_withdrawal
    fund_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    card_amount: Mapped[Decimal | None] = mapped_column(Money)


class Prepayment(Base):
    """A prepayment application (提前部分还款 / 提前结清) on a loan, and the figures it was quoted and applied with."""

    __tablename__ = "prepayments"
    __table_args__ = (Index("ix_prepayments_state_submitted", "state", "submitted_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    prepayment_no: Mapped[str] = mapped_column(String(24), unique=True)  # TH…: what the borrower reads
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"), index=True)
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    full: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[Decimal] = mapped_column(Money)  # a full payoff's: the principal owed when it was figured
    mode: Mapped[str | None] = mapped_column(String(16))  # shorten_term | reduce_payment; None for a payoff
    source: Mapped[str] = mapped_column(String(16))  # card | fund_account
    state: Mapped[str] = mapped_column(String(16))
    # the loan id while the prepayment is open, NULL once finished: one open prepayment per loan, held by the
    # database even when two applications race
    open_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    quoted: Mapped[str] = mapped_column(Text)  # the figures shown when applying (JSON)
    applied: Mapped[str | None] = mapped_column(Text)  # the figures the schedule was recomputed with (JSON)
    deduction_id: Mapped[str | None] = mapped_column(String(36), unique=True)  # the fund deduction that pays it
    opinion: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    transitions: Mapped[list["PrepaymentTransition"]] = relationship(
        order_by="PrepaymentTransition.id", back_populates="prepayment"
    )
    loan: Mapped[Loan] = relationship(viewonly=True)


class PrepaymentTransition(Base):
    """A line of a prepayment's timeline."""

    __tablename__ = "prepayment_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    prepayment_id: Mapped[str] = mapped_column(ForeignKey("prepayments.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(24))
    opinion: Mapped[str | None] = mapped_column(String(500))

    prepayment: Mapped[Prepayment] = relationship(back_populates="transitions")


class FundDeduction(Base):
    """Money loans asked withdrawals to take from a fund account for a loan (loans.fund_deduction.requested), and
    what came of it (withdrawals.fund_deduction.settled): a prepayment or a month's instalment."""

    __tablename__ = "fund_deductions"
    __table_args__ = (Index("ix_fund_deductions_state_requested", "state", "requested_at"),)

    deduction_id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"), index=True)
    account_no: Mapped[str] = mapped_column(String(32))  # whose fund account pays (the borrower's or spouse's)
    purpose: Mapped[str] = mapped_column(String(16))  # prepayment | instalment
    period: Mapped[int | None] = mapped_column(Integer)  # the instalment's month
    amount: Mapped[Decimal] = mapped_column(Money)
    allow_partial: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16))  # requested | paid | failed
    amount_paid: Mapped[Decimal | None] = mapped_column(Money)
    reason_code: Mapped[str | None] = mapped_column(String(48))
    reason: Mapped[str | None] = mapped_column(String(300))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ConsoleAuditEntry(Base):
    """Who looked at or did what in the reviewer console (every view of a case is recorded): the shape every
    console's trail shares (chassis.console.StaffConsole.audit)."""

    __tablename__ = "console_audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    staff: Mapped[str] = mapped_column(String(64), index=True)
    staff_name: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))  # login | logout | view_queue | search | view_case | transition
    subject: Mapped[str | None] = mapped_column("application_id", String(36), index=True)  # the application
    detail: Mapped[str | None] = mapped_column(String(200))
    sentence: Mapped[str | None] = mapped_column(String(300))  # 王建国将贷款申请 DK… 办理为「初审通过」
    client_ip: Mapped[str | None] = mapped_column(String(64))


class Certificate(CertificateColumns, Base):
    """An issued loan certificate (贷款结清证明, 贷款情况证明): its facts as printed, signed (chassis.certificates)."""

    __tablename__ = "certificates"

    loan_id: Mapped[str] = mapped_column(String(36), index=True)


# --- monthly entrusted withdrawal (委托提取住房公积金偿还贷款) --------------------------------------------------


class EntrustedSignup(Base):
    """Withdrawals' sign-up of a loan for the monthly entrusted withdrawal, kept from its events (a read model):
    whose fund accounts pay each due date, the borrower's first, then the spouse's."""

    __tablename__ = "entrusted_signups"

    loan_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entrusted_id: Mapped[str] = mapped_column(String(36))
    account_no: Mapped[str] = mapped_column(String(32))
    spouse_account_no: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)  # the event's time: a late, older event never wins


class EntrustedMonth(Base):
    """One month of the entrusted withdrawal of a loan, from the first request to its posting. The key (loan,
    period) is the guard against a month taken twice: two repayment runs at once cannot both start it."""

    __tablename__ = "entrusted_months"
    __table_args__ = (Index("ix_entrusted_months_state_updated", "state", "updated_at"),)

    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)  # the instalment to cover
    # taking (a deduction asked, no answer yet) | retrying (an attempt failed; asked again on next_try_on)
    # | taken (the fund accounts gave what they could; the card covers the rest) | posted
    state: Mapped[str] = mapped_column(String(12))
    payer: Mapped[str] = mapped_column(String(8))  # borrower | spouse: whose account is asked now
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # of the current payer
    deduction_id: Mapped[str | None] = mapped_column(String(36))
    borrower_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    spouse_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    card_amount: Mapped[Decimal | None] = mapped_column(Money)
    last_failure: Mapped[str | None] = mapped_column(String(300))
    next_try_on: Mapped[date | None] = mapped_column(Date)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @property
    def fund_amount(self) -> Decimal:
        return self.borrower_amount + self.spouse_amount
