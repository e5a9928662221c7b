"""Demo data for `make run`: an application in every state, walked through the real workflow (so timelines and
events are real), and a repaying loan for 张伟. Idempotent: the demo application numbers are looked up first."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from chassis.runtime import Runtime
from services.loans.cases import move_application, record_transition
from services.loans.domain.rates import CURRENT_RATES
from services.loans.domain.workflow import Actor, ApplicationState, Role
from services.loans.loan_book import RunSummary, settle_loan
from services.loans.models import Loan, LoanApplication

OFFICER = Actor("staff:officer1", frozenset({Role.LOAN_OFFICER}))
APPROVER = Actor("staff:approver1", frozenset({Role.LOAN_APPROVER}))
BANK = Actor("staff:bank1", frozenset({Role.BANK_OFFICER}))
ZHANG_WEI = ("640100000001", "640105198506153219", "张伟", "yinchuan", "seed:zhangwei01")

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

# (application no — its date is when it was filed, applicant, the state it is left in, amount)
DEMO = [
    ("DK20260301000101", ("649900000101", "640104199003120018", "马丽", "yinchuan"), "submitted", 400000),
    ("DK20260301000102", ("649900000102", "64020219881105001X", "马军", "shizuishan"), "prereviewed", 350000),
    ("DK20260301000103", ("649900000103", "640302199201010029", "丁悦", "wuzhong"), "accepted", 500000),
    ("DK20260301000104", ("649900000104", "640402198705200011", "杨磊", "guyuan"), "preliminarily_approved", 450000),
    ("DK20260301000105", ("649900000105", "640502199107070026", "白雪", "zhongwei"), "approved", 300000),
    ("DK20260301000106", ("649900000106", "640104198602140016", "黄强", "yinchuan"), "contract_signed", 600000),
    ("DK20260301000107", ("649900000107", "640104199309090026", "周婷", "yinchuan"), "mortgage_registered", 280000),
    ("DK20250515000001", ZHANG_WEI[:4], "disbursed", 300000),
    ("DK20250301000002", ZHANG_WEI[:4], "rejected", 800000),
    ("DK20250401000003", ZHANG_WEI[:4], "cancelled", 200000),
]


def seed(runtime: Runtime) -> None:
    config = runtime.config
    with runtime.db.transaction() as session:
        known = set(session.scalars(select(LoanApplication.application_no)))
    for application_no, person, final_state, amount in DEMO:
        if application_no in known:
            continue
        with runtime.db.transaction() as session:
            started = datetime.strptime(application_no[2:10], "%Y%m%d").replace(hour=9, tzinfo=UTC)
            application = _file(session, config, application_no, person, Decimal(amount), started)
            moments = (started + timedelta(days=3 * step) for step in range(1, 20))
            if final_state == "rejected":
                _move(
                    session,
                    config,
                    application,
                    "rejected",
                    OFFICER,
                    "申请金额超过可贷额度，且首套住房认定材料不全",
                    next(moments),
                )
            elif final_state == "cancelled":
                _move(
                    session,
                    config,
                    application,
                    "cancelled",
                    Actor(person_sub(person), frozenset({Role.APPLICANT})),
                    None,
                    next(moments),
                )
            else:
                for target, actor, opinion in PATH:
                    if final_state == "submitted":
                        break
                    _move(session, config, application, target, actor, opinion, next(moments))
                    if target == final_state:
                        break
            if final_state == "disbursed":
                loan = application_loan(session, application)
                summary = RunSummary(date.today())
                settle_loan(session, config, loan, date.today(), summary)


def person_sub(person: tuple) -> str:
    return ZHANG_WEI[4] if person[0] == ZHANG_WEI[0] else f"seed:{person[0]}"


def _file(session, config, application_no, person, amount, now) -> LoanApplication:
    account_no, id_number, name, center = person
    application = LoanApplication(
        application_no=application_no,
        applicant_sub=person_sub(person),
        account_no=account_no,
        id_number=id_number,
        name=name,
        center=center,
        amount=amount,
        term_months=360 if amount < 700000 else 300,
        method="equal_installment",
        annual_rate=CURRENT_RATES.default_rate(360, True),
        monthly_income=Decimal("12000.00"),
        repayment_card="6222021234567890123",
        entrusted_bank="icbc",
        house_address=f"{'银川市金凤区' if center == 'yinchuan' else '宁夏'}示范小区{application_no[-3:]}号楼",
        house_area=Decimal("110.50"),
        house_price=amount * 2,
        first_home=True,
        new_house=True,
        eligibility='{"eligible": true, "failures": [], "max_amount": "700000.00", "first_payment": null, '
        '"continuous_deposit_months": 24, "balance": "0.00", "monthly_income": "12000.00"}',
        state=ApplicationState.SUBMITTED.value,
        submitted_at=now,
        updated_at=now,
    )
    session.add(application)
    session.flush()
    record_transition(
        session,
        config,
        application,
        None,
        ApplicationState.SUBMITTED,
        application.applicant_sub,
        Role.APPLICANT,
        None,
        now,
    )
    return application


def _move(session, config, application, to, actor, opinion, now) -> None:
    move_application(session, config, application, to=to, by=actor, opinion=opinion, expected_version=None, now=now)
    session.flush()


def application_loan(session, application) -> Loan:
    return session.scalars(select(Loan).where(Loan.application_id == application.id)).one()
