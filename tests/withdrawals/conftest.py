"""Fixtures of the withdrawals service tests: a running service with depositors fed in as accounts' events."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from chassis import clock
from chassis.bus import publish
from chassis.bus.tables import outbox
from chassis.testing import wait_until
from services.accounts.events import ACCOUNT_CREDITED, DEPOSITOR_REGISTERED
from services.withdrawals.domain.errors import RuleViolation
from services.withdrawals.domain.slots import slot_at
from services.withdrawals.models import Applicant, DepositMonth

ZHANG_CARD = "6222020200000000014"  # passes Luhn
FAILING_CARD = "6222020200000000006"  # the development bank refuses it


class WithdrawalsDesk:
    """A running withdrawals service plus the ways a test talks to it."""

    def __init__(self, hall, tokens):
        self.hall = hall
        self.tokens = tokens
        self.runtime = hall.runtime("withdrawals")
        self.client = hall.client("withdrawals")
        tokens.install(self.runtime)

    def depositor(self, account_no: str, center: str = "yinchuan") -> dict:
        return self.tokens.depositor(f"user-{account_no}", center=center, acct=account_no)

    def staff(self, username: str, *roles: str) -> dict:
        return self.tokens.staff(f"staff:{username}", *(roles or ("withdrawal_officer",)))

    def feed(self, contract, data: dict) -> None:
        """Another service's event, put on the bus through this service's own outbox."""
        with self.runtime.db.transaction() as session:
            publish(session, contract, data)

    def register(
        self,
        account_no: str,
        name: str = "张伟",
        balance: str = "50000.00",
        status: str = "normal",
        months: int = 12,
        center: str = "yinchuan",
        id_number: str = "640105198506153219",
    ) -> None:
        self.feed(
            DEPOSITOR_REGISTERED,
            {
                "depositor_id": f"d-{account_no}",
                "center": center,
                "id_number": id_number,
                "name": name,
                "mobile": "13895000001",
                "account_no": account_no,
                "employer_name": "宁夏测试有限公司",
                "status": status,
                "deposit_base": Decimal("8000.00"),
                "monthly_amount": Decimal("1920.00"),
                "balance": Decimal(balance),
                "opened_on": date(2015, 7, 1),
            },
        )
        today = clock.today()
        index = today.year * 12 + today.month - 2  # last month
        for back in range(months):
            year, month = divmod(index - back, 12)
            self.feed(
                ACCOUNT_CREDITED,
                {
                    "entry_id": f"e-{account_no}-{back}",
                    "account_no": account_no,
                    "id_number": id_number,
                    "center": center,
                    "kind": "regular_deposit",
                    "amount": Decimal("1920.00"),
                    "balance": Decimal(balance),
                    "posted_on": date(year, month + 1, 15),
                    "month": f"{year:04d}-{month + 1:02d}",
                },
            )
        wait_until(lambda: self._known(account_no, months), timeout=15, what=f"applicant {account_no} known")

    def _known(self, account_no: str, months: int) -> bool:
        with self.runtime.db.transaction() as session:
            found = session.get(Applicant, account_no)
            count = len(session.scalars(select(DepositMonth).where(DepositMonth.account_no == account_no)).all())
        return found is not None and count >= months

    def submit(self, account_no: str, body: dict, **headers):
        return self.client.post(
            "/api/v1/withdrawals/applications", json=body, headers={**self.depositor(account_no), **headers}
        )

    def move(self, application_id: str, to: str, by: str, opinion: str | None = None):
        return self.client.post(
            f"/api/v1/withdrawals/staff/applications/{application_id}/transitions",
            json={"to": to, "opinion": opinion},
            headers=self.staff(by),
        )

    def approve(self, application_id: str) -> None:
        for to, by in (("prereviewed", "wofficer1"), ("accepted", "wofficer1"), ("approved", "wofficer2")):
            response = self.move(application_id, to, by)
            assert response.status_code == 200, response.get_json()

    def case(self, account_no: str, application_id: str) -> dict:
        response = self.client.get(
            f"/api/v1/withdrawals/applications/{application_id}", headers=self.depositor(account_no)
        )
        assert response.status_code == 200
        return response.get_json()

    def sent(self, event_type: str) -> list[str]:
        """Envelopes this service has written to its outbox for `event_type`."""
        with self.runtime.db.transaction() as session:
            return list(session.scalars(select(outbox.c.envelope).where(outbox.c.type == event_type)))


@pytest.fixture
def desk(start_hall, test_tokens):
    def start(mode: str = "embedded") -> WithdrawalsDesk:
        return WithdrawalsDesk(start_hall(["withdrawals"], mode=mode), test_tokens)

    return start


def next_bookable_day(config, start: time = time(9, 0)) -> date:
    today = clock.today()
    for offset in range(1, 15):
        day = today + timedelta(days=offset)
        try:
            slot_at(day, start, clock.now())
            return day
        except RuleViolation:
            continue
    raise AssertionError("no bookable day in the next two weeks")


def rent_body(card: str = ZHANG_CARD, amount: str = "5400.00") -> dict:
    today = clock.today()
    return {
        "reason": "07",
        "amount": amount,
        "bank_card": card,
        "monthly_rent": "1500.00",
        "lease_start": (today - timedelta(days=30)).isoformat(),
        "lease_end": (today + timedelta(days=300)).isoformat(),
        "no_home_declared": True,
    }
