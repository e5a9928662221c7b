"""Importing depositors with their employer and account: validated by the domain, checked against the database,
written all or none, each announced with `accounts.depositor.registered`."""

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chassis.bus import publish
from services.accounts.config import AccountsConfig
from services.accounts.domain.depositor_import import DepositorRow
from services.accounts.domain.errors import ImportRejected, RowError
from services.accounts.events import DEPOSITOR_REGISTERED
from services.accounts.models import Depositor, Employer, FundAccount


def import_depositors(session: Session, rows: list[DepositorRow], config: AccountsConfig) -> list[FundAccount]:
    """Write every clean row (already validated by domain.depositor_import) or raise ImportRejected."""
    _refuse_known(session, rows)
    employers = _employers_for(session, rows)
    numbers = _AccountNumbers(session, config)
    accounts = []
    for row in rows:
        employer = employers[row.employer_account_no]
        depositor = Depositor(
            name=row.name, id_number=row.id_number, mobile=row.mobile, center=row.center, employer=employer
        )
        account = FundAccount(
            account_no=row.account_no or numbers.next(row.center),
            depositor=depositor,
            employer=employer,
            center=row.center,
            status="normal",
            deposit_base=row.deposit_base,
            employer_ratio=row.employer_ratio,
            personal_ratio=row.personal_ratio,
            unit_monthly=row.monthly.unit_amount,
            personal_monthly=row.monthly.personal_amount,
            monthly_amount=row.monthly.total,
            opened_on=row.opened_on,
            balance=Decimal("0.00"),
            reserved=Decimal("0.00"),
        )
        session.add(account)
        accounts.append(account)
    session.flush()
    for account in accounts:
        publish(session, DEPOSITOR_REGISTERED, registered_event(account))
    return accounts


def registered_event(account: FundAccount) -> dict:
    depositor = account.depositor
    return {
        "depositor_id": str(depositor.id),
        "center": depositor.center,
        "id_number": depositor.id_number,
        "name": depositor.name,
        "mobile": depositor.mobile,
        "account_no": account.account_no,
        "employer_name": account.employer.name,
        "status": account.status,
        "deposit_base": account.deposit_base,
        "monthly_amount": account.monthly_amount,
        "balance": account.balance,
        "opened_on": account.opened_on,
    }


def _refuse_known(session: Session, rows: list[DepositorRow]) -> None:
    """Rows naming a person or an account number the database already holds, each reported."""
    id_numbers = {row.id_number for row in rows}
    account_nos = {row.account_no for row in rows if row.account_no}
    known_people = set(session.scalars(select(Depositor.id_number).where(Depositor.id_number.in_(id_numbers))))
    known_accounts = set(session.scalars(select(FundAccount.account_no).where(FundAccount.account_no.in_(account_nos))))
    errors = []
    for row in rows:
        if row.id_number in known_people:
            errors.append(RowError(row.row, "id_number", "该身份证号已有公积金账户，不能重复开户"))
        if row.account_no and row.account_no in known_accounts:
            errors.append(RowError(row.row, "account_no", f"个人账号{row.account_no}已被使用"))
    employers = {
        employer.account_no: employer
        for employer in session.scalars(
            select(Employer).where(Employer.account_no.in_({row.employer_account_no for row in rows}))
        )
    }
    for row in rows:
        employer = employers.get(row.employer_account_no)
        if employer and (employer.name != row.employer_name or employer.center != row.center):
            message = f"单位账号{employer.account_no}已登记为{employer.center}的“{employer.name}”，与本条不一致"
            errors.append(RowError(row.row, "employer_account_no", message))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.row))


def _employers_for(session: Session, rows: list[DepositorRow]) -> dict[str, Employer]:
    """The employers the rows name, created from the first row that names a new one."""
    numbers = {row.employer_account_no for row in rows}
    employers = {
        employer.account_no: employer
        for employer in session.scalars(select(Employer).where(Employer.account_no.in_(numbers)))
    }
    for row in rows:
        if row.employer_account_no not in employers:
            employer = Employer(
                account_no=row.employer_account_no,
                name=row.employer_name,
                center=row.center,
                employer_ratio=row.employer_ratio,
                personal_ratio=row.personal_ratio,
            )
            session.add(employer)
            employers[row.employer_account_no] = employer
    return employers


class _AccountNumbers:
    """Centre prefix + an 8-digit sequence; the sequence continues after the highest one in use."""

    def __init__(self, session: Session, config: AccountsConfig):
        self.config = config
        highest = session.scalar(select(func.max(FundAccount.id))) or 0
        self.sequence = highest
        self.session = session
        self.taken: set[str] = set()

    def next(self, center: str) -> str:
        while True:
            self.sequence += 1
            number = f"{self.config.account_prefix(center)}{self.sequence:08d}"
            if number in self.taken:
                continue
            exists = self.session.scalar(select(FundAccount.id).where(FundAccount.account_no == number))
            if exists is None:
                self.taken.add(number)
                return number
