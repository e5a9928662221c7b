"""Monthly entrusted withdrawal end to end on the real RabbitMQ and PostgreSQL: 李娜 signs her fund loan up; on each
due date (the hall's clock travels there) the repayment run asks withdrawals for the instalment, accounts reserves
what the balance covers, the bank is paid and accounts debits it, and loans posts the month with the fund part and
the card part. Twelve months reconcile to the fen against accounts' ledger and the schedule, including the month
the balance runs short and the months after it; a sealed account fails a month, which is retried and told; two
runs at once take each month once."""

import threading
from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from chassis import clock
from chassis.bus.outbox import history_at
from chassis.jobs import jobs_of, run_job
from chassis.testing import wait_until
from services.accounts import seed as demo
from services.accounts.cases import operations
from services.accounts.cases.deposit_batches import run_deposit_batch
from services.accounts.domain.deposits import DepositKind, YearMonth
from services.loans.cases.loan_book import run_repayments
from services.loans.models import EntrustedMonth, FundDeduction
from services.withdrawals.config import WithdrawalsConfig
from tests.e2e.test_hall_loan_end_to_end import APPLICATION, LI_NA, STEPS

# four years at 20,000 a month: the instalment (about 5,500) empties her fund account (a year of deposits) within
# the twelve months
LOAN = {**APPLICATION, "amount": "250000.00", "term_months": 48, "monthly_income": "20000.00"}
ZERO = Decimal("0.00")
RUN_TIME = time(2, 10)
LOAN_FUND_ACCOUNT = (
    WithdrawalsConfig.loan_fund_account
)  # where withdrawals pays a loan's instalment  # the CronJob's hour


def seed_li_na(runtime, months: int = 12) -> None:
    """Only 李娜 of the demo, with her school's last `months` deposits, through accounts' own import and deposit
    batches (the whole demo's forty months for everyone would take most of a minute, and nothing here needs it)."""
    first = YearMonth.of(clock.today()).plus(-months)
    person = next(row for row in demo.PEOPLE if row[3] == LI_NA["account_no"])
    name, id_number, mobile, account_no, employer, base, employer_ratio, personal_ratio = person
    with history_at(clock.china_moment(first.first_day(), time(9))):
        operations.import_records(
            runtime,
            [
                {
                    "center": demo.EMPLOYERS[employer][1],
                    "name": name,
                    "id_number": id_number,
                    "mobile": mobile,
                    "employer_name": demo.EMPLOYERS[employer][0],
                    "employer_account_no": employer,
                    "deposit_base": base,
                    "employer_ratio": employer_ratio,
                    "personal_ratio": personal_ratio,
                    "opened_on": first.first_day().isoformat(),
                    "account_no": account_no,
                }
            ],
        )
    month = first
    while month.day(demo.DEPOSIT_DAY) <= clock.today():
        with history_at(clock.china_moment(month.day(demo.DEPOSIT_DAY), time(10))), runtime.db.transaction() as session:
            run_deposit_batch(session, employer, month, DepositKind.REGULAR, month.day(demo.DEPOSIT_DAY))
        month = month.next()


class EntrustedWorld:
    """李娜 with a disbursed loan, the four services on the real broker and databases, and the ways to look."""

    def __init__(self, start_hall, tokens, withdrawals: dict | None = None, mode: str = "real"):
        quiet = {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00", "sms_rate_limit": 1000}
        self.hall = start_hall(
            ["accounts", "loans", "withdrawals", "notifications"],
            mode=mode,
            settings={"notifications": quiet, "withdrawals": withdrawals or {}},
        )
        seed_li_na(self.hall.runtime("accounts"))
        for name in ("accounts", "loans", "withdrawals", "notifications"):
            tokens.install(self.hall.runtime(name))
        self.tokens = tokens
        self.loans, self.accounts = self.hall.client("loans"), self.hall.client("accounts")
        self.withdrawals = self.hall.client("withdrawals")
        self.loan = self._disbursed_loan()
        self.base = f"/api/v1/loans/loans/{self.loan['id']}"

    @property
    def me(self) -> dict:
        """Her token as of the hall's clock (which travels: one minted a month ago has expired)."""
        return self.tokens.depositor("user-lina", center=LI_NA["center"], acct=LI_NA["account_no"], name=LI_NA["name"])

    def _disbursed_loan(self) -> dict:
        def eligible():
            reply = self.loans.post("/api/v1/loans/eligibility", json=LOAN, headers=self.me).get_json()
            return reply if reply.get("eligible") else None

        wait_until(eligible, timeout=60, interval=0.5, what="the loans read model to learn 李娜's deposits")
        submitted = self.loans.post("/api/v1/loans/applications", json=LOAN, headers=self.me)
        assert submitted.status_code == 201, submitted.get_json()
        for to, officer, roles in STEPS:
            moved = self.loans.post(
                f"/api/v1/loans/staff/applications/{submitted.get_json()['id']}/transitions",
                json={"to": to, "opinion": "同意" if to in ("preliminarily_approved", "approved") else None},
                headers=self.tokens.staff(f"staff:{officer}", *roles),
            )
            assert moved.status_code == 200, (to, moved.get_json())
        return self.loans.get("/api/v1/loans/loans", headers=self.me).get_json()["items"][0]

    def sign_up(self) -> dict:
        def signed():
            reply = self.withdrawals.post(
                "/api/v1/withdrawals/entrusted-repayments", json={"loan_id": self.loan["id"]}, headers=self.me
            )
            if reply.status_code == 422 and reply.get_json()["code"] == "LOAN_NOT_FOUND":
                return None  # withdrawals has not heard of the disbursement yet
            assert reply.status_code == 201, reply.get_json()
            return reply.get_json()

        signup = wait_until(signed, timeout=30, interval=0.5, what="withdrawals to know the loan")
        wait_until(
            lambda: self.loans.get(self.base, headers=self.me).get_json()["entrusted_withdrawal"],
            timeout=30,
            what="loans to know the sign-up",
        )
        return signup

    def account(self) -> dict:
        return self.accounts.get("/api/v1/accounts/me/account", headers=self.me).get_json()

    def schedule(self) -> list[dict]:
        return self.loans.get(f"{self.base}/schedule", headers=self.me).get_json()

    def row(self, period: int) -> dict:
        return self.schedule()[period - 1]

    def run_on(self, day: date, runtime=None) -> str:
        clock.hall_clock.travel_to(clock.china_moment(day, RUN_TIME))
        return run_job(runtime or self.hall.runtime("loans"), jobs_of(self.hall.runtime("loans"))["repayment-run"])

    def two_runs_on(self, day: date, second_pod) -> list[str]:
        """The scheduled job and a second run past its lock, at once: what each of them did."""
        clock.hall_clock.travel_to(clock.china_moment(day, RUN_TIME))
        summaries: list[str] = []
        runs = [
            threading.Thread(target=lambda: summaries.append(self.run_on(day))),
            threading.Thread(
                target=lambda: summaries.append(str(run_repayments(second_pod.db, second_pod.config, day)))
            ),
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join(60)
        assert len(summaries) == 2
        return summaries

    def posted(self, period: int) -> dict:
        return wait_until(
            lambda: (row := self.row(period))["status"] == "paid" and row,
            timeout=60,
            interval=0.3,
            what=f"month {period} posted",
        )

    def month_messages(self) -> list[dict]:
        reply = self.hall.client("notifications").get("/api/v1/notifications/me?page_size=100", headers=self.me)
        return [item for item in reply.get_json()["items"] if "还款已入账" in item["title"]]

    def ledger_withdrawals(self) -> Decimal:
        statement = self.accounts.get(
            "/api/v1/accounts/me/statement?page_size=100&from=2000-01-01", headers=self.me
        ).get_json()
        return sum((-Decimal(row["amount"]) for row in statement["items"] if Decimal(row["amount"]) < 0), ZERO)

    def stop_settling(self) -> dict:
        """Wait until accounts has debited every reservation (available == balance)."""
        return wait_until(
            lambda: (account := self.account())["available"] == account["balance"] and account,
            timeout=60,
            what="every reservation debited",
        )


@pytest.fixture(autouse=True)
def clock_put_back():
    setting = clock.hall_clock.setting()
    yield
    clock.hall_clock.restore(setting)


@pytest.fixture
def world(start_hall, test_tokens):
    return EntrustedWorld(start_hall, test_tokens)


def test_twelve_months_of_entrusted_withdrawal_reconcile_with_the_ledger_and_the_schedule(world):
    """Each due date two runs start at once (the CronJob's, under the job lock, and a second pod's straight past it):
    the month's key lets one of them take it."""
    before = world.account()
    spent_before = world.ledger_withdrawals()
    world.sign_up()
    schedule = world.schedule()
    loans = world.hall.runtime("loans")
    second_pod = loans.service.runtime(loans.config)
    short_month = None
    for period in range(1, 13):
        available = Decimal(world.account()["available"])
        summaries = world.two_runs_on(date.fromisoformat(schedule[period - 1]["due_date"]), second_pod)
        assert sum("委托提取发起 1 期" in summary for summary in summaries) == 1, summaries
        row = world.posted(period)
        fund, card, payment = Decimal(row["fund_amount"]), Decimal(row["card_amount"]), Decimal(row["payment"])
        assert fund + card == payment  # every fen of the instalment from one side or the other
        assert fund == min(available, payment)  # what the balance covered, no more
        # the month's message, before the clock moves on (a notice older than a few days is history, not news)
        wait_until(lambda p=period: len(world.month_messages()) >= p, timeout=30, what=f"month {period}'s message")
        if card > ZERO and short_month is None:
            short_month = period
        world.stop_settling()
    second_pod.stop()
    assert short_month is not None and short_month < 12, "the balance should run short within the twelve months"
    with loans.db.transaction() as session:
        asked = session.execute(
            select(FundDeduction.period, func.count())
            .where(FundDeduction.purpose == "instalment")
            .group_by(FundDeduction.period)
        ).all()
        months = session.scalars(select(EntrustedMonth).order_by(EntrustedMonth.period)).all()
    assert dict(asked) == {period: 1 for period in range(1, 13)}  # each month asked of the fund once
    assert [(month.period, month.state) for month in months] == [(period, "posted") for period in range(1, 13)]
    after = world.stop_settling()
    rows = world.schedule()[:12]
    fund_total = sum((Decimal(row["fund_amount"]) for row in rows), ZERO)
    card_total = sum((Decimal(row["card_amount"]) for row in rows), ZERO)
    assert fund_total + card_total == sum((Decimal(row["payment"]) for row in rows), ZERO)
    # the ledger: the balance fell by exactly what the schedule says the fund paid, in one debit per paid month
    assert Decimal(before["balance"]) - Decimal(after["balance"]) == fund_total
    assert world.ledger_withdrawals() - spent_before == fund_total
    assert Decimal(after["balance"]) == ZERO and Decimal(after["available"]) == ZERO
    short = rows[short_month - 1]
    assert ZERO < Decimal(short["fund_amount"]) < Decimal(short["payment"])
    assert short["entrusted"]["state"] == "posted"
    assert all(Decimal(row["fund_amount"]) == ZERO for row in rows[short_month:])  # nothing left: the card pays
    loan = world.loans.get(world.base, headers=world.me).get_json()
    assert Decimal(loan["outstanding_principal"]) == Decimal(rows[11]["remaining"])
    repayments = world.loans.get(f"{world.base}/repayments?page_size=20", headers=world.me).get_json()
    assert repayments["total"] == 12
    assert sum((Decimal(item["fund_amount"]) for item in repayments["items"]), ZERO) == fund_total
    # every month's result was a message in her message centre, the split named where the fund paid
    assert sum("委托提取" in item["title"] for item in world.month_messages()) == short_month
    # the system's reason-06 cases send no withdrawal messages of their own ("转入您尾号…" the centre's account)
    inbox = world.hall.client("notifications").get("/api/v1/notifications/me?page_size=100", headers=world.me)
    titles = [item["title"] for item in inbox.get_json()["items"]]
    assert "提取申请审批通过" not in titles and "提取已办结" not in titles, titles


def test_a_failed_month_is_retried_then_left_to_the_card_and_told_each_time_and_cancelling_stops_it(
    start_hall, test_tokens
):
    """The bank refuses every payment to the centre's loan account: each attempt fails, is released in accounts and
    told; the third is the last, and the card pays the month. After the borrower cancels, the run asks nothing."""
    world = EntrustedWorld(
        start_hall,
        test_tokens,
        withdrawals={"failing_bank_cards": (*WithdrawalsConfig.failing_bank_cards, LOAN_FUND_ACCOUNT)},
    )
    signup = world.sign_up()
    schedule = world.schedule()
    balance = Decimal(world.account()["balance"])
    day = date.fromisoformat(schedule[0]["due_date"])
    for attempt in (1, 2):
        world.run_on(day)
        row = wait_until(
            lambda a=attempt: (
                (row := world.row(1))["entrusted"]["state"] == "retrying" and row["entrusted"]["attempts"] == a and row
            ),
            timeout=60,
            what=f"attempt {attempt} failed and set to retry",
        )
        assert row["status"] == "due" and row["entrusted"]["last_failure"]
        assert "等待提取结果 1 期" in world.run_on(day)  # the same day: not asked again
        day = date.fromisoformat(row["entrusted"]["next_try_on"])
        assert day > date.fromisoformat(schedule[0]["due_date"])
    world.run_on(day)
    posted = world.posted(1)
    assert posted["entrusted"]["attempts"] == 3 and Decimal(posted["fund_amount"]) == ZERO
    assert Decimal(posted["card_amount"]) == Decimal(posted["payment"])
    after = world.stop_settling()
    assert Decimal(after["balance"]) == balance  # every failed attempt's reservation released, nothing debited
    notifications = world.hall.client("notifications")

    def texts() -> list[str]:
        reply = notifications.get(f"/api/v1/notifications/dev/sms?phone={LI_NA['mobile']}").get_json()
        return [item["body"] for item in reply["items"]]

    wait_until(lambda: sum("再次提取" in text for text in texts()) == 2, timeout=60, what="two retry notices")
    wait_until(lambda: any("由还款银行卡扣款" in text for text in texts()), timeout=60, what="the give-up notice")

    cancelled = world.withdrawals.delete(f"/api/v1/withdrawals/entrusted-repayments/{signup['id']}", headers=world.me)
    assert cancelled.status_code == 200
    wait_until(
        lambda: not world.loans.get(world.base, headers=world.me).get_json()["entrusted_withdrawal"],
        timeout=30,
        what="loans to know of the cancellation",
    )
    assert "委托提取发起 0 期" in world.run_on(date.fromisoformat(schedule[1]["due_date"]))
    second = world.posted(2)
    assert second["entrusted"] is None and Decimal(second["card_amount"]) == Decimal(second["payment"])
    assert Decimal(world.account()["balance"]) == balance
