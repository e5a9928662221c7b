"""The fault suite (`make chaos`; a bounded run in CI): money-moving flows through the production shape while
workers and web processes are killed, the broker and the database restart and one consumer's database goes away;
then every invariant is checked and the figures printed.

The flows: withdrawals paid and failed (the HTTP API and the staff's transitions), monthly deposits (accounts'
deposit batches) and loan repayments: borrowers signed up for the monthly entrusted withdrawal, and the repayment
run of each due date in turn (loans asks withdrawals for the instalment, a reason-06 case reserves, pays and debits
it in accounts, loans posts the month with its fund and card parts).

    python -m tests.chaos.suite --seconds 600 [--seed N] [--outage 60]
"""

import argparse
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import requests
from sqlalchemy import create_engine, text

from chassis import clock
from chassis.pii import id_check_char
from tests.chaos.hall import ChaosHall

GOOD_CARD = "6222020200000000014"
FAILING_CARD = "6222020200000000006"  # the development bank refuses it: the payment fails, the money is released
EMPLOYER = "DW64019999"
AMOUNT = Decimal("100.00")
MONTHLY = Decimal("1200.00")  # 5000 × (0.12 + 0.12)
LOAN_AMOUNT = Decimal("6000.00")  # over two years: an instalment of about 258, well within a month's deposit
# every sixth borrower's: an instalment of about 5,100, more than the account holds: the fund gives what is there
# (a partial reservation), then nothing (the reservation refused), and the card pays the rest
BIG_LOAN_AMOUNT = Decimal("120000.00")
LOAN_TERM = 24
BORROWERS = 12  # depositors with a loan on the book, signed up for the entrusted withdrawal (none withdraws)
REPAYMENT_EVERY = 8.0  # seconds at least between two months' repayment runs (a due date each; a long run spreads them)


@dataclass
class Fault:
    kind: str
    target: str
    at: float
    ended: float = 0.0
    recovery_seconds: float | None = None


@dataclass
class Figures:
    flows: Counter = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # any other invariant

    def report(self) -> str:
        lines = [
            f"flows: {sum(self.flows.values())} ({', '.join(f'{k} {v}' for k, v in sorted(self.flows.items()))})",
            f"faults: {len(self.faults)}",
        ]
        for fault in self.faults:
            recovery = "not recovered" if fault.recovery_seconds is None else f"{fault.recovery_seconds:.1f}s"
            lines.append(f"  {fault.at:6.1f}s {fault.kind:<17} {fault.target:<40} recovery {recovery}")
        lines += [f"lost: {len(self.lost)}", f"doubled: {len(self.doubled)}", f"stuck: {len(self.stuck)}"]
        lines += [f"other invariants broken: {len(self.broken)}"]
        lines += [f"  {item}" for item in (self.lost + self.doubled + self.stuck + self.broken)[:30]]
        return "\n".join(lines)


class Driver:
    """The depositors and staff: withdrawals (paid and failed) through the HTTP API, monthly deposits as the
    accounts' deposit-batch command posts them, loan repayments as loans' scheduled repayment run posts them."""

    def __init__(self, hall: ChaosHall, depositors: int, borrowers: int = BORROWERS):
        self.hall = hall
        self.base = {name: f"http://127.0.0.1:{hall.ports[name]}" for name in ("accounts", "withdrawals")}
        self.accounts = self._open_accounts(depositors)
        self.free = list(self.accounts[borrowers:])
        self.loans: dict[str, dict] = {}  # loan id → {account_no, contract_no, amount}
        self.repayment_months: list[int] = []  # the periods whose repayment run has run, in order
        self.repayment_lock = threading.Lock()
        self.disbursed_on = clock.today()  # the loans' first due date a month on: every run is of a coming day
        self._open_loans(self.accounts[:borrowers])
        self.cases: dict[str, dict] = {}  # application id → {account_no, card}
        self.months: list[str] = []
        self.lock = threading.Lock()
        self.deposit_lock = threading.Lock()
        self.figures = Figures()

    def _open_accounts(self, count: int) -> list[str]:
        from services.accounts.cases import operations

        self.accounts_runtime = self.hall.runtime("accounts")
        rows = []
        for index in range(count):
            first17 = f"64010519800101{index:03d}"
            rows.append(
                {
                    "center": "yinchuan",
                    "name": "混沌测试",
                    "id_number": first17 + id_check_char(first17),
                    "mobile": "13700000000",
                    "employer_name": "混沌测试单位",
                    "employer_account_no": EMPLOYER,
                    "deposit_base": "5000",
                    "employer_ratio": "0.12",
                    "personal_ratio": "0.12",
                    "opened_on": "2019-01-01",
                }
            )
        account_nos = operations.import_records(self.accounts_runtime, rows)["account_nos"]
        self.id_numbers = dict(zip(account_nos, (row["id_number"] for row in rows), strict=True))
        return account_nos

    def _open_loans(self, borrowers: list[str]) -> None:
        """A disbursed loan for each borrower, put on the book with loans' own case function (as the entrusted
        bank's disbursement step does): the schedule, and loans.loan.disbursed for withdrawals."""
        from services.loans.cases.loan_book import open_loan
        from services.loans.domain.rates import default_rate
        from services.loans.models import LoanApplication, new_id

        self.loans_runtime = self.hall.runtime("loans")
        now = clock.now()
        with self.loans_runtime.db.transaction() as session:
            for index, account_no in enumerate(borrowers):
                amount = BIG_LOAN_AMOUNT if index % 6 == 0 else LOAN_AMOUNT
                application = LoanApplication(
                    id=new_id(),
                    application_no=f"DKCHAOS{index:06d}",
                    applicant_sub=f"user-{account_no}",
                    account_no=account_no,
                    id_number=self.id_numbers[account_no],
                    name="混沌测试",
                    center="yinchuan",
                    amount=amount,
                    term_months=LOAN_TERM,
                    method="equal_installment",
                    annual_rate=default_rate(LOAN_TERM),
                    monthly_income=Decimal("8000.00"),
                    repayment_card=GOOD_CARD,
                    entrusted_bank="icbc",
                    house_address="银川市金凤区混沌测试小区1号楼",
                    house_area=Decimal("90.00"),
                    house_price=Decimal("300000.00"),
                    first_home=True,
                    new_house=True,
                    state="disbursed",
                    contract_no=f"HTCHAOS{index:06d}",
                    disbursed_amount=amount,
                    disbursed_on=self.disbursed_on,
                    submitted_at=now,
                    updated_at=now,
                )
                session.add(application)
                session.flush()
                loan = open_loan(session, application, self.disbursed_on)
                self.loans[loan.id] = {"account_no": account_no, "contract_no": loan.contract_no, "amount": amount}

    def sign_up_loans(self) -> None:
        """Each borrower signs the loan up for the monthly entrusted withdrawal (withdrawals' API), before the
        faults begin; loans hears of every sign-up."""
        for loan_id, loan in self.loans.items():
            depositor = self.hall.tokens.depositor(f"user-{loan['account_no']}", acct=loan["account_no"])
            url = f"{self.base['withdrawals']}/api/v1/withdrawals/entrusted-repayments"
            deadline = time.monotonic() + 120
            while True:
                reply = _call("post", url, {"loan_id": loan_id}, depositor, idempotency=str(uuid.uuid4()))
                if reply.status_code == 201:
                    break
                # LOAN_NOT_FOUND: withdrawals has not heard of the disbursement yet
                if time.monotonic() > deadline:
                    raise TimeoutError(f"sign-up of {loan['contract_no']}: {reply.status_code} {reply.json()}")
                time.sleep(0.5)
        engine = create_engine(self.hall.database_urls["loans"])
        try:
            deadline = time.monotonic() + 120
            query = text("SELECT count(*) FROM entrusted_signups WHERE active")
            while _scalar(engine, query) < len(self.loans):
                if time.monotonic() > deadline:
                    raise TimeoutError("loans did not hear of the entrusted withdrawal sign-ups")
                time.sleep(0.5)
        finally:
            engine.dispose()

    # -- flows ---------------------------------------------------------------------------------------------
    def deposit(self, month: str) -> None:
        from services.accounts.cases import operations

        with self.deposit_lock:  # an employer's months are posted in order, as the centre's import does
            _until_done(lambda: operations.deposit_batch(self.accounts_runtime, EMPLOYER, month), what=month)
            self.months.append(month)
        self.figures.flows["deposit"] += 1

    def repay(self, _unused=None) -> None:
        """The next due date's repayment run (what the scheduled `repayment-run` job does on that day): every loan's
        instalment asked of its fund account. A month runs once the one before is posted everywhere, as a month
        apart it would be."""
        from services.loans.cases.loan_book import run_repayments
        from services.loans.domain.eligibility import add_months

        with self.repayment_lock:
            period = len(self.repayment_months) + 1
            if period > LOAN_TERM:
                return
            if period > 1:
                self._wait_posted(period - 1, timeout=120)
            on = add_months(self.disbursed_on, period)
            runtime = self.loans_runtime
            _until_done(lambda: run_repayments(runtime.db, runtime.config, on), what=f"repayment run {on}")
            self.repayment_months.append(period)
        self.figures.flows["loan repayment"] += len(self.loans)

    def _wait_posted(self, period: int, timeout: float) -> None:
        query = text("SELECT count(*) FROM loan_repayments WHERE period = :period").bindparams(period=period)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.loans_runtime.db.engine.connect() as connection:
                    if connection.scalar(query) >= len(self.loans):
                        return
            except Exception:  # the database restarting, or away: ask again
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"month {period} of the loans not posted after {timeout}s")
            time.sleep(0.5)

    def withdraw(self, card: str) -> None:
        with self.lock:
            if not self.free:
                return
            account_no = self.free.pop(0)
        depositor = self.hall.tokens.depositor(f"user-{account_no}", acct=account_no)
        body = {"reason": "99", "amount": str(AMOUNT), "bank_card": card, "description": "失业一年以上"}
        key = str(uuid.uuid4())
        reply = _call(
            "post", f"{self.base['withdrawals']}/api/v1/withdrawals/applications", body, depositor, idempotency=key
        )
        if reply.status_code != 201:
            with self.lock:
                self.free.append(account_no)  # not yet known to withdrawals (its replica is behind): later
            return
        case_id = reply.json()["id"]
        with self.lock:
            self.cases[case_id] = {"account_no": account_no, "card": card}
        for to, by in (("prereviewed", "wofficer1"), ("accepted", "wofficer1"), ("approved", "wofficer2")):
            self._move(case_id, account_no, to, by)
        self.figures.flows["withdrawal paid" if card == GOOD_CARD else "withdrawal failed"] += 1

    def _move(self, case_id: str, account_no: str, to: str, by: str) -> None:
        staff = self.hall.tokens.staff(f"staff:{by}", "withdrawal_officer")
        url = f"{self.base['withdrawals']}/api/v1/withdrawals/staff/applications/{case_id}/transitions"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            reply = _call("post", url, {"to": to, "opinion": None}, staff)
            if reply.status_code == 200:
                return
            # the answer of an earlier try was lost but its transition made: the case is there already
            if self._state(case_id, account_no) in _AT_OR_AFTER[to]:
                return
            time.sleep(0.5)
        raise TimeoutError(f"transition {case_id} → {to}")

    def _state(self, case_id: str, account_no: str) -> str | None:
        depositor = self.hall.tokens.depositor(f"user-{account_no}", acct=account_no)
        reply = _call("get", f"{self.base['withdrawals']}/api/v1/withdrawals/applications/{case_id}", None, depositor)
        return reply.json().get("status") if reply.status_code == 200 else None


_AT_OR_AFTER = {
    "prereviewed": {"prereviewed", "accepted", "approved", "paid", "rejected"},
    "accepted": {"accepted", "approved", "paid", "rejected"},
    "approved": {"approved", "paid", "rejected"},
}


class _Unanswered:
    status_code = 599

    def json(self) -> dict:
        return {}


def _call(method: str, url: str, body, headers: dict, idempotency: str | None = None, timeout: float = 120.0):
    """Like a client: retries while the service is away (connection refused, 502/503) for up to `timeout`."""
    headers = {**headers, **({"Idempotency-Key": idempotency} if idempotency else {})}
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = requests.request(method, url, json=body, headers=headers, timeout=10)
            in_progress = idempotency and reply.status_code == 409  # IDEMPOTENCY_IN_PROGRESS: ask again
            if (reply.status_code < 500 and not in_progress) or time.monotonic() > deadline:
                return reply
        except requests.RequestException:
            if time.monotonic() > deadline:
                return _Unanswered()
        time.sleep(0.5)


def _scalar(engine, query):
    with engine.connect() as connection:
        return connection.scalar(query)


def _until_done(action, what: str, timeout: float = 180.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# -- the run -------------------------------------------------------------------------------------------------
KILLS = (("kill -9", "accounts-worker+withdrawals+loans-worker"), ("kill -9", "withdrawals-worker+accounts"))
BOUNDED = (KILLS[0], ("restart broker", "rabbitmq"), KILLS[1], ("restart database", "postgresql"))


def schedule(seconds: float, rng: random.Random) -> list[tuple[float, str, str]]:
    """(moment, kind, target): every kind of fault once, each at a random moment of its own slice of the run, one
    consumer's database away last (the longest); a long run repeats the kills and restarts in further slices."""
    faults = list(BOUNDED) * max(1, int(seconds // 240)) + [("database away", "accounts")]
    width = seconds * 0.7 / len(faults)
    moments = (3 + index * width + rng.uniform(0, width / 2) for index in range(len(faults)))
    return [(at, kind, target) for at, (kind, target) in zip(moments, faults, strict=True)]


def run(seconds: float, outage: float, seed: int, depositors: int = 0) -> Figures:
    rng = random.Random(seed)
    hall = ChaosHall()
    started_at = time.monotonic()
    try:
        hall.start()
        print(f"chaos: hall up in {time.monotonic() - started_at:.0f}s (logs: {hall.folder}); seed {seed}", flush=True)
        driver = Driver(hall, depositors or int(max(100, seconds * 1.5)))
        for month in ("2025-01", "2025-02"):  # money to withdraw
            driver.deposit(month)
        driver.figures.flows.clear()
        _wait_known(hall, driver)
        driver.sign_up_loans()
        figures = driver.figures
        stop = threading.Event()
        flows = threading.Thread(target=_stream, args=(driver, stop, rng, seconds), daemon=True)
        begun = time.monotonic()
        flows.start()
        for at, kind, target in schedule(seconds, rng):
            while time.monotonic() - begun < at:
                time.sleep(0.2)
            fault = Fault(kind, target, time.monotonic() - begun)
            print(f"chaos: {fault.at:6.1f}s {kind} {target}", flush=True)
            _inject(hall, fault, outage)
            fault.ended = time.monotonic()
            fault.recovery_seconds = _recovery(hall, fault)
            figures.faults.append(fault)
        while time.monotonic() - begun < seconds:
            time.sleep(0.5)
        stop.set()
        flows.join(300)
        _check(hall, driver, figures, settle_seconds=180)
        return figures
    finally:
        hall.stop()


def _stream(driver: Driver, stop: threading.Event, rng: random.Random, seconds: float) -> None:
    """Three depositors at a time; a deposit month now and then; the loans' next due date every few seconds (the
    term's months spread over most of a long run)."""
    every = max(REPAYMENT_EVERY, seconds * 0.8 / LOAN_TERM)
    month = [2025, 3]
    workers: list[threading.Thread] = []
    repayer: threading.Thread | None = None
    repaid_at = 0.0
    while not stop.is_set():
        if (repayer is None or not repayer.is_alive()) and time.monotonic() - repaid_at >= every:
            repaid_at = time.monotonic()
            repayer = threading.Thread(target=_safely, args=(driver.repay, None, driver))
            repayer.start()
        workers = [worker for worker in workers if worker.is_alive()]
        if len(workers) < 3:
            if rng.random() < 0.1 and month[0] < 2026:
                label = f"{month[0]:04d}-{month[1]:02d}"
                month[1] += 1
                if month[1] > 12:
                    month = [month[0] + 1, 1]
                worker = threading.Thread(target=_safely, args=(driver.deposit, label, driver))
            else:
                card = GOOD_CARD if rng.random() < 0.75 else FAILING_CARD
                worker = threading.Thread(target=_safely, args=(driver.withdraw, card, driver))
            worker.start()
            workers.append(worker)
        time.sleep(0.05)
    for worker in [*workers, *([repayer] if repayer else [])]:
        worker.join(300)


def _safely(action, argument, driver: Driver) -> None:
    try:
        action(argument)
    except Exception as error:  # a flow the driver gave up on: its invariants are still checked
        driver.figures.flows["abandoned"] += 1
        print(f"chaos: a flow gave up: {type(error).__name__}: {error}", flush=True)


def _inject(hall: ChaosHall, fault: Fault, outage: float) -> None:
    if fault.kind == "kill -9":  # one or two processes at the same moment
        pids = [f"{name} {hall.kill(name)}" for name in fault.target.split("+")]
        fault.target = ", ".join(pids)
    elif fault.kind == "restart broker":
        hall.restart_broker()
    elif fault.kind == "restart database":
        hall.restart_database()
    elif fault.kind == "database away":
        hall.take_database_away(fault.target, outage)
        looks = hall.metric(f"{fault.target}-worker", "hall_consumer_infrastructure_retries_total")
        fault.target = f"{fault.target} {outage:.0f}s (its consumer waited: {looks:.0f} looks)"


def _recovery(hall: ChaosHall, fault: Fault) -> float | None:
    """Seconds from the fault's end until every process answers /readyz again (a killed one restarted)."""
    time.sleep(0.5)  # the supervisor has yet to see a killed process
    try:
        return hall.wait_ready(timeout=120) + 0.5
    except TimeoutError as error:
        print(f"chaos: {error}", flush=True)
        return None


def _wait_known(hall: ChaosHall, driver: Driver) -> None:
    """Withdrawals has heard of every depositor and their deposits before the faults begin."""
    engine = create_engine(hall.database_urls["withdrawals"])
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                known = connection.scalar(text("SELECT count(*) FROM applicants WHERE balance > 0"))
            if known >= len(driver.accounts):
                return
            time.sleep(0.5)
        raise TimeoutError("withdrawals did not hear of the depositors")
    finally:
        engine.dispose()


# -- the invariants ------------------------------------------------------------------------------------------
def _check(hall: ChaosHall, driver: Driver, figures: Figures, settle_seconds: float) -> None:
    accounts = create_engine(hall.database_urls["accounts"])
    withdrawals = create_engine(hall.database_urls["withdrawals"])
    loans = create_engine(hall.database_urls["loans"])
    try:
        settling = time.monotonic()
        deadline = settling + settle_seconds
        while time.monotonic() < deadline and _unsettled(accounts, withdrawals, driver) + _loans_unsettled(
            loans, driver
        ):
            time.sleep(1.0)
        print(f"chaos: settled {time.monotonic() - settling:.0f}s after the flows stopped", flush=True)
        _invariants(hall, driver, figures, accounts, withdrawals)
        _repayment_invariants(driver, figures, loans, withdrawals, accounts)
    finally:
        accounts.dispose()
        withdrawals.dispose()
        loans.dispose()


def _loans_unsettled(loans, driver: Driver) -> int:
    """Months asked of a fund account and not posted yet, deductions not answered, events not sent. A month whose
    attempt failed waits for the next day's run: the scheduler's run of the last due date again does it."""
    with loans.connect() as connection:
        query = text("SELECT state, count(*) FROM entrusted_months WHERE state <> 'posted' GROUP BY 1")
        months = {state: count for state, count in connection.execute(query)}
        waiting = connection.scalar(text("SELECT count(*) FROM fund_deductions WHERE state = 'requested'"))
        unsent = connection.scalar(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
    if months.get("retrying") and driver.repayment_months:
        from services.loans.cases.loan_book import run_repayments
        from services.loans.domain.eligibility import add_months

        on = add_months(driver.disbursed_on, driver.repayment_months[-1])
        _until_done(lambda: run_repayments(driver.loans_runtime.db, driver.loans_runtime.config, on), what="retry")
    return sum(months.values()) + waiting + unsent


def _unsettled(accounts, withdrawals, driver: Driver) -> int:
    with withdrawals.connect() as connection:
        open_cases = connection.scalar(text("SELECT count(*) FROM applications WHERE state NOT IN ('paid','rejected')"))
        unsent = connection.scalar(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
    with accounts.connect() as connection:
        reserved = connection.scalar(text("SELECT count(*) FROM reservations WHERE state = 'reserved'"))
        unsent += connection.scalar(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
    return open_cases + unsent + reserved + len(_parked_or_waiting(driver.hall))


def _invariants(hall: ChaosHall, driver: Driver, figures: Figures, accounts, withdrawals) -> None:
    import sqlite3

    with withdrawals.connect() as connection:
        cases = {row.id: row for row in connection.execute(text("SELECT id, application_no, state FROM applications"))}
        payments = {row.application_id: row for row in connection.execute(text("SELECT * FROM payments"))}
        unsent = {"withdrawals": connection.scalar(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))}
    with accounts.connect() as connection:
        reservations = {row.application_id: row for row in connection.execute(text("SELECT * FROM reservations"))}
        debits = Counter(
            row.reference
            for row in connection.execute(text("SELECT reference FROM ledger_entries WHERE amount < 0"))
            if row.reference
        )
        balances = list(
            connection.execute(
                text(
                    "SELECT a.account_no, a.balance, a.reserved, "
                    "coalesce((SELECT sum(amount) FROM ledger_entries e WHERE e.account_id = a.id), 0) AS ledger, "
                    "coalesce((SELECT sum(amount) FROM reservations r WHERE r.account_id = a.id "
                    "AND r.state = 'reserved'), 0) AS open FROM fund_accounts a"
                )
            )
        )
        deposits = Counter(
            (row.account_id, row.month)
            for row in connection.execute(text("SELECT account_id, month FROM ledger_entries WHERE month IS NOT NULL"))
        )
        unsent["accounts"] = connection.scalar(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
    bank = sqlite3.connect(str(hall.bank_ledger))
    try:
        bank_rows = {row[0]: row for row in bank.execute("SELECT key, paid, requests FROM payments")}
    finally:
        bank.close()

    for case_id, expected in driver.cases.items():
        case = cases.get(case_id)
        if case is None:
            figures.lost.append(f"case {case_id} answered 201 but is not stored")
            continue
        reservation = reservations.get(case_id)
        want_case, want_reservation = ("paid", "debited") if expected["card"] == GOOD_CARD else ("rejected", "released")
        if case.state != want_case:
            (figures.stuck if case.state == "approved" else figures.lost).append(f"case {case_id} {case.state}")
        if reservation is None or reservation.state != want_reservation:
            state = reservation.state if reservation is not None else "none"
            figures.lost.append(f"reservation of {case_id}: {state}, not {want_reservation} (the case {case.state})")
        paid_at_bank = bank_rows.get(case.application_no)
        if expected["card"] == GOOD_CARD and (paid_at_bank is None or paid_at_bank[1] != 1):
            figures.lost.append(f"bank payment of {case.application_no}: {paid_at_bank}")
        payment = payments.get(case_id)
        if payment is not None and payment.state not in ("confirmed", "failed"):
            figures.stuck.append(f"payment {case_id} {payment.state}")
    for case_id, payment in payments.items():  # the reason-06 cases of loan repayments too
        if case_id not in driver.cases and payment.state not in ("confirmed", "failed"):
            figures.stuck.append(f"payment {case_id} {payment.state}")
    for key, row in bank_rows.items():
        if row[1] > 1:
            figures.doubled.append(f"bank paid {key} {row[1]} times")
    for reference, count in debits.items():
        if count > 1:
            figures.doubled.append(f"{count} debits for {reference}")
    for (account_id, month), count in deposits.items():
        if count > 1:
            figures.doubled.append(f"deposit {month} posted {count} times to account {account_id}")
    for row in balances:
        if row.balance != row.ledger:
            figures.broken.append(f"{row.account_no}: balance {row.balance} ≠ ledger {row.ledger}")
        if row.reserved != row.open:
            figures.broken.append(f"{row.account_no}: reserved {row.reserved} ≠ open reservations {row.open}")
        if row.balance - row.reserved < 0:
            figures.broken.append(f"{row.account_no}: available below zero")
    dangling = [key for key, row in reservations.items() if row.state == "reserved"]
    figures.stuck.extend(f"reservation {key} still reserved" for key in dangling)
    expected_months = set(driver.months) | {"2025-01", "2025-02"}
    per_month = Counter(month for (_account, month) in deposits)
    for month in expected_months:
        if per_month.get(month, 0) != len(driver.accounts):
            figures.lost.append(f"deposit {month}: {per_month.get(month, 0)} of {len(driver.accounts)} accounts")
    for service, count in unsent.items():
        if count:
            figures.stuck.append(f"{service}: {count} outbox rows unsent")
    figures.stuck.extend(_parked_or_waiting(hall))


def _repayment_invariants(driver: Driver, figures: Figures, loans, withdrawals, accounts) -> None:
    """Every due instalment of every month run posted once, its fund part what accounts debited (once per
    deduction, through a reason-06 case paid at the bank once), the card part the rest; loans', withdrawals' and
    accounts' records of each deduction agree. Amounts as the databases store them: whole fen."""
    import sqlite3

    def rows(engine, query: str) -> list:
        with engine.connect() as connection:
            return list(connection.execute(text(query)))

    repayments = Counter(
        (row.loan_id, row.period) for row in rows(loans, "SELECT loan_id, period FROM loan_repayments")
    )
    posted = {(row.loan_id, row.period): row for row in rows(loans, "SELECT * FROM loan_repayments")}
    instalments = {(row.loan_id, row.period): row for row in rows(loans, "SELECT * FROM loan_installments")}
    months = {(row.loan_id, row.period): row for row in rows(loans, "SELECT * FROM entrusted_months")}
    asked: dict[tuple, list] = {}
    for row in rows(loans, "SELECT * FROM fund_deductions WHERE purpose = 'instalment'"):
        asked.setdefault((row.loan_id, row.period), []).append(row)
    book = {row.id: row for row in rows(loans, "SELECT id, contract_no, outstanding_principal FROM loans")}
    opened = {
        row.deduction_id: row
        for row in rows(
            withdrawals,
            "SELECT d.deduction_id, d.outcome, d.loan_id, a.id AS case_id, a.application_no, a.state, a.amount "
            "FROM fund_deductions d JOIN applications a ON a.id = d.application_id",
        )
    }
    debits: dict[str, list] = {}
    for row in rows(
        accounts, "SELECT reference, amount FROM ledger_entries WHERE amount < 0 AND reference IS NOT NULL"
    ):
        debits.setdefault(row.reference, []).append(row.amount)
    reservations = {row.application_id: row for row in rows(accounts, "SELECT application_id, state FROM reservations")}
    bank = sqlite3.connect(str(driver.hall.bank_ledger))
    try:
        bank_rows = {row[0]: row for row in bank.execute("SELECT key, paid, amount FROM payments")}
    finally:
        bank.close()

    run = set(driver.repayment_months)
    for loan_id, loan in driver.loans.items():
        contract = loan["contract_no"]
        for period in sorted(run):
            what = f"{contract} month {period}"
            month, repayment, instalment = months.get((loan_id, period)), posted.get((loan_id, period)), None
            instalment = instalments.get((loan_id, period))
            waiting = month is not None and month.state in ("taking", "retrying", "taken")
            if repayments[(loan_id, period)] > 1:
                figures.doubled.append(f"{what}: {repayments[(loan_id, period)]} repayments posted")
            if repayment is None:
                state = month.state if month is not None else "never asked"
                (figures.stuck if waiting else figures.lost).append(f"{what}: no repayment posted ({state})")
            elif instalment is None or instalment.status != "paid":
                figures.broken.append(f"{what}: repayment posted, instalment {getattr(instalment, 'status', None)}")
            elif month is None or month.state != "posted":
                figures.broken.append(f"{what}: repayment posted, entrusted month {getattr(month, 'state', None)}")
            paid_from_fund = Decimal("0.00")
            for deduction in asked.get((loan_id, period), []):
                paid_from_fund += _check_deduction(deduction, what, figures, opened, debits, reservations, bank_rows)
            if repayment is not None:
                if repayment.fund_amount != paid_from_fund or repayment.fund_amount != month.borrower_amount:
                    figures.broken.append(
                        f"{what}: posted {repayment.fund_amount} fen from the fund, accounts debited {paid_from_fund}, "
                        f"the month counted {month.borrower_amount}"
                    )
                if repayment.fund_amount + repayment.card_amount != repayment.amount or (
                    repayment.amount != instalment.payment + repayment.penalty
                ):
                    figures.broken.append(
                        f"{what}: fund {repayment.fund_amount} + card {repayment.card_amount} ≠ {repayment.amount}"
                    )
        not_run = [period for (key, period) in posted if key == loan_id and period not in run]
        if not_run:
            figures.broken.append(f"{contract}: months {not_run} posted though their run never ran")
        last = max((period for (key, period) in posted if key == loan_id), default=0)
        expected = instalments[(loan_id, last)].remaining if last else loan["amount"] * 100  # the database's fen
        if book[loan_id].outstanding_principal != expected:
            figures.broken.append(f"{contract}: outstanding {book[loan_id].outstanding_principal} ≠ {expected}")
    ours_posted = [row for (loan_id, _period), row in posted.items() if loan_id in driver.loans]
    fund = sum((row.fund_amount for row in ours_posted), 0) / Decimal(100)
    card = sum((row.card_amount or 0 for row in ours_posted), 0) / Decimal(100)
    deductions = sum(len(found) for found in asked.values())
    print(
        f"chaos: loan repayments: {len(ours_posted)} posted, {fund:.2f} yuan from fund accounts ({deductions} "
        f"deductions), {card:.2f} yuan from cards",
        flush=True,
    )
    unsent = _scalar(loans, text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
    if unsent:
        figures.stuck.append(f"loans: {unsent} outbox rows unsent")
    ours = {deduction.deduction_id for found in asked.values() for deduction in found}
    for deduction_id in set(opened) - ours:
        figures.broken.append(f"withdrawals opened a case for deduction {deduction_id} loans never asked for")


def _check_deduction(deduction, what: str, figures: Figures, opened, debits, reservations, bank_rows) -> Decimal:
    """One deduction loans asked for, against withdrawals' case, accounts' debit and the bank: what it took."""
    case = opened.get(deduction.deduction_id)
    if deduction.state == "requested":
        figures.stuck.append(
            f"{what}: deduction {deduction.deduction_id} not answered (case {getattr(case, 'state', None)})"
        )
        return Decimal("0.00")
    if case is None:
        figures.lost.append(f"{what}: deduction {deduction.deduction_id} {deduction.state}, withdrawals has no case")
        return Decimal("0.00")
    want = ("paid", "paid") if deduction.state == "paid" else ("failed", "rejected")
    if (case.outcome, case.state) != want:
        figures.broken.append(f"{what}: loans {deduction.state}, withdrawals {case.outcome} (case {case.state})")
    taken = debits.get(case.case_id, [])
    reservation = reservations.get(case.case_id)
    if deduction.state != "paid":
        if taken:
            figures.broken.append(f"{what}: deduction failed, yet accounts debited {taken}")
        return Decimal("0.00")
    if len(taken) > 1:
        figures.doubled.append(f"{what}: {len(taken)} debits for case {case.application_no}")
    if not taken:
        figures.lost.append(f"{what}: deduction paid, no debit in accounts for case {case.application_no}")
    elif -taken[0] != deduction.amount_paid or case.amount != deduction.amount_paid:
        figures.broken.append(f"{what}: paid {deduction.amount_paid}, case {case.amount}, debited {-taken[0]}")
    if reservation is None or reservation.state != "debited":
        figures.lost.append(f"{what}: reservation of {case.application_no} {getattr(reservation, 'state', None)}")
    paid_at_bank = bank_rows.get(case.application_no)
    if paid_at_bank is None or paid_at_bank[1] != 1:
        figures.lost.append(f"{what}: bank payment of {case.application_no}: {paid_at_bank}")
    elif Decimal(paid_at_bank[2]) * 100 != case.amount:  # the bank's yuan, the databases' whole fen
        figures.broken.append(f"{what}: the bank paid {paid_at_bank[2]} for case {case.amount}")
    return deduction.amount_paid


def _parked_or_waiting(hall: ChaosHall) -> list[str]:
    from kombu import Connection

    from services.registry import load

    found = []
    with Connection(hall.rabbit.url) as connection:
        channel = connection.channel()
        for name in ("accounts", "loans", "withdrawals"):
            for subscription in load(name).subscriptions or []:
                for queue in (subscription.queue, f"{subscription.queue}.dead"):
                    count = channel.queue_declare(queue, passive=True).message_count
                    if count:
                        found.append(f"{queue}: {count} messages {'parked' if queue.endswith('.dead') else 'waiting'}")
        channel.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--outage", type=float, default=60, help="seconds one consumer's database stays away")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    figures = run(args.seconds, args.outage, seed)
    print(figures.report())
    return 0 if not (figures.lost or figures.doubled or figures.stuck or figures.broken) else 1


if __name__ == "__main__":
    raise SystemExit(main())
