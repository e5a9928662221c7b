"""Shared fixtures of the accounts service tests: a running accounts service with tokens and the demo data."""

import json

import pytest
from sqlalchemy import select

from chassis.bus import Envelope
from chassis.bus.outbox import envelopes_of
from chassis.bus.tables import outbox


@pytest.fixture
def accounts_hall(start_hall, test_tokens):
    """`accounts_hall(mode, seed=True)` → a Hall running accounts only, tokens installed, demo data loaded."""

    def start(mode: str = "embedded", seed: bool = True):
        hall = start_hall(["accounts"], mode=mode)
        if seed:
            hall.seed()
        test_tokens.install(hall.runtime("accounts"))  # after the seed: a seeded hall may start afresh
        return hall

    return start


@pytest.fixture
def as_depositor(test_tokens):
    def headers(account_no: str, sub: str | None = None) -> dict:
        return test_tokens.depositor(sub=sub or f"user-{account_no}", acct=account_no)

    return headers


@pytest.fixture
def as_admin(test_tokens):
    return test_tokens.staff("staff:admin", "admin")


@pytest.fixture
def published():
    """`published(hall, event_type)` → the `data` of every such event in accounts' outbox, oldest first."""

    def events(hall, event_type: str) -> list[dict]:
        with hall.runtime("accounts").db.transaction() as session:
            rows = session.execute(select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.id))
            envelopes = [Envelope.from_json(text) for row in rows for text in envelopes_of(row.envelope)]
        return [json.loads(json.dumps(envelope.data)) for envelope in envelopes]

    return events
