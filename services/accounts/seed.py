"""Demo data for `make run`, dated from today and safe to load twice: depositors in every centre with monthly
deposits over the last three years up to the latest month due, one supplementary deposit, an interest
settlement on each 30 June, a rent withdrawal and a sealed account. 张伟 and 李娜 are the shared demo people every
service agrees on.

Every step goes through the service's own operations (batches, settlement), which are idempotent, so a second
run replays them and changes nothing.
"""

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial

from sqlalchemy import select

from chassis import clock
from chassis.bus.outbox import history_at
from chassis.pii import id_check_char
from chassis.runtime import Runtime
from services.accounts.cases import operations
from services.accounts.cases.deposit_batches import run_deposit_batch
from services.accounts.cases.postings import lock_account, record, state_of
from services.accounts.domain.deposits import DepositKind, YearMonth
from services.accounts.domain.ledger import EntryKind, post, summary_for
from services.accounts.models import Depositor, FundAccount, LedgerEntry

# The demo's history, counted from today (the hall's clock), so that it never ages: three years and four months of
# deposits up to the latest month due, interest on every 30 June since, and the dated events below. The other
# services' seeds tell the same story: 张伟 rented, was refused a rent withdrawal online (withdrawals), was paid one
# at the counter, then bought a home with a fund loan (loans), which he is repaying.
HISTORY_MONTHS = 40
DEPOSIT_DAY = 15  # employers pay each month's deposit on the 15th
MISSED_MONTHS_AGO = 20  # 李娜's school paid that month late, by 补缴 on the 20th of the month after
RENT_WITHDRAWAL = ("640100000001", Decimal("5400.00"), 23, "counter-rent-zhangwei", "租房提取")  # months ago
SEALED_MONTHS_AGO = 4  # 陈静 left the department then; her account is sealed from the 1st
LI_NA_SCHOOL, CHEN_JING, ZHANG_WEI_ACCOUNT = "DW6403000201", "640000000005", "640100000001"


def _id_number(first17: str) -> str:
    return first17 + id_check_char(first17)


EMPLOYERS = {
    "DW6401000101": ("宁夏银川建设集团有限公司", "yinchuan"),
    "DW6403000201": ("吴忠市第一中学", "wuzhong"),
    "DW6404000301": ("固原市人民医院", "guyuan"),
    "DW6402000401": ("石嘴山钢铁有限公司", "shizuishan"),
    "DW6400000501": ("宁夏回族自治区财政厅", "nx-region"),
    "DW6405000601": ("中卫市第二中学", "zhongwei"),
    # employers of the loans demo's applicants
    "DW6401000701": ("银川市第一人民医院", "yinchuan"),
    "DW6402000702": ("石嘴山市供电公司", "shizuishan"),
    "DW6403000703": ("吴忠市自来水公司", "wuzhong"),
    "DW6404000704": ("固原市第一中学", "guyuan"),
}

# name, ID number, mobile, account no., employer, base, employer ratio, personal ratio
PEOPLE = [
    ("张伟", "640105198506153219", "13895000001", "640100000001", "DW6401000101", "8500", "0.12", "0.12"),
    ("李娜", "64030219920720051X", "13995000002", "640300000002", "DW6403000201", "6200", "0.10", "0.10"),
    ("王芳", _id_number("64040219880412002"), "13895000003", "640400000003", "DW6404000301", "7300", "0.12", "0.12"),
    ("刘洋", _id_number("64020219900925003"), "13995000004", "640200000004", "DW6402000401", "5600", "0.08", "0.08"),
    ("陈静", _id_number("64010619870118004"), "13895000005", "640000000005", "DW6400000501", "9800", "0.12", "0.12"),
    ("赵敏", _id_number("64010419950630005"), "13995000006", "640100000006", "DW6401000101", "5200", "0.12", "0.12"),
    # the applicants of the loans demo (one application in each state of the review queue)
    ("马丽", "640104199003120018", "13895000101", "649900000101", "DW6401000701", "7800", "0.12", "0.12"),
    ("马军", "64020219881105001X", "13895000102", "649900000102", "DW6402000702", "6900", "0.10", "0.10"),
    ("丁悦", "640302199201010029", "13895000103", "649900000103", "DW6403000703", "8800", "0.12", "0.12"),
    ("杨磊", "640402198705200011", "13895000104", "649900000104", "DW6404000704", "7600", "0.12", "0.12"),
    ("白雪", "640502199107070026", "13895000105", "649900000105", "DW6405000601", "6500", "0.10", "0.10"),
    ("黄强", "640104198602140016", "13895000106", "649900000106", "DW6401000701", "9900", "0.12", "0.12"),
    ("周婷", "640104199309090026", "13895000107", "649900000107", "DW6401000701", "6200", "0.12", "0.12"),
]


def seed(runtime: Runtime) -> None:
    first = _first_month(runtime)
    with history_at(clock.china_moment(first.first_day(), time(9))):
        _import_people(runtime, first)
    for moment, step in _history(first, clock.today()):
        with history_at(moment):
            step(runtime)


def _first_month(runtime: Runtime) -> YearMonth:
    """The month the demo's history starts: HISTORY_MONTHS before the day it was first loaded, and kept from then
    on (张伟's opening day), so a later start only adds what has happened since."""
    with runtime.db.read() as connection:
        opened = connection.scalar(select(FundAccount.opened_on).where(FundAccount.account_no == ZHANG_WEI_ACCOUNT))
    return YearMonth.of(opened) if opened else YearMonth.of(clock.today()).plus(-HISTORY_MONTHS)


def _history(first: YearMonth, today: date) -> list[tuple[datetime, Callable[[Runtime], None]]]:
    """Every dated step of the demo up to today, in the order it happened; each is idempotent (a batch per
    employer, month and kind, a settlement per fund year, a withdrawal by its reference)."""
    anchor = first.plus(HISTORY_MONTHS)  # the month the demo was first loaded
    missed = anchor.plus(-MISSED_MONTHS_AGO)
    steps: list[tuple[date, time, Callable[[Runtime], None]]] = []
    month = first
    while month <= YearMonth.of(today):
        steps.append((month.day(DEPOSIT_DAY), time(10), partial(_monthly_deposits, month=month, missed=missed)))
        if month.month == 6:
            steps.append((month.last_day(), time(18), partial(_settle, fund_year=month.year)))
        month = month.next()
    steps.append((missed.next().day(20), time(10), partial(_supplementary, month=missed)))
    account_no, amount, months_ago, reference, note = RENT_WITHDRAWAL
    paid_on = anchor.plus(-months_ago).day(20)
    steps.append((paid_on, time(11), partial(_counter_withdrawal, account_no, amount, paid_on, reference, note)))
    sealed_on = anchor.plus(-SEALED_MONTHS_AGO).first_day()
    steps.append((sealed_on, time(9), partial(_seal, sealed_on=sealed_on)))
    return [
        (clock.china_moment(day, at), step)
        for day, at, step in sorted(steps, key=lambda item: (item[0], item[1]))
        if day <= today
    ]


def _monthly_deposits(runtime: Runtime, month: YearMonth, missed: YearMonth) -> None:
    # one transaction per month: the batches themselves are what make a second run a no-op
    with runtime.db.transaction() as session:
        for employer in EMPLOYERS:
            if (employer, month) != (LI_NA_SCHOOL, missed):
                run_deposit_batch(session, employer, month, DepositKind.REGULAR, month.day(DEPOSIT_DAY))


def _supplementary(runtime: Runtime, month: YearMonth) -> None:
    with runtime.db.transaction() as session:
        run_deposit_batch(session, LI_NA_SCHOOL, month, DepositKind.SUPPLEMENTARY, month.next().day(20))


def _settle(runtime: Runtime, fund_year: int) -> None:
    operations.settle_interest(runtime, fund_year)


def _seal(runtime: Runtime, sealed_on: date) -> None:
    if _status(runtime, CHEN_JING) == "normal":
        operations.seal_account(runtime, CHEN_JING, sealed=True, on=sealed_on)


def _import_people(runtime: Runtime, first: YearMonth) -> None:
    with runtime.db.transaction() as session:
        known = set(session.scalars(select(Depositor.id_number)))
    rows = [
        {
            "center": EMPLOYERS[employer][1],
            "name": name,
            "id_number": id_number,
            "mobile": mobile,
            "employer_name": EMPLOYERS[employer][0],
            "employer_account_no": employer,
            "deposit_base": base,
            "employer_ratio": employer_ratio,
            "personal_ratio": personal_ratio,
            "opened_on": first.first_day().isoformat(),
            "account_no": account_no,
        }
        for name, id_number, mobile, account_no, employer, base, employer_ratio, personal_ratio in PEOPLE
        if id_number not in known
    ]
    if rows:
        operations.import_records(runtime, rows)


def _status(runtime: Runtime, account_no: str) -> str:
    with runtime.db.transaction() as session:
        return lock_account(session, account_no).status


def _counter_withdrawal(
    account_no: str, amount: Decimal, on: date, reference: str, note: str, runtime: Runtime
) -> None:
    """A withdrawal paid at the counter (no online reservation): a direct debit."""
    with runtime.db.transaction() as session:
        done = session.scalar(select(LedgerEntry.id).where(LedgerEntry.reference == reference))
        if done is not None:
            return
        account = lock_account(session, account_no)
        kind = EntryKind.WITHDRAWAL
        posting = post(
            state_of(account), kind, amount, posted_on=on, reference=reference, summary=summary_for(kind, note=note)
        )
        record(session, account, posting)
