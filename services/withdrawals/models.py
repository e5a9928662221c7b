"""Tables of the withdrawals service (its own database; nothing else reads it)."""

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.db import Money, UtcDateTime
from chassis.revocation import revoked_sessions_table


class Base(DeclarativeBase):
    pass


# sessions ended before their tokens expire, fed by identity.session.revoked (chassis/revocation.py)
revoked_sessions = revoked_sessions_table(Base.metadata)


class Applicant(Base):
    """What withdrawals knows of a depositor, kept from accounts' and loans' events (a read model)."""

    __tablename__ = "applicants"

    account_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    center: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    balance: Mapped[Decimal] = mapped_column(Money)
    # the occurred_at of the event the balance came from: an older posting arriving late never wins
    balance_as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    status_as_of: Mapped[datetime] = mapped_column(UtcDateTime)


class DepositMonth(Base):
    """One month the depositor paid into the fund (regular or supplementary); continuity is counted from these."""

    __tablename__ = "deposit_months"

    account_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM


class FundLoan(Base):
    """A provident fund loan of a depositor; `paid_off` wins over a late `disbursed`."""

    __tablename__ = "fund_loans"

    loan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(16))  # open | paid_off
    contract_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # the co-borrowing spouse of the application (loans.loan.disbursed): whose account may join the entrusted
    # withdrawal
    co_borrower_id_number: Mapped[str | None] = mapped_column(String(18), nullable=True)


class EntrustedRepayment(Base):
    """A borrower's sign-up for the monthly entrusted withdrawal (委托提取住房公积金偿还贷款): each due date the
    instalment is taken from the fund account (then the spouse's, when joined), the rest from the card."""

    __tablename__ = "entrusted_repayments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    loan_id: Mapped[str] = mapped_column(String(64), index=True)
    contract_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    id_number: Mapped[str] = mapped_column(String(18))
    spouse_account_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    spouse_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(String(16))  # active | cancelled | ended (the loan paid off)
    # equals loan_id while active, NULL after: one active sign-up per loan, held by the database
    active_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    signed_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_state", "state"),
        # the console's queues: a state in submission order, the centre filter, the search by number, ID or name
        Index("ix_applications_state_created", "state", "created_at", "id"),
        Index("ix_applications_center_state_created", "center", "state", "created_at"),
        Index("ix_applications_id_number", "id_number"),
        Index("ix_applications_name", "name", postgresql_ops={"name": "text_pattern_ops"}),  # LIKE 'x%'
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_no: Mapped[str] = mapped_column(String(32), unique=True)
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    center: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(4))
    reason_name: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    closes_account: Mapped[bool] = mapped_column(default=False)
    bank_card: Mapped[str] = mapped_column(String(19))  # full number for the bank; masked in every response
    reason_fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # the house or loan a once-per-reference reason was used for (contract, permit number)
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    accepted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    appointment_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    payment_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # equals account_no while the case is under way, NULL once finished: one case in progress per person,
    # held by the database even when two submissions race
    in_progress_key: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    submitted_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}


class Payment(Base):
    """The bank payment of an approved case: requested (in the saga's transaction) → sent (just before the bank is
    asked, outside any transaction) → confirmed or failed (the bank's answer). The application number is the
    bank's idempotency key, so a `sent` payment whose answer was lost is asked again and answered the same."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_state_due", "state", "due_at"),)

    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True)  # the application number
    amount: Mapped[Decimal] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(16))  # requested | sent | confirmed | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # when the loop may (again) ask the bank: at once when requested, after the resend period once sent
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    bank_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failure: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class FundDeduction(Base):
    """A deduction loans asked for (loans.fund_deduction.requested) and the reason-06 case that makes it: one case
    per deduction, however often the request is delivered; `outcome` is set once its settlement is announced."""

    __tablename__ = "fund_deductions"
    __table_args__ = (Index("ix_fund_deductions_outcome_requested", "outcome", "requested_at"),)

    deduction_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), unique=True)
    loan_id: Mapped[str] = mapped_column(String(64), index=True)
    loan_number: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(16))  # prepayment | instalment
    period: Mapped[int | None] = mapped_column(Integer, nullable=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    allow_partial: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # paid | failed, once announced
    reason_code: Mapped[str | None] = mapped_column(String(48), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TimelineStep(Base):
    """One step of an application's progress: a state change or a step of the payment saga."""

    __tablename__ = "timeline_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))  # a state, or funds_reserved, funds_released, debited
    label: Mapped[str] = mapped_column(String(64))
    state_from: Mapped[str | None] = mapped_column(String(16), nullable=True)
    actor_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    cause: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    center: Mapped[str] = mapped_column(String(32))
    branch_code: Mapped[str] = mapped_column(String(32))
    branch_name: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(4))
    reason_name: Mapped[str] = mapped_column(String(64))
    slot_start: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    slot_end: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))
    # "<account_no>:<reason>" while booked, NULL after: one active appointment per person and reason
    active_key: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    application_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reminded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SlotSeat(Base):
    """A taken place of a slot. Seats are numbered 1..capacity and unique per slot, so however many bookings
    race, no slot holds more than its places — on SQLite and PostgreSQL alike. Cancelling frees the seat."""

    __tablename__ = "slot_seats"
    __table_args__ = (UniqueConstraint("branch_code", "slot_start", "seat_no", name="uq_slot_seat"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    branch_code: Mapped[str] = mapped_column(String(32))
    slot_start: Mapped[datetime] = mapped_column(UtcDateTime)
    seat_no: Mapped[int] = mapped_column(Integer)
    appointment_id: Mapped[str] = mapped_column(String(36), unique=True)


class ConsoleAudit(Base):
    """Who looked at or acted on what in the console (case views included): the shape every console's trail
    shares (chassis.console.StaffConsole.audit)."""

    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff: Mapped[str] = mapped_column("staff_id", String(64), index=True)
    staff_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    sentence: Mapped[str | None] = mapped_column(String(300), nullable=True)
    client_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
