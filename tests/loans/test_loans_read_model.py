"""The eligibility read model follows withdrawals' and accounts' events, and late events never undo newer ones."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from chassis.bus import publish
from chassis.bus.tables import inbox
from chassis.testing import wait_until
from services.accounts.events import STATUS_CHANGED
from services.loans.models import Depositor, WithdrawalInProgress
from services.withdrawals.events import APPLICATION_EVENTS

ZHANG_WEI = {"account_no": "640100000001", "id_number": "640105198506153219", "name": "张伟", "center": "yinchuan"}


def withdrawal(world, state: str) -> None:
    with world.runtime.db.transaction() as session:
        publish(
            session,
            APPLICATION_EVENTS[state],
            {
                "application_id": "w-1",
                "application_no": "TQ0001",
                "account_no": ZHANG_WEI["account_no"],
                "id_number": ZHANG_WEI["id_number"],
                "center": "yinchuan",
                "state": state,
                "state_label": state,
                "reason": "07",
                "reason_name": "租房",
                "amount": Decimal("1800.00"),
                "bank_card_last4": "0123",
            },
        )


def state_of(world) -> str | None:
    with world.runtime.db.transaction() as session:
        row = session.get(WithdrawalInProgress, "w-1")
        return row.state if row else None


def failure_codes(world, application_body) -> list[str]:
    reply = world.client.post(
        "/api/v1/loans/eligibility", json=application_body(), headers=world.depositor_headers(ZHANG_WEI)
    )
    return [failure["code"] for failure in reply.get_json()["failures"]]


def test_withdrawal_in_progress_blocks_and_a_late_event_does_not_reopen_it(loans_world, application_body):
    world = loans_world("embedded")
    world.feed_depositor(ZHANG_WEI, months=6)
    withdrawal(world, "submitted")
    wait_until(lambda: state_of(world) == "submitted", what="withdrawal submitted")
    assert "WITHDRAWAL_IN_PROGRESS" in failure_codes(world, application_body)
    withdrawal(world, "paid")
    wait_until(lambda: state_of(world) == "paid", what="withdrawal paid")
    withdrawal(world, "approved")  # arrives late
    wait_until(lambda: _handled(world) == 3, what="the late event handled")
    assert state_of(world) == "paid"
    assert failure_codes(world, application_body) == []


def test_a_frozen_account_may_not_borrow(loans_world, application_body):
    world = loans_world("embedded")
    world.feed_depositor(ZHANG_WEI, months=6)
    with world.runtime.db.transaction() as session:
        publish(
            session,
            STATUS_CHANGED,
            {
                "account_no": ZHANG_WEI["account_no"],
                "id_number": ZHANG_WEI["id_number"],
                "center": "yinchuan",
                "status_from": "normal",
                "status_to": "frozen",
                "changed_on": date(2026, 1, 1),
            },
        )

    def frozen() -> bool:
        with world.runtime.db.transaction() as session:
            return session.get(Depositor, ZHANG_WEI["account_no"]).status == "frozen"

    wait_until(frozen, what="status change")
    assert "ACCOUNT_NOT_NORMAL" in failure_codes(world, application_body)


def _handled(world) -> int:
    with world.runtime.db.transaction() as session:
        return session.scalar(
            select(func.count())
            .select_from(inbox)
            .where(inbox.c.consumer == world.runtime.config.queue_prefix + "loans.withdrawals-in-progress")
        )
