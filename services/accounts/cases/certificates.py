"""Issuing the depositor's certificates and checking a code: one transaction, the event through the outbox."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import publish
from chassis.certificates import records
from chassis.certificates.signing import display_code
from services.accounts.config import AccountsConfig
from services.accounts.domain.certificates import (
    AccountFacts,
    CertificateKind,
    StatementRow,
    check_period,
    deposit_certificate,
    kind_of,
    statement_certificate,
)
from services.accounts.domain.directory import default_directory
from services.accounts.domain.errors import RuleViolation
from services.accounts.domain.ledger import EntryKind
from services.accounts.events import CERTIFICATE_ISSUED
from services.accounts.models import Certificate, FundAccount, LedgerEntry

DEPOSIT_KINDS = (EntryKind.REGULAR_DEPOSIT.value, EntryKind.SUPPLEMENTARY_DEPOSIT.value)


def _facts(session: Session, account: FundAccount) -> AccountFacts:
    first = session.scalar(
        select(func.min(LedgerEntry.month)).where(
            LedgerEntry.account_id == account.id, LedgerEntry.kind.in_(DEPOSIT_KINDS)
        )
    )
    return AccountFacts(
        name=account.depositor.name,
        id_number=account.depositor.id_number,
        account_no=account.account_no,
        employer_name=account.employer.name,
        status=account.status,
        first_deposit_month=first,
        paid_up_to=account.paid_up_to,
        deposit_base=account.deposit_base,
        monthly_amount=account.monthly_amount,
        balance=account.balance,
    )


def _statement(session: Session, account: FundAccount, start: date, end: date) -> tuple[Decimal, list[StatementRow]]:
    before = session.scalars(
        select(LedgerEntry.balance_after)
        .where(LedgerEntry.account_id == account.id, LedgerEntry.posted_on < start)
        .order_by(LedgerEntry.posted_on.desc(), LedgerEntry.id.desc())
        .limit(1)
    ).first()
    entries = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.account_id == account.id, LedgerEntry.posted_on >= start, LedgerEntry.posted_on <= end)
        .order_by(LedgerEntry.posted_on, LedgerEntry.id)
    )
    rows = [StatementRow(e.posted_on, e.kind, e.summary, e.amount, e.balance_after) for e in entries]
    return (before if before is not None else Decimal("0.00")), rows


def issue_certificate(session: Session, account: FundAccount, config: AccountsConfig, request: dict) -> Certificate:
    """`request`: kind, from?, to?, include_balance?. Refuses a kind or period that does not apply (422)."""
    kind = kind_of(request["kind"])
    facts = _facts(session, account)
    center_name = default_directory().center(account.center).name
    if kind is CertificateKind.DEPOSIT:
        content = deposit_certificate(facts, center_name, bool(request.get("include_balance")))
    else:
        start, end = check_period(request.get("from"), request.get("to"), clock.today())
        opening, rows = _statement(session, account, start, end)
        content = statement_certificate(facts, center_name, start, end, opening, rows)
    certificate = records.issue(
        session, Certificate, config, account_no=account.account_no, kind=kind.value, content=content
    )
    publish(
        session,
        CERTIFICATE_ISSUED,
        {
            "certificate_id": certificate.id,
            "account_no": account.account_no,
            "kind": kind.value,
            "title": content.title,
            "verification_code": display_code(certificate.verification_code),
            "issued_at": certificate.issued_at,
            "expires_at": certificate.expires_at,
        },
    )
    return certificate


class CertificateNotFound(RuleViolation):
    def __init__(self):
        super().__init__("CERTIFICATE_NOT_FOUND", "该证明不存在")


def my_certificate(session: Session, account_no: str, certificate_id: str) -> Certificate:
    """One of the depositor's own certificates; someone else's simply is not found."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None or certificate.account_no != account_no:
        raise CertificateNotFound()
    return certificate


def my_certificates(session: Session, account_no: str) -> list[Certificate]:
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.account_no == account_no)
            .order_by(Certificate.issued_at.desc(), Certificate.id)
        )
    )


def verify(session: Session, config: AccountsConfig, code: str) -> records.Verified | None:
    return records.look_up(session, Certificate, config, code)
