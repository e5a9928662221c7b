"""The annual interest settlement of one million accounts, against a plain UPDATE of the same table.

Run from the repository root: `.venv/bin/python -m bench.interest_settlement [accounts]` (PostgreSQL on 127.0.0.1;
the bench creates and drops its own database). Each account gets three monthly deposits, April-June 2026, so the
settlement of fund year 2026 reads three million ledger rows. The settlement is the service's own job
(services.accounts.cases.interest_settlement: one statement that computes every accumulation, credits the interest,
appends a 结息 entry per account and writes an `accounts.account.credited` outbox row per entry). The anchor is
`UPDATE fund_accounts SET balance = balance * 1.015` over the same table in the same run (rolled back, so
the settlement sees the real balances). Target: settlement ≤ 3 × the anchor and under 60 s.
"""

import sys
import time

from sqlalchemy import text

from bench.harness import Figure, report
from services.accounts.cases.interest_settlement import settle_fund_year
from services.accounts.domain.interest import FundYear
from services.accounts.scale import generate, scratch_database

ACCOUNTS = 1_000_000
MONTHS = 3
FUND_YEAR = 2026


def vacuum(runtime) -> None:
    with runtime.db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE fund_accounts, ledger_entries, outbox")
        )


def anchor_seconds(runtime) -> float:
    with runtime.db.engine.connect() as connection:
        transaction = connection.begin()
        started = time.perf_counter()
        connection.execute(text("UPDATE fund_accounts SET balance = balance * 1.015"))
        elapsed = time.perf_counter() - started
        transaction.rollback()
    return elapsed


def main() -> None:
    accounts = int(sys.argv[1]) if len(sys.argv) > 1 else ACCOUNTS
    with scratch_database() as runtime:
        started = time.perf_counter()
        generate(runtime.db, accounts, MONTHS, last_year=FUND_YEAR)
        print(f"[bench] {accounts:,} accounts × {MONTHS} months generated in {time.perf_counter() - started:.0f} s")
        vacuum(runtime)
        anchor = anchor_seconds(runtime)
        vacuum(runtime)

        started = time.perf_counter()
        with runtime.db.transaction() as session:
            outcome = settle_fund_year(session, FundYear(FUND_YEAR), runtime.config.interest_rules)
        settlement = time.perf_counter() - started
        settled = outcome.settlement
        print(
            f"[bench] settled {settled.accounts:,} accounts, {settled.total:,} yuan of interest in {settlement:.1f} s"
        )
        if settled.accounts != accounts:
            raise SystemExit(f"expected {accounts} accounts settled, got {settled.accounts}")
        anchor = min(anchor, anchor_seconds(runtime))

    report(
        Figure(
            name=f"interest settlement of {accounts:,} accounts (entries and outbox events included)",
            value=settlement,
            unit="s",
            anchor_name="UPDATE fund_accounts SET balance = balance * 1.015",
            anchor_value=anchor,
            higher_is_better=False,
            target="ratio ≤ 3 and settlement < 60 s",
        )
    )


if __name__ == "__main__":
    main()
