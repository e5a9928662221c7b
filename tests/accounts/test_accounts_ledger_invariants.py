"""Whatever sequence of postings the service makes, balance = Σ ledger, each row's balance is the running one,
reserved = Σ open reservations, and available = balance − reserved never drops below zero."""

import contextlib
import itertools
import uuid
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from chassis.pii import id_check_char
from services.accounts.cases import operations
from services.accounts.cases.postings import lock_account, post_deposit, record, state_of
from services.accounts.cases.reservations import debit_for_application, release_for_application, reserve_for_application
from services.accounts.domain.deposits import DepositKind, YearMonth
from services.accounts.domain.errors import RuleViolation
from services.accounts.domain.ledger import EntryKind, post
from services.accounts.models import FundAccount, LedgerEntry, Reservation

fen = st.integers(min_value=1, max_value=2_000_000).map(lambda n: Decimal(n) / 100)
step = st.one_of(
    st.tuples(st.just("deposit"), fen),
    st.tuples(st.just("withdraw"), fen),
    st.tuples(st.just("reserve"), fen),
    st.tuples(st.just("release"), st.integers(0, 5)),
    st.tuples(st.just("pay"), st.integers(0, 5)),
)
_people = itertools.count(1)


def _open_account(runtime) -> str:
    first17 = f"64010519800101{next(_people):03d}"
    row = {
        "center": "yinchuan",
        "name": "性质测试",
        "id_number": first17 + id_check_char(first17),
        "mobile": "13700000000",
        "employer_name": "性质测试单位",
        "employer_account_no": "DW64019999",
        "deposit_base": "5000",
        "employer_ratio": "0.12",
        "personal_ratio": "0.12",
        "opened_on": "2019-01-01",
    }
    return operations.import_records(runtime, [row])["account_nos"][0]


def _apply(runtime, account_no: str, action: str, value, months, applications: list[dict]) -> None:
    with runtime.db.transaction() as session:
        account = lock_account(session, account_no)
        if action == "deposit":
            personal = (value / 2).quantize(Decimal("0.01"))
            post_deposit(
                session,
                account,
                next(months),
                DepositKind.REGULAR,
                date(2020, 1, 1),
                unit_amount=value - personal,
                personal_amount=personal,
            )
        elif action == "withdraw":
            posting = post(state_of(account), EntryKind.WITHDRAWAL, value, posted_on=date(2020, 1, 2))
            record(session, account, posting)
        elif action == "reserve":
            data = {"application_id": str(uuid.uuid4()), "account_no": account_no, "amount": value}
            applications.append(data)
            reserve_for_application(session, data)
        elif applications:
            data = applications[value % len(applications)]
            if action == "release":
                release_for_application(session, data)
            elif reservation_state(session, data) in ("reserved", "debited"):
                debit_for_application(session, data, on=date(2020, 1, 3))


def reservation_state(session, data: dict) -> str:
    return session.scalars(select(Reservation.state).where(Reservation.application_id == data["application_id"])).one()


def _check_invariants(runtime, account_no: str) -> None:
    with runtime.db.transaction() as session:
        account = session.scalars(select(FundAccount).where(FundAccount.account_no == account_no)).one()
        entries = session.scalars(
            select(LedgerEntry).where(LedgerEntry.account_id == account.id).order_by(LedgerEntry.id)
        ).all()
        reserved = session.scalars(
            select(Reservation.amount).where(Reservation.account_id == account.id, Reservation.state == "reserved")
        ).all()
    running = Decimal("0.00")
    for entry in entries:
        running += entry.amount
        assert entry.balance_after == running
    assert account.balance == running
    assert account.reserved == sum(reserved, Decimal("0.00"))
    assert account.reserved >= 0 and account.balance - account.reserved >= 0


def test_ledger_invariants_hold_under_any_sequence_of_postings(accounts_hall):
    hall = accounts_hall(seed=False)
    runtime = hall.runtime("accounts")

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps=st.lists(step, min_size=1, max_size=12))
    def run(steps):
        account_no = _open_account(runtime)
        months = (YearMonth(2020, 1).plus(i) for i in itertools.count())
        applications: list[dict] = []
        for action, value in steps:
            # a refused posting must change nothing: the invariants below say so
            with contextlib.suppress(RuleViolation):
                _apply(runtime, account_no, action, value, months, applications)
            _check_invariants(runtime, account_no)

    run()
