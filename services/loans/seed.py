"""Demo data for `make run`, dated from today: an application in every state of the review queue, filed over the
last days and walked through the real workflow (so timelines and events are real), and 张伟's history: an
application refused at review, one he cancelled, then the loan he is repaying, each instalment posted on its due
date. Idempotent: every demo application has a fixed id, and a later start only posts the instalments due since.

Each application's figures at submission are what loans' read model knew of the applicant on the day it was
filed, so the seed waits until accounts' demo deposits have reached the read model.
"""

import json
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal

from sqlalchemy import func, select

from chassis import clock
from chassis.bus.outbox import history_at
from chassis.runtime import Runtime
from services.accounts.events import latest_month_due
from services.loans.cases.applicants import check_applicant
from services.loans.cases.applications import move_application, record_transition
from services.loans.cases.loan_book import RunSummary, settle_loan
from services.loans.domain.rates import CURRENT_RATES
from services.loans.domain.workflow import Actor, ApplicationState, Role
from services.loans.models import DepositMonth, Depositor, Loan, LoanApplication

OFFICER = Actor("staff:officer1", frozenset({Role.LOAN_OFFICER}))
APPROVER = Actor("staff:approver1", frozenset({Role.LOAN_APPROVER}))
BANK = Actor("staff:bank1", frozenset({Role.BANK_OFFICER}))
ZHANG_WEI = ("640100000001", "640105198506153219", "张伟", "yinchuan")
_NS = uuid.UUID("0b5c3c2e-52d4-4c39-9d0f-3f5e1a7c2d11")

# the path to each state: (target, who, opinion)
PATH = [
    ("prereviewed", OFFICER, "材料齐全，请携带原件到柜台办理"),
    ("accepted", OFFICER, None),
    ("preliminarily_approved", OFFICER, "符合贷款条件，同意"),
    ("approved", APPROVER, "同意贷款"),
    ("contract_signed", BANK, None),
    ("mortgage_registered", BANK, None),
    ("disbursed", BANK, None),
]
REFUSAL = "首套住房认定材料不全：购房合同尚未网签备案，请备案后重新申请"

# (key, applicant, the state it is left in, amount, filed how long ago, days between steps)
QUEUE = [
    ("queue-submitted", ("649900000101", "640104199003120018", "马丽", "yinchuan"), "submitted", 400000),
    ("queue-prereviewed", ("649900000102", "64020219881105001X", "马军", "shizuishan"), "prereviewed", 350000),
    ("queue-accepted", ("649900000103", "640302199201010029", "丁悦", "wuzhong"), "accepted", 500000),
    ("queue-preliminary", ("649900000104", "640402198705200011", "杨磊", "guyuan"), "preliminarily_approved", 450000),
    ("queue-approved", ("649900000105", "640502199107070026", "白雪", "zhongwei"), "approved", 300000),
    ("queue-contract", ("649900000106", "640104198602140016", "黄强", "yinchuan"), "contract_signed", 600000),
    ("queue-mortgage", ("649900000107", "640104199309090026", "周婷", "yinchuan"), "mortgage_registered", 280000),
]
# 张伟's own applications, months before the demo was first loaded (accounts' demo: he rented until then)
ZHANG_WEI_HISTORY = [
    ("zhangwei-refused", "rejected", 500000, 20),
    ("zhangwei-cancelled", "cancelled", 200000, 19),
    ("zhangwei-loan", "disbursed", 300000, 18),
]
READ_MODEL_TIMEOUT_SECONDS = 90


def seed(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        known = set(session.scalars(select(LoanApplication.id)))
    plan = list(_demo_applications(clock.now()))
    missing = [item for item in plan if item[0] not in known]
    if missing:
        _wait_for_read_model(runtime, {person[0] for _, person, *_ in missing})
    for application_id, person, final_state, amount, filed, step_days in missing:
        with runtime.db.transaction() as session:
            application = _file(session, runtime.config, application_id, person, Decimal(amount), filed)
            _walk(session, runtime.config, application, person, final_state, filed, step_days)
    _repay_due_instalments(runtime, [item[0] for item in plan])


def _demo_applications(now: datetime) -> Iterator[tuple[str, tuple, str, int, datetime, int]]:
    """(id, applicant, final state, amount, filed at, days between steps), oldest first."""
    morning = clock.china_moment(clock.day_of(now), time_of_day(9, 30))
    for key, final_state, amount, months_ago in ZHANG_WEI_HISTORY:
        filed = morning - timedelta(days=30 * months_ago)
        yield str(uuid.uuid5(_NS, key)), ZHANG_WEI, final_state, amount, filed, 3
    for key, person, final_state, amount in QUEUE:
        steps = next((index for index, (target, *_) in enumerate(PATH, 1) if target == final_state), 0)
        # filed a day apart per step, the last step yesterday: the queues show days waiting that differ
        filed = morning - timedelta(days=2 * steps + 1)
        yield str(uuid.uuid5(_NS, key)), person, final_state, amount, filed, 2


def _wait_for_read_model(runtime: Runtime, account_nos: set[str]) -> None:
    """Until loans has heard from accounts of every demo applicant and their deposits up to the latest month due,
    and nothing more is arriving (postings that overtook a registration come back after a retry)."""
    latest_due = latest_month_due(clock.today(), runtime.config.deposit_grace_days)
    deadline, previous = time.monotonic() + READ_MODEL_TIMEOUT_SECONDS, None
    while True:
        with runtime.db.transaction() as session:
            known = session.scalar(select(func.count()).where(Depositor.account_no.in_(account_nos)))
            current = session.scalar(
                select(func.count()).where(DepositMonth.account_no.in_(account_nos), DepositMonth.month == latest_due)
            )
            months = session.scalar(select(func.count()).where(DepositMonth.account_no.in_(account_nos)))
        state = (known, current, months)
        if known == current == len(account_nos) and state == previous:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"loans' read model knows {known} of {len(account_nos)} demo applicants ({current} with deposits up "
                f"to {latest_due}) after {READ_MODEL_TIMEOUT_SECONDS} s: seed accounts first, with its relay and "
                "loans' consumers running"
            )
        previous = state
        time.sleep(1.0)


def _request(person: tuple, amount: Decimal, term_months: int) -> dict:
    return {
        "amount": amount,
        "term_months": term_months,
        "method": "equal_installment",
        "monthly_income": Decimal("12000.00"),
        "house": {"price": amount * 2, "first_home": True},
    }


def _file(session, config, application_id, person, amount, filed) -> LoanApplication:
    """The application as its applicant filed it, with what the read model knew of them that day."""
    account_no, id_number, name, center = person
    day = clock.day_of(filed)
    term = 360
    answer = check_applicant(session, config, account_no, _request(person, amount, term), day)
    if answer.result and answer.result.max_term_months and answer.result.max_term_months < term:
        term = answer.result.max_term_months // 12 * 12  # the longest whole-year term their age allows
        answer = check_applicant(session, config, account_no, _request(person, amount, term), day)
    application = LoanApplication(
        id=application_id,
        application_no=f"DK{day:%Y%m%d}{int(uuid.UUID(application_id)) % 10**6:06d}",
        applicant_sub=_subject(person),
        account_no=account_no,
        id_number=id_number,
        name=name,
        center=center,
        amount=amount,
        term_months=term,
        method="equal_installment",
        annual_rate=CURRENT_RATES.default_rate(term, True),
        monthly_income=Decimal("12000.00"),
        repayment_card="6222021234567890128",
        entrusted_bank="icbc",
        house_address=f"{'银川市金凤区' if center == 'yinchuan' else '宁夏'}示范小区{int(day.strftime('%j'))}号楼",
        house_area=Decimal("110.50"),
        house_price=amount * 2,
        first_home=True,
        new_house=True,
        eligibility=json.dumps(answer.as_dict(), ensure_ascii=False, default=str),
        state=ApplicationState.SUBMITTED.value,
        submitted_at=filed,
        updated_at=filed,
    )
    session.add(application)
    session.flush()
    with history_at(filed):
        record_transition(
            session,
            config,
            application,
            None,
            ApplicationState.SUBMITTED,
            application.applicant_sub,
            Role.APPLICANT,
            None,
            filed,
        )
    return application


def _walk(session, config, application, person, final_state, filed, step_days) -> None:
    moments = (filed + timedelta(days=step_days * step, hours=1) for step in range(1, 20))
    if final_state == "rejected":
        _move(session, config, application, "rejected", OFFICER, REFUSAL, next(moments))
    elif final_state == "cancelled":
        applicant = Actor(_subject(person), frozenset({Role.APPLICANT}))
        _move(session, config, application, "cancelled", applicant, None, next(moments))
    elif final_state != "submitted":
        for target, actor, opinion in PATH:
            _move(session, config, application, target, actor, opinion, next(moments))
            if target == final_state:
                break


def _subject(person: tuple) -> str:
    return "seed:zhangwei01" if person[0] == ZHANG_WEI[0] else f"seed:{person[0]}"


def _move(session, config, application, to, actor, opinion, moment) -> None:
    with history_at(moment):
        move_application(
            session, config, application, to=to, by=actor, opinion=opinion, expected_version=None, now=moment
        )
    session.flush()


def _repay_due_instalments(runtime: Runtime, application_ids: list[str]) -> None:
    """The entrusted bank's deduction of every demo instalment due by today, each on its own due date."""
    today = clock.today()
    with runtime.db.transaction() as session:
        loan_ids = list(session.scalars(select(Loan.id).where(Loan.application_id.in_(application_ids))))
    for loan_id in loan_ids:
        with runtime.db.transaction() as session:
            loan = session.get(Loan, loan_id)
            for due in _unpaid_due_dates(loan, today):
                with history_at(clock.china_moment(due, time_of_day(9))):
                    settle_loan(session, runtime.config, loan, due, RunSummary(due))


def _unpaid_due_dates(loan: Loan, today: date) -> list[date]:
    return sorted({row.due_date for row in loan.installments if row.status != "paid" and row.due_date <= today})
