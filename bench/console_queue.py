"""The loan officer's queue page (/console/loans/) with 100 thousand applications on PostgreSQL: its p99, against
the anchor measured in the same run — the bare indexed SELECT of the same 50 rows and their count. Three pages:
the default queue (oldest first), the queue filtered by centre, submission date and days waiting, and a search
by name.

Run from the repository root: `.venv/bin/python -m bench.console_queue` (PostgreSQL on 127.0.0.1:5432, as for
the tests; HALL_TEST_PG_ADMIN_URL overrides). It creates a throw-away database and drops it at the end.
"""

import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, func, insert, select, text

from bench.harness import Figure, latencies, percentile, report
from chassis import clock
from chassis.testing import TestTokens
from services.loans.app import service
from services.loans.domain.workflow import Role, queue_states
from services.loans.models import ConsoleAuditEntry, LoanApplication

PG_ADMIN_URL = os.environ.get("HALL_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
APPLICATIONS = 100_000
RUNS = 400
# most applications are finished; the rest wait at some step of the review
STATE_WEIGHTS = {
    "disbursed": 40,
    "rejected": 12,
    "cancelled": 8,
    "submitted": 8,
    "prereviewed": 8,
    "accepted": 8,
    "preliminarily_approved": 6,
    "approved": 4,
    "contract_signed": 3,
    "mortgage_registered": 3,
}


SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建国")
CENTRES = ("yinchuan", "yinchuan", "yinchuan", "shizuishan", "wuzhong", "guyuan", "zhongwei", "nx-region")


def rows(count: int) -> list[dict]:
    generator = random.Random(20260101)
    states, weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
    start = datetime(2024, 1, 1, tzinfo=UTC)
    items = []
    for number in range(count):
        moment = start + timedelta(minutes=generator.randrange(0, 60 * 24 * 900))
        amount = Decimal(generator.randrange(100, 7000) * 100)
        items.append(
            {
                "id": str(uuid.UUID(int=generator.getrandbits(128))),
                "application_no": f"DK{moment:%Y%m%d}{number:08d}",
                "applicant_sub": f"u{number}",
                "account_no": f"64{number:010d}",
                "id_number": f"6401051985{number % 10000:04d}{number % 1000:03d}9"[:18],
                "name": generator.choice(SURNAMES) + generator.choice(GIVEN),
                "center": generator.choice(CENTRES),
                "amount": amount,
                "term_months": 240,
                "method": "equal_installment",
                "annual_rate": Decimal("0.026"),
                "monthly_income": Decimal("9000.00"),
                "repayment_card": "6222021234567890123",
                "entrusted_bank": "icbc",
                "house_address": "银川市金凤区示范路1号",
                "house_area": Decimal("98.50"),
                "house_price": amount * 2,
                "first_home": True,
                "new_house": True,
                "eligibility": "{}",
                "state": generator.choices(states, weights)[0],
                "submitted_at": moment,
                "updated_at": moment + timedelta(days=generator.randrange(0, 20)),
                "version": 1,
            }
        )
    return items


def main() -> None:
    database = f"hall_bench_loans_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database
    try:
        run(url)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def run(url: str) -> None:
    config = service.load_config(database_url=url, broker_url="memory://", log_level="WARNING")
    runtime = service.runtime(config)
    runtime.migrate()
    with runtime.db.transaction() as session:
        items = rows(APPLICATIONS)
        for offset in range(0, len(items), 5000):
            session.execute(insert(LoanApplication), items[offset : offset + 5000])
    # as autovacuum would have by now: the visibility map lets the count read the index alone
    with runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE loan_applications"))
    tokens = TestTokens()
    tokens.install(runtime)
    app = service.create_app(runtime=runtime)
    client = app.test_client()
    client.set_cookie("hall_staff_token", tokens.token("staff:officer1", roles=("loan_officer",), name="officer1"))
    page = client.get("/console/loans/")
    assert page.status_code == 200 and "DK" in page.get_data(as_text=True), page.status_code

    states = [state.value for state in queue_states(Role.LOAN_OFFICER)]
    columns = (LoanApplication.id, LoanApplication.application_no, LoanApplication.name, LoanApplication.amount)
    order = (LoanApplication.submitted_at, LoanApplication.id)
    since = datetime(2025, 1, 1, tzinfo=UTC)
    waited = clock.start_of_day(clock.today() - timedelta(days=6))  # what "waiting ≥ 7 days" reads
    pages = {
        "queue (oldest first)": ({}, [LoanApplication.state.in_(states)]),
        "queue by centre, submitted since 2025-01-01, waiting ≥ 7 days": (
            {"center": "wuzhong", "from": "2025-01-01", "days": "7"},
            [
                LoanApplication.state.in_(states),
                LoanApplication.center == "wuzhong",
                LoanApplication.submitted_at >= since,
                LoanApplication.updated_at < waited,
            ],
        ),
        "search by name (prefix 张伟)": ({"q": "张伟"}, [LoanApplication.name.like("张伟%")]),
    }
    for title, (query, conditions) in pages.items():
        page_query = select(*columns).where(*conditions).order_by(*order).limit(50)
        count = select(func.count()).select_from(LoanApplication).where(*conditions)

        def bare_select(page_query=page_query, count=count) -> None:
            with runtime.db.engine.connect() as connection:
                connection.execute(page_query).all()
                connection.execute(count).scalar()

        def queue_page(query=query) -> None:
            assert client.get("/console/loans/", query_string=query).status_code == 200

        for action in (bare_select, queue_page):  # warm caches and pools
            latencies(action, 20)
        page_samples = latencies(queue_page, RUNS)
        anchor_samples = latencies(bare_select, RUNS)
        report(
            Figure(
                name=f"officer {title} page p99, {APPLICATIONS:,} applications on PostgreSQL",
                value=percentile(page_samples, 99),
                unit="ms",
                anchor_name="bare indexed SELECT of the same page + its count",
                anchor_value=percentile(anchor_samples, 99),
                higher_is_better=False,
                target="p99 ≤ 3× the anchor (auth, ORM, template and the counts per queue on top of the SELECT)",
            )
        )
        report(
            Figure(
                name=f"officer {title} page median (p99 above is sensitive to other load on the machine)",
                value=percentile(page_samples, 50),
                unit="ms",
                anchor_name="bare indexed SELECT, median",
                anchor_value=percentile(anchor_samples, 50),
                higher_is_better=False,
            )
        )
    # a search is audited: its page commits one trail line, which a bare SELECT does not; this anchor adds that
    # durable write (INSERT + COMMIT), to show what the page costs beyond it
    name_query = select(*columns).where(LoanApplication.name.like("张伟%")).order_by(*order).limit(50)
    name_count = select(func.count()).select_from(LoanApplication).where(LoanApplication.name.like("张伟%"))

    def select_and_audit() -> None:
        with runtime.db.engine.connect() as connection:
            connection.execute(name_query).all()
            connection.execute(name_count).scalar()
        with runtime.db.engine.begin() as connection:
            connection.execute(
                insert(ConsoleAuditEntry).values(
                    at=clock.now(), staff="staff:officer1", staff_name="officer1", action="search", sentence="查询"
                )
            )

    def search_page() -> None:
        assert client.get("/console/loans/", query_string={"q": "张伟"}).status_code == 200

    latencies(select_and_audit, 20)
    page_samples, anchor_samples = latencies(search_page, RUNS), latencies(select_and_audit, RUNS)
    report(
        Figure(
            name=f"officer search by name page median, {APPLICATIONS:,} applications (the audited search)",
            value=percentile(page_samples, 50),
            unit="ms",
            anchor_name="bare SELECT + count + the trail line's INSERT and COMMIT, median",
            anchor_value=percentile(anchor_samples, 50),
            higher_is_better=False,
        )
    )
    runtime.stop()


if __name__ == "__main__":
    main()
