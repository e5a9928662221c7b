"""The entrusted withdrawal's months as loans posts them on withdrawals' answers: a month answered before an
earlier one (still waiting for its fund withdrawal when the next fell due) leaves the loan's outstanding principal
at the later month's figure, not back up at the earlier one's."""

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from chassis import clock
from chassis.bus import publish
from chassis.bus.tables import outbox
from chassis.testing import wait_until
from services.loans.events import REPAYMENT_POSTED
from services.loans.models import EntrustedSignup, FundDeduction, Repayment
from services.withdrawals.events import ENTRUSTED_SIGNED_UP
from tests.loans.test_loans_end_to_end import ZHANG_WEI, repayment_run
from tests.loans.test_loans_prepayments_api import LOANS, disbursed_loan, settle


def _signed_up(world, loan: dict) -> None:
    """Withdrawals' sign-up event, through its own contract (the sign-up itself is tested in withdrawals)."""
    with world.runtime.db.transaction() as session:
        publish(
            session,
            ENTRUSTED_SIGNED_UP,
            {
                "entrusted_id": "entrusted-1",
                "loan_id": loan["id"],
                "contract_no": loan["contract_no"],
                "account_no": ZHANG_WEI["account_no"],
                "id_number": ZHANG_WEI["id_number"],
                "spouse_account_no": None,
                "state": "active",
                "at": clock.now(),
            },
        )

    def known() -> bool:
        with world.runtime.db.transaction() as session:
            signup = session.get(EntrustedSignup, loan["id"])
            return signup is not None and signup.active

    wait_until(known, timeout=10, what="loans to know the sign-up")


def _deductions(world) -> dict[int, FundDeduction]:
    with world.runtime.db.transaction() as session:
        rows = session.query(FundDeduction).filter_by(purpose="instalment").all()
        for row in rows:
            session.expunge(row)
    return {row.period: row for row in rows}


def test_a_month_answered_before_an_earlier_one_leaves_the_principal_at_the_later_months_figure(
    loans_world, application_body
):
    world = loans_world()
    loan = disbursed_loan(world, application_body, paid_months=0)
    me = world.depositor_headers(ZHANG_WEI)
    _signed_up(world, loan)
    schedule = world.client.get(f"{LOANS}/{loan['id']}/schedule", headers=me).get_json()
    repayment_run(world, date.fromisoformat(schedule[0]["due_date"]))
    repayment_run(world, date.fromisoformat(schedule[1]["due_date"]))  # month 1 still waits for its answer
    deductions = _deductions(world)
    assert sorted(deductions) == [1, 2]

    settle(world, deductions[2], "paid")
    wait_until(
        lambda: world.client.get(f"{LOANS}/{loan['id']}/schedule", headers=me).get_json()[1]["status"] == "paid",
        timeout=10,
        what="month 2 posted",
    )
    settle(world, deductions[1], "paid")
    wait_until(
        lambda: world.client.get(f"{LOANS}/{loan['id']}/schedule", headers=me).get_json()[0]["status"] == "paid",
        timeout=10,
        what="month 1 posted",
    )
    owed_after_month_2 = Decimal(schedule[1]["remaining"])
    assert owed_after_month_2 < Decimal(schedule[0]["remaining"])
    after = world.client.get(f"{LOANS}/{loan['id']}", headers=me).get_json()
    assert Decimal(after["outstanding_principal"]) == owed_after_month_2
    # the late month's record and its notice tell what is owed now, not the schedule's figure for that month
    with world.runtime.db.transaction() as session:
        month_1 = session.query(Repayment).filter_by(loan_id=loan["id"], period=1).one()
        assert month_1.remaining == owed_after_month_2
        told = [
            json.loads(envelope)["data"]
            for (envelope,) in session.execute(select(outbox.c.envelope).where(outbox.c.type == REPAYMENT_POSTED.type))
        ]
    assert [(event["period"], Decimal(event["remaining"])) for event in told] == [
        (2, owed_after_month_2),
        (1, owed_after_month_2),
    ]
