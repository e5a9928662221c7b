"""A depositor's statement query at 100 thousand ledger rows and at a much larger ledger, on PostgreSQL.

Run from the repository root: `.venv/bin/python -m bench.statement_query` (PostgreSQL on 127.0.0.1; the bench
creates and drops its own database). The query is the API's: the account by number, the count of its rows and
the newest page of 20 (services.accounts.api.depositor.statement_query + chassis.api.paginate). Every account has 50
monthly rows, written month by month across all accounts as real batches arrive, so one account's rows are
scattered over the table. The large ledger aims at 10 million rows and stops growing after about two minutes of
COPY; the figure says how many rows it reached. The figure is p99 at the large size over p99 at 100 thousand
(target ≤ 1.5: the cost follows the account's rows, not the table's).
"""

import random
import sys
import time

from sqlalchemy import select

from bench.harness import Figure, latencies, percentile, report
from chassis.api import paginate
from services.accounts.api.depositor import statement_query
from services.accounts.models import FundAccount
from services.accounts.scale import generate, scratch_database

MONTHS = 50
SMALL_DEPOSITORS = 2_000  # × 50 months = 100,000 rows
CHUNK_DEPOSITORS = 40_000  # 2,000,000 rows per COPY
TARGET_ROWS = 10_000_000
GROWTH_BUDGET_SECONDS = 120
QUERIES = 2_000
ARGS = {"date_from": None, "date_to": None, "page": 1, "page_size": 20}


def measure(runtime, accounts: int, seed: int) -> list[float]:
    """Milliseconds per statement query for `QUERIES` random accounts among the first `accounts`."""
    chooser = random.Random(seed)
    db = runtime.db

    def one_statement() -> None:
        number = f"99{chooser.randint(1, accounts):010d}"
        with db.transaction() as session:
            account = session.scalars(select(FundAccount).where(FundAccount.account_no == number)).one()
            page = paginate(session, statement_query(account, None, ARGS), ARGS)
            assert page["total"] == MONTHS and len(page["items"]) == 20

    latencies(one_statement, 200)  # warm the pool and the plan cache
    return latencies(one_statement, QUERIES)


def main() -> None:
    with scratch_database() as runtime:
        generate(runtime.db, SMALL_DEPOSITORS, MONTHS)
        small = measure(runtime, SMALL_DEPOSITORS, seed=1)
        small_p50, small_p99 = percentile(small, 50), percentile(small, 99)
        print(f"[bench] 100,000 rows: p50 {small_p50:.2f} ms, p99 {small_p99:.2f} ms", flush=True)

        depositors, started = SMALL_DEPOSITORS, time.perf_counter()
        while depositors * MONTHS < TARGET_ROWS and time.perf_counter() - started < GROWTH_BUDGET_SECONDS:
            generate(runtime.db, CHUNK_DEPOSITORS, MONTHS)
            depositors += CHUNK_DEPOSITORS
            print(
                f"[bench] ledger at {depositors * MONTHS:,} rows after {time.perf_counter() - started:.0f} s",
                flush=True,
            )
        rows = depositors * MONTHS
        large = measure(runtime, depositors, seed=2)
        large_p50, large_p99 = percentile(large, 50), percentile(large, 99)
        print(f"[bench] {rows:,} rows: p50 {large_p50:.2f} ms, p99 {large_p99:.2f} ms", flush=True)

    report(
        Figure(
            name=f"statement query p99 at {rows:,} ledger rows (p50 {large_p50:.2f} ms)",
            value=large_p99,
            unit="ms",
            anchor_name=f"the same query at 100,000 rows (p50 {small_p50:.2f} ms)",
            anchor_value=small_p99,
            higher_is_better=False,
            target="ratio ≤ 1.5 (cost does not grow with the table)",
        )
    )


if __name__ == "__main__":
    sys.exit(main())
