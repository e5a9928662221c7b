"""The centre's operations, one transaction each, shared by the staff API and the `flask` CLI commands."""

from datetime import date
from typing import Any

from chassis import clock
from chassis.runtime import Runtime
from services.accounts.cases.account_changes import change_mobile, set_sealed
from services.accounts.cases.deposit_batches import run_deposit_batch
from services.accounts.cases.interest_settlement import settle_fund_year
from services.accounts.cases.onboarding import import_depositors
from services.accounts.domain.depositor_import import validate_csv, validate_rows
from services.accounts.domain.deposits import DepositKind, YearMonth
from services.accounts.domain.directory import default_directory
from services.accounts.domain.interest import FundYear


def import_records(runtime: Runtime, records: list[Any] | str, today: date | None = None) -> dict:
    """A JSON list of rows or CSV text: all imported, or ImportRejected listing every bad row."""
    today = today or clock.today()
    if isinstance(records, str):
        rows = validate_csv(records, default_directory(), today)
    else:
        rows = validate_rows(records, default_directory(), today)
    with runtime.db.transaction() as session:
        accounts = import_depositors(session, rows, runtime.config)
        return {"imported": len(accounts), "account_nos": [account.account_no for account in accounts]}


def deposit_batch(
    runtime: Runtime,
    employer_account_no: str,
    month: str,
    kind: str = "regular",
    posted_on: date | None = None,
    account_nos: list[str] | None = None,
) -> dict:
    with runtime.db.transaction() as session:
        outcome = run_deposit_batch(
            session,
            employer_account_no,
            YearMonth.parse(month),
            DepositKind(kind),
            posted_on or clock.today(),
            account_nos,
        )
        batch = outcome.batch
        return {
            "batch_id": batch.id,
            "employer_account_no": outcome.employer.account_no,
            "month": batch.month,
            "kind": batch.kind,
            "posted_on": batch.posted_on,
            "accounts": batch.accounts,
            "total": batch.total,
            "replayed": outcome.replayed,
            "skipped": outcome.skipped,
        }


def settle_interest(runtime: Runtime, fund_year: int) -> dict:
    with runtime.db.transaction() as session:
        outcome = settle_fund_year(session, FundYear(fund_year), runtime.config.interest_rules)
        settlement = outcome.settlement
        return {
            "fund_year": settlement.fund_year,
            "settled_on": settlement.settled_on,
            "annual_rate": settlement.annual_rate,
            "accounts": settlement.accounts,
            "total": settlement.total,
            "replayed": outcome.replayed,
        }


def change_reserved_mobile(runtime: Runtime, account_no: str, mobile: str):
    with runtime.db.transaction() as session:
        return change_mobile(session, account_no, mobile)


def seal_account(runtime: Runtime, account_no: str, sealed: bool, on: date | None = None):
    with runtime.db.transaction() as session:
        return set_sealed(session, account_no, sealed, on or clock.today())
