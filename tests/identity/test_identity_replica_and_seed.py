"""The depositor replica under late and repeated events, the demo seed, and the create-staff command."""

from datetime import datetime, timedelta

import jwt
from sqlalchemy import select

from chassis import clock
from chassis.bus import Envelope
from chassis.bus.tables import inbox, outbox
from chassis.testing import wait_until
from services.accounts.events import CONTACT_CHANGED
from services.identity.models import StaffUser, User


def _contact_changed(ih, mobile: str, occurred_at: datetime) -> str:
    """A contact change stamped with its own time, as accounts would have sent it then."""
    data = CONTACT_CHANGED.payload(
        {
            "depositor_id": ih.LI_ACCOUNT,
            "center": ih.LI["center"],
            "id_number": ih.LI["id_number"],
            "account_no": ih.LI_ACCOUNT,
            "mobile": mobile,
        }
    )
    envelope = Envelope(type=CONTACT_CHANGED.type, data=data, source="accounts", occurred_at=occurred_at)
    with ih.runtime.db.transaction() as session:
        session.execute(
            outbox.insert().values(
                message_id=envelope.id, type=envelope.type, envelope=envelope.to_json(), created_at=clock.now()
            )
        )
    return envelope.id


def _handled(ih, message_id: str) -> bool:
    with ih.runtime.db.transaction() as session:
        return session.execute(select(inbox.c.message_id).where(inbox.c.message_id == message_id)).first() is not None


def test_the_newest_mobile_wins_whatever_the_arrival_order(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.LI, ih.LI_ACCOUNT)
    now = clock.now()
    newest = _contact_changed(ih, "13995000077", now + timedelta(seconds=5))
    wait_until(lambda: _handled(ih, newest), what="the new mobile")
    late = _contact_changed(ih, "13995000066", now + timedelta(seconds=1))  # older, arrives late
    wait_until(lambda: _handled(ih, late), what="the late change")
    replica = ih.replica(ih.LI)
    assert (replica.mobile, replica.name, replica.account_no) == ("13995000077", "李娜", ih.LI_ACCOUNT)


def test_seed_is_idempotent_and_the_replica_joins_the_demo_user(identity_hall):
    ih = identity_hall()
    ih.hall.seed()
    ih.hall.seed()
    with ih.runtime.db.transaction() as session:
        assert session.scalar(select(User.username)) == "zhangwei01"
        assert len(session.scalars(select(StaffUser)).all()) == 7
    # before accounts' event the token uses the account number the seed knows; after it, the replica's
    before = ih.client.post(
        f"{ih.API}/sessions", json={"center": "yinchuan", "username": "zhangwei01", "password": "Demo123456"}
    )
    assert (
        jwt.decode(before.get_json()["access_token"], options={"verify_signature": False})["acct"] == ih.ZHANG_ACCOUNT
    )
    ih.feed_depositor(ih.ZHANG, ih.ZHANG_ACCOUNT)
    login = ih.log_in("zhangwei01", "Demo123456")
    claims = jwt.decode(login.get_json()["access_token"], options={"verify_signature": False})
    assert (claims["acct"], claims["name"]) == (ih.ZHANG_ACCOUNT, "张伟")
    staff = ih.client.post(f"{ih.API}/staff-sessions", json={"username": "wofficer2", "password": "Demo123456"})
    assert jwt.decode(staff.get_json()["access_token"], options={"verify_signature": False})["roles"] == [
        "withdrawal_officer"
    ]


def test_create_staff_command(identity_hall):
    ih = identity_hall()
    runner = ih.hall.apps["identity"].test_cli_runner()
    result = runner.invoke(
        args=["create-staff", "Officer9", "--name", "马涛", "--role", "loan_officer", "--password", "Staff2025"]
    )
    assert result.exit_code == 0, result.output
    reply = ih.client.post(f"{ih.API}/staff-sessions", json={"username": "officer9", "password": "Staff2025"})
    assert reply.status_code == 201
    refused = runner.invoke(args=["create-staff", "x1", "--name", "某", "--role", "pilot", "--password", "Staff2025"])
    assert refused.exit_code != 0
