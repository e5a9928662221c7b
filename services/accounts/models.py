"""Tables of the accounts service (its own database; nothing else reads it).

Centres and branches are content (content/centers.json), not rows. Money columns hold whole fen (chassis.db.Money).
The ledger is append-only: every change of a balance is one `ledger_entries` row written in the same transaction
as the account's new balance, so balance = the sum of the account's entries and each row carries the balance
after it. The database itself refuses a negative reservation or an available balance below zero.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chassis import clock
from chassis.certificates.records import CertificateColumns
from chassis.db import BigId, Money, UtcDateTime
from chassis.revocation import revoked_sessions_table


def _now() -> datetime:
    return clock.now()


class Base(DeclarativeBase):
    pass


# sessions ended before their tokens expire, fed by identity.session.revoked (chassis/revocation.py)
revoked_sessions = revoked_sessions_table(Base.metadata)


class Employer(Base):
    """A depositing unit (单位) with its unit account number and default ratios."""

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_no: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    center: Mapped[str] = mapped_column(String(20))
    employer_ratio: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    personal_ratio: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class Depositor(Base):
    """A depositing employee (缴存职工): who they are and the mobile reserved at the centre."""

    __tablename__ = "depositors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(30))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    mobile: Mapped[str] = mapped_column(String(11))
    center: Mapped[str] = mapped_column(String(20))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)

    employer: Mapped[Employer] = relationship(lazy="joined", innerjoin=True)


class FundAccount(Base):
    """A personal provident fund account (个人账户): status, deposit terms, balance and reserved money."""

    __tablename__ = "fund_accounts"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="ck_fund_accounts_reserved_not_negative"),
        CheckConstraint("balance - reserved >= 0", name="ck_fund_accounts_available_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_no: Mapped[str] = mapped_column(String(20), unique=True)
    depositor_id: Mapped[int] = mapped_column(ForeignKey("depositors.id"), unique=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    center: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="normal")
    deposit_base: Mapped[Decimal] = mapped_column(Money)
    employer_ratio: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    personal_ratio: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    unit_monthly: Mapped[Decimal] = mapped_column(Money)
    personal_monthly: Mapped[Decimal] = mapped_column(Money)
    monthly_amount: Mapped[Decimal] = mapped_column(Money)
    paid_up_to: Mapped[str | None] = mapped_column(String(7), nullable=True)  # YYYY-MM
    opened_on: Mapped[date] = mapped_column(Date)
    balance: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    reserved: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    depositor: Mapped[Depositor] = relationship(lazy="joined", innerjoin=True)
    employer: Mapped[Employer] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    @property
    def available(self) -> Decimal:
        return self.balance - self.reserved


class LedgerEntry(Base):
    """One posting, never updated or deleted: `amount` is signed (a withdrawal is negative)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        # the statement of one account by date: its cost follows the account's rows, not the table's
        Index("ix_ledger_entries_account_posted", "account_id", "posted_on", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"))
    posted_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(24))  # domain.ledger.EntryKind
    summary: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    balance_after: Mapped[Decimal] = mapped_column(Money)
    month: Mapped[str | None] = mapped_column(String(7), nullable=True)  # the deposit's YYYY-MM
    unit_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    personal_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Reservation(Base):
    """Money earmarked for one approved withdrawal application: reserved → debited, or released; or failed."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("fund_accounts.id"), nullable=True, index=True)
    account_no: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(10))  # reserved | released | debited | failed
    closes_account: Mapped[bool] = mapped_column(Boolean, default=False)
    failure_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now, onupdate=_now)


class DepositBatch(Base):
    """One employer's deposit for one month and kind: the row that makes a batch run at most once."""

    __tablename__ = "deposit_batches"
    __table_args__ = (UniqueConstraint("employer_id", "month", "kind", name="uq_deposit_batches_employer_month_kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(16))  # regular | supplementary
    posted_on: Mapped[date] = mapped_column(Date)
    accounts: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class InterestSettlement(Base):
    """The settlement of one fund year: the row that makes it run at most once."""

    __tablename__ = "interest_settlements"

    fund_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    settled_on: Mapped[date] = mapped_column(Date)
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(6, 5))
    accounts: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class Certificate(CertificateColumns, Base):
    """An issued certificate (缴存证明, 对账单): its facts as printed, signed (chassis.certificates)."""

    __tablename__ = "certificates"
