"""Synthetic scale data for benchmarks: N depositors × M months of regular deposits (COPY on PostgreSQL).

Rows bypass the service (no events, no per-row checks) but keep its invariants: each account's balance is the sum
of its entries and every entry carries the balance after it. Ledger rows are written month by month across all
accounts, as real batches arrive, so one account's rows are scattered over the whole table. The last month is
June of `last_year` so that fund year's settlement can run right after. ID and account numbers start with 99 and
never collide with the demo's.
"""

import io
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import create_engine, func, insert, select, text

from chassis import clock
from chassis.db import Database
from chassis.money import from_fen
from chassis.runtime import Runtime
from services.accounts.domain.deposits import YearMonth
from services.accounts.models import Depositor, Employer, FundAccount, LedgerEntry

RATIO = Decimal("0.12")
PG_ADMIN_URL = os.environ.get("HALL_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CENTERS = ("nx-region", "yinchuan", "shizuishan", "wuzhong", "guyuan", "zhongwei")
DEPOSITORS_PER_EMPLOYER = 1000


def _monthly_fen(n: int) -> tuple[int, int, int]:
    """(base, unit share, personal share) in fen: bases 3,000-7,900 yuan, 12% each, shares rounded to the yuan."""
    base_yuan = 3000 + (n % 50) * 100
    share_yuan = (base_yuan * 12 + 50) // 100
    return base_yuan * 100, share_yuan * 100, share_yuan * 100


def generate(db: Database, depositors: int, months: int, last_year: int = 2026) -> dict[str, int]:
    """Append `depositors` accounts with `months` monthly deposits each, ending June `last_year`."""
    with db.transaction() as session:
        first_id = (session.scalar(select(func.max(FundAccount.id))) or 0) + 1
        first_employer = (session.scalar(select(func.max(Employer.id))) or 0) + 1
    first_month = YearMonth(last_year, 6).plus(-(months - 1))
    employer_count = (depositors + DEPOSITORS_PER_EMPLOYER - 1) // DEPOSITORS_PER_EMPLOYER
    now = clock.now().isoformat()
    opened_on = first_month.first_day().isoformat()
    paid_up_to = f"{last_year}-06"

    employers = [
        (first_employer + e, f"SCALE{first_employer + e:08d}", f"规模测试单位{first_employer + e}", CENTERS[e % 6])
        for e in range(employer_count)
    ]
    people, accounts = [], []
    for i in range(depositors):
        n = first_id + i
        employer_id = first_employer + i // DEPOSITORS_PER_EMPLOYER
        center = CENTERS[(i // DEPOSITORS_PER_EMPLOYER) % 6]
        base, unit, personal = _monthly_fen(n)
        people.append((n, f"测试{n}", f"99{n:015d}X", f"139{n % 100_000_000:08d}", center, employer_id))
        balance = (unit + personal) * months
        accounts.append((n, f"99{n:010d}", n, employer_id, center, base, unit, personal, balance))

    def ledger_chunks():
        for m in range(months):
            month = first_month.plus(m)
            posted_on = date(month.year, month.month, 15).isoformat()
            summary = f"{month.label}汇缴"
            buffer = io.StringIO()
            for n, _no, _d, _e, _c, _base, unit, personal, _bal in accounts:
                amount = unit + personal
                buffer.write(
                    f"{n}\t{posted_on}\tregular_deposit\t{summary}\t{amount}\t{amount * (m + 1)}\t{month}\t"
                    f"{unit}\t{personal}\t\\N\n"
                )
            yield buffer.getvalue()

    if db.is_postgres:
        _copy_all(db, employers, people, accounts, ledger_chunks(), now, opened_on, paid_up_to)
    else:
        _insert_all(db, employers, people, accounts, ledger_chunks(), now, opened_on, paid_up_to)
    return {"depositors": depositors, "months": months, "ledger_rows": depositors * months}


def _copy_all(db, employers, people, accounts, ledger_chunks, now, opened_on, paid_up_to) -> None:
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        with cursor.copy(
            "COPY employers (id, account_no, name, center, employer_ratio, personal_ratio, created_at) FROM STDIN"
        ) as copy:
            copy.write("".join(f"{i}\t{no}\t{name}\t{c}\t0.12\t0.12\t{now}\n" for i, no, name, c in employers))
        with cursor.copy(
            "COPY depositors (id, name, id_number, mobile, center, employer_id, created_at) FROM STDIN"
        ) as copy:
            copy.write("".join(f"{i}\t{name}\t{idn}\t{mob}\t{c}\t{e}\t{now}\n" for i, name, idn, mob, c, e in people))
        with cursor.copy(
            "COPY fund_accounts (id, account_no, depositor_id, employer_id, center, status, deposit_base, "
            "employer_ratio, personal_ratio, unit_monthly, personal_monthly, monthly_amount, paid_up_to, "
            "opened_on, balance, reserved, version) FROM STDIN"
        ) as copy:
            copy.write(
                "".join(
                    f"{i}\t{no}\t{d}\t{e}\t{c}\tnormal\t{base}\t0.12\t0.12\t{unit}\t{personal}\t{unit + personal}\t"
                    f"{paid_up_to}\t{opened_on}\t{balance}\t0\t1\n"
                    for i, no, d, e, c, base, unit, personal, balance in accounts
                )
            )
        with cursor.copy(
            "COPY ledger_entries (account_id, posted_on, kind, summary, amount, balance_after, month, "
            "unit_amount, personal_amount, reference) FROM STDIN"
        ) as copy:
            for chunk in ledger_chunks:
                copy.write(chunk)
        for table in ("employers", "depositors", "fund_accounts"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        connection.commit()
    finally:
        connection.close()
    with db.engine.connect() as analyze:
        analyze.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("ANALYZE employers, depositors, fund_accounts, ledger_entries")
        )


def _insert_all(db, employers, people, accounts, ledger_chunks, now, opened_on, paid_up_to) -> None:
    """SQLite: plain executemany inserts of the same rows (small sizes only)."""
    created = datetime.fromisoformat(now)
    with db.transaction() as session:
        session.execute(
            insert(Employer),
            [
                {"id": i, "account_no": no, "name": name, "center": c, "employer_ratio": RATIO, "personal_ratio": RATIO}
                | {"created_at": created}
                for i, no, name, c in employers
            ],
        )
        session.execute(
            insert(Depositor),
            [
                {
                    "id": i,
                    "name": n,
                    "id_number": idn,
                    "mobile": m,
                    "center": c,
                    "employer_id": e,
                    "created_at": created,
                }
                for i, n, idn, m, c, e in people
            ],
        )
        session.execute(
            insert(FundAccount),
            [
                {
                    "id": i,
                    "account_no": no,
                    "depositor_id": d,
                    "employer_id": e,
                    "center": c,
                    "status": "normal",
                    "deposit_base": from_fen(base),
                    "employer_ratio": RATIO,
                    "personal_ratio": RATIO,
                    "unit_monthly": from_fen(unit),
                    "personal_monthly": from_fen(personal),
                    "monthly_amount": from_fen(unit + personal),
                    "paid_up_to": paid_up_to,
                    "opened_on": date.fromisoformat(opened_on),
                    "balance": from_fen(balance),
                    "reserved": from_fen(0),
                    "version": 1,
                }
                for i, no, d, e, c, base, unit, personal, balance in accounts
            ],
        )
        rows = []
        for chunk in ledger_chunks:
            for line in chunk.splitlines():
                account_id, posted_on, kind, summary, amount, after, month, unit, personal, _ref = line.split("\t")
                rows.append(
                    {
                        "account_id": int(account_id),
                        "posted_on": date.fromisoformat(posted_on),
                        "kind": kind,
                        "summary": summary,
                        "amount": from_fen(int(amount)),
                        "balance_after": from_fen(int(after)),
                        "month": month,
                        "unit_amount": from_fen(int(unit)),
                        "personal_amount": from_fen(int(personal)),
                    }
                )
        session.execute(insert(LedgerEntry), rows)


@contextmanager
def scratch_database(admin_url: str = PG_ADMIN_URL) -> Iterator[Runtime]:
    """A throw-away PostgreSQL database with the accounts schema, as a Runtime without workers; dropped after."""
    from services.accounts.app import service

    name = f"hall_bench_accounts_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    runtime = service.runtime(service.load_config(database_url=admin_url.rsplit("/", 1)[0] + "/" + name))
    try:
        runtime.migrate()
        yield runtime
    finally:
        runtime.db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
