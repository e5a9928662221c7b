"""The fault suite's bounded run (CI): a minute of money-moving flows (withdrawals, deposits, loan repayments)
through the production shape on a broker and a database of its own, with every kind of fault once; nothing lost,
doubled or stuck."""

import os

import pytest

from tests.chaos.suite import run


@pytest.mark.real
@pytest.mark.slow(seconds=90)
@pytest.mark.timeout(900)  # the hall's start, five faults and their recoveries; about four minutes on a busy machine
def test_money_moving_flows_survive_kills_restarts_and_a_consumers_database_away():
    seconds = float(os.environ.get("CHAOS_BOUNDED_SECONDS", "60"))
    figures = run(seconds=seconds, outage=15, seed=int(os.environ.get("CHAOS_SEED", "17")))
    print(figures.report())
    assert figures.faults and all(fault.recovery_seconds is not None for fault in figures.faults), figures.report()
    assert figures.flows["withdrawal paid"] and figures.flows["withdrawal failed"], figures.report()
    assert figures.flows["loan repayment"] > 0, figures.report()
    assert not figures.lost, figures.report()
    assert not figures.doubled, figures.report()
    assert not figures.stuck, figures.report()
    assert not figures.broken, figures.report()
