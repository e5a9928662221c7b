"""Demo data for `make run`, the same every time and safe to load twice: six depositors in five centres with
monthly deposits from July 2023 to October 2026, one supplementary deposit, three interest settlements, a
rent withdrawal and a sealed account. 张伟 and 李娜 are the shared demo people every service agrees on.

Every step goes through the service's own operations (batches, settlement), which are idempotent, so a second
run replays them and changes nothing.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.pii import id_check_char
from chassis.runtime import Runtime
from services.accounts import operations
from services.accounts.deposit_batches import run_deposit_batch
from services.accounts.domain.deposits import DepositKind, YearMonth
from services.accounts.domain.ledger import EntryKind, post, summary_for
from services.accounts.models import Depositor, LedgerEntry
from services.accounts.postings import lock_account, record, state_of

FIRST_MONTH, LAST_MONTH = YearMonth(2023, 7), YearMonth(2026, 10)
OPENED_ON = "2023-07-01"


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

MISSED_MONTH = ("DW6403000201", YearMonth(2025, 3))  # 李娜's school paid March 2025 late, as 补缴
SUPPLEMENTARY_POSTED_ON = date(2025, 4, 20)
RENT_WITHDRAWAL = ("640100000001", Decimal("5400.00"), date(2025, 9, 20), "counter-20250920-0001", "租房提取")
SEALED = ("640000000005", YearMonth(2026, 8))  # 陈静 left the department in August 2026


def seed(runtime: Runtime) -> None:
    _import_people(runtime)
    month = FIRST_MONTH
    while month <= LAST_MONTH:
        if month == SEALED[1] and _status(runtime, SEALED[0]) == "normal":
            operations.seal_account(runtime, SEALED[0], sealed=True, on=month.first_day())
        # one transaction per month: the batches themselves are what make a second run a no-op
        with runtime.db.transaction() as session:
            for employer in EMPLOYERS:
                if (employer, month) != MISSED_MONTH:
                    run_deposit_batch(session, employer, month, DepositKind.REGULAR, date(month.year, month.month, 15))
            if (month.year, month.month) == (2025, 4):
                employer, missed = MISSED_MONTH
                run_deposit_batch(session, employer, missed, DepositKind.SUPPLEMENTARY, SUPPLEMENTARY_POSTED_ON)
            if (month.year, month.month) == (2025, 9):
                _counter_withdrawal(session, *RENT_WITHDRAWAL)
        if month.month == 6:
            operations.settle_interest(runtime, month.year)
        month = month.next()


def _import_people(runtime: Runtime) -> None:
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
            "opened_on": OPENED_ON,
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


def _counter_withdrawal(session: Session, account_no: str, amount: Decimal, on: date, reference: str, note: str):
    """A withdrawal paid at the counter (no online reservation): a direct debit."""
    done = session.scalar(select(LedgerEntry.id).where(LedgerEntry.reference == reference))
    if done is not None:
        return
    account = lock_account(session, account_no)
    kind = EntryKind.WITHDRAWAL
    posting = post(
        state_of(account), kind, amount, posted_on=on, reference=reference, summary=summary_for(kind, note=note)
    )
    record(session, account, posting)
