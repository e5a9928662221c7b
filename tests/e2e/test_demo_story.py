"""The demo data tells one story in every service, dated from whatever day the hall runs on: deposits up to the latest
month due, interest on each past 30 June, 张伟's instalments posted on their due dates, messages dated when their
events happened, appointments on coming working days, figures at submission that match the applicant's data then,
and 李娜 able to borrow once she cancels her withdrawal."""

import contextlib
import json
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from chassis import clock
from chassis.testing import Hall, wait_until
from services.accounts.events import continuous_full_deposit_months, latest_month_due
from services.accounts.models import FundAccount, InterestSettlement, LedgerEntry
from services.loans.models import Installment, Loan, LoanApplication, Repayment
from services.withdrawals.domain.slots import WorkCalendar
from services.withdrawals.domain.workflow import FINISHED_APPLICATION_STATES
from services.withdrawals.models import Application, Appointment

pytestmark = pytest.mark.slow(seconds=170)

ALL = ["identity", "accounts", "loans", "withdrawals", "notifications"]
ZHANG_WEI, LI_NA = "640100000001", "640300000002"
DEPOSIT_KINDS = ("regular_deposit", "supplementary_deposit")
LI_NA_LOAN = {
    "amount": "200000.00",
    "term_months": 120,
    "method": "equal_installment",
    "monthly_income": "9000.00",
    "house": {"price": "500000.00", "first_home": True},
}

# the days that matter: the interest day and the first of a fund year, a year's end and start, the 1st of a month,
# the last working day before the National Day holiday, a Saturday — and today
PINNED_DAYS = [
    None,
    datetime(2027, 6, 30, 23, 30),
    datetime(2027, 7, 1, 0, 30),
    datetime(2026, 12, 31, 23, 0),
    datetime(2027, 1, 1, 8, 0),
    datetime(2027, 3, 1, 9, 0),
    datetime(2026, 9, 30, 17, 0),
    datetime(2027, 3, 6, 11, 0),
]


@pytest.fixture(scope="module", params=PINNED_DAYS, ids=lambda day: "today" if day is None else f"{day:%Y-%m-%d_%H%M}")
def seeded_hall(request, tmp_path_factory):
    """The whole hall seeded as `make run` seeds it, on the pinned day (China time), the clock ticking from there."""
    day = request.param
    moved = clock.travelled_to(day.replace(tzinfo=clock.CHINA_TIME)) if day else contextlib.nullcontext()
    with moved:
        backend = {"mode": "embedded", "broker_url": "memory://", "exchange": f"story-{uuid.uuid4().hex[:8]}"}
        hall = Hall(ALL, backend, None, tmp_path_factory.mktemp("story"))
        try:
            hall.seed()
            yield hall
        finally:
            hall.stop()


def _deposit_months_paid_by(session, account_no: str, day: date) -> list[str]:
    account = session.scalars(select(FundAccount).where(FundAccount.account_no == account_no)).one()
    rows = session.execute(
        select(LedgerEntry.month, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.account_id == account.id, LedgerEntry.kind.in_(DEPOSIT_KINDS))
        .where(LedgerEntry.posted_on <= day)
        .group_by(LedgerEntry.month)
    ).all()
    required = account.unit_monthly + account.personal_monthly
    return [month for month, paid in rows if paid >= required]


def _balance_at_end_of(session, account_no: str, day: date) -> Decimal:
    account = session.scalars(select(FundAccount).where(FundAccount.account_no == account_no)).one()
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.account_id == account.id, LedgerEntry.posted_on <= day
        )
    )
    return Decimal(total).quantize(Decimal("0.01"))


def test_deposits_reach_the_latest_month_due_and_interest_is_settled_each_past_30_june(seeded_hall):
    today = clock.today()
    with seeded_hall.runtime("accounts").db.transaction() as session:
        accounts = session.scalars(select(FundAccount).where(FundAccount.status == "normal")).all()
        assert accounts
        due = latest_month_due(today)
        for account in accounts:
            assert account.paid_up_to >= due, (account.account_no, account.paid_up_to, due)
        settled = set(session.scalars(select(InterestSettlement.fund_year)))
        opened = min(account.opened_on for account in accounts)
        past_30_junes = {year for year in range(opened.year, today.year + 1) if opened <= date(year, 6, 30) <= today}
        assert settled == past_30_junes
        assert all(entry.posted_on <= today for entry in session.scalars(select(LedgerEntry)))


def test_zhang_weis_instalments_are_posted_on_their_due_dates(seeded_hall):
    today = clock.today()
    with seeded_hall.runtime("loans").db.transaction() as session:
        loan = session.scalars(select(Loan).where(Loan.account_no == ZHANG_WEI)).one()
        due_dates = [row.due_date for row in loan.installments if row.due_date <= today]
        paid = session.scalars(select(Repayment).where(Repayment.loan_id == loan.id).order_by(Repayment.period)).all()
        assert len(due_dates) >= 12
        assert [repayment.paid_on for repayment in paid] == due_dates
        unpaid_due = session.scalar(
            select(func.count()).where(
                Installment.loan_id == loan.id, Installment.due_date <= today, Installment.status != "paid"
            )
        )
        assert unpaid_due == 0
    headers_zhang = _depositor(seeded_hall, "zhangwei", ZHANG_WEI, "yinchuan", "张伟")
    loans = seeded_hall.client("loans")
    loan_id = loans.get("/api/v1/loans/loans", headers=headers_zhang).get_json()["items"][0]["id"]
    month_of_last = paid[-1].paid_on
    window = f"from={month_of_last.replace(day=1)}&to={month_of_last}"
    filtered = loans.get(f"/api/v1/loans/loans/{loan_id}/repayments?{window}", headers=headers_zhang).get_json()
    assert filtered["total"] == 1


def test_messages_are_dated_when_their_events_happened(seeded_hall):
    headers = _depositor(seeded_hall, "zhangwei", ZHANG_WEI, "yinchuan", "张伟")
    notifications = seeded_hall.client("notifications")
    with seeded_hall.runtime("loans").db.transaction() as session:
        last_paid = session.scalar(select(func.max(Repayment.paid_on)).join(Loan).where(Loan.account_no == ZHANG_WEI))
    max_age = seeded_hall.runtime("notifications").config.notice_max_age_days
    news = last_paid >= clock.today() - timedelta(days=max_age)

    def titles() -> list[str]:
        page = notifications.get("/api/v1/notifications/me?page_size=100", headers=headers).get_json()
        return [item["title"] for item in page["items"]]

    if news:  # the last instalment is recent: its message comes, dated that day
        wait_until(lambda: "还款已入账" in titles(), timeout=20, what="the message of the last instalment")
    items = notifications.get("/api/v1/notifications/me?page_size=100", headers=headers).get_json()["items"]
    now = clock.now()
    moments = [datetime.fromisoformat(item["created_at"]) for item in items]
    assert all(now - timedelta(days=max_age + 1) <= moment <= now for moment in moments), moments
    assert len(items) < 10  # history is not news: three years of deposits and 17 instalments make no messages
    repaid = [item for item in items if item["title"] == "还款已入账"]
    assert [clock.day_of(datetime.fromisoformat(item["created_at"])) for item in repaid] == (
        [last_paid] if news else []
    )


def test_appointments_are_on_coming_working_days(seeded_hall):
    with seeded_hall.runtime("withdrawals").db.transaction() as session:
        appointments = session.scalars(select(Appointment).where(Appointment.state == "booked")).all()
    assert appointments
    calendar = WorkCalendar()
    for appointment in appointments:
        day = clock.day_of(appointment.slot_start)
        assert appointment.slot_start > clock.now()
        assert calendar.is_working_day(day), day


def test_no_one_with_an_open_fund_loan_has_a_purchase_or_rent_withdrawal_in_progress(seeded_hall):
    with seeded_hall.runtime("loans").db.transaction() as session:
        borrowers = set(session.scalars(select(Loan.account_no).where(Loan.status == "repaying")))
    assert ZHANG_WEI in borrowers
    with seeded_hall.runtime("withdrawals").db.transaction() as session:
        open_cases = session.scalars(
            select(Application).where(Application.state.not_in([s.value for s in FINISHED_APPLICATION_STATES]))
        ).all()
    clashing = [(case.account_no, case.reason) for case in open_cases if case.account_no in borrowers]
    assert all(reason not in ("01", "02", "07") for _, reason in clashing), clashing


def test_each_applications_figures_at_submission_match_the_applicants_data_then(seeded_hall):
    with seeded_hall.runtime("loans").db.transaction() as session:
        applications = session.scalars(select(LoanApplication)).all()
    assert len(applications) >= 10
    with seeded_hall.runtime("accounts").db.transaction() as session:
        for application in applications:
            filed_on = clock.day_of(application.submitted_at)
            snapshot = json.loads(application.eligibility)
            paid_then = _deposit_months_paid_by(session, application.account_no, filed_on)
            assert snapshot["continuous_deposit_months"] == continuous_full_deposit_months(paid_then, filed_on), (
                application.name
            )
            assert Decimal(snapshot["balance"]) == _balance_at_end_of(session, application.account_no, filed_on)
            assert snapshot["eligible"], (application.name, snapshot["failures"])


def test_li_na_passes_the_loan_pre_application_once_she_cancels_her_withdrawal(seeded_hall):
    me = _depositor(seeded_hall, "lina", LI_NA, "wuzhong", "李娜")
    loans, withdrawals = seeded_hall.client("loans"), seeded_hall.client("withdrawals")

    def answer() -> dict:
        return loans.post("/api/v1/loans/eligibility", json=LI_NA_LOAN, headers=me).get_json()

    refused = wait_until(lambda: answer() if answer()["failures"] else None, what="李娜's eligibility")
    assert [failure["code"] for failure in refused["failures"]] == ["WITHDRAWAL_IN_PROGRESS"]
    assert refused["continuous_deposit_months"] >= 6
    case = withdrawals.get("/api/v1/withdrawals/applications", headers=me).get_json()["items"][0]
    cancelled = withdrawals.post(f"/api/v1/withdrawals/applications/{case['id']}/cancel", headers=me)
    assert cancelled.status_code == 200, cancelled.get_json()
    passed = wait_until(lambda: answer() if answer()["eligible"] else None, what="李娜 eligible after cancelling")
    assert passed["failures"] == []


def _depositor(hall, sub: str, account_no: str, center: str, name: str) -> dict:
    from chassis.testing import TestTokens

    tokens = getattr(hall, "_demo_tokens", None)
    if tokens is None:
        tokens = hall._demo_tokens = TestTokens()
        for service in ("loans", "withdrawals", "notifications", "accounts"):
            tokens.install(hall.runtime(service))
    return tokens.depositor(f"u-{sub}", center=center, acct=account_no, name=name)


def test_the_pinned_days_cover_the_days_that_matter():
    days = {moment.date() for moment in PINNED_DAYS if moment}
    assert {date(2027, 6, 30), date(2027, 7, 1), date(2026, 12, 31), date(2027, 1, 1)} <= days
    assert any(day.day == 1 for day in days) and any(day.weekday() == 5 for day in days)
    assert time(0, 30) in {moment.time() for moment in PINNED_DAYS if moment}
