"""The revocation list: a revoked sid is refused until its `until`, then forgotten (table and memory alike)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import MetaData, func, select

from chassis import clock
from chassis.auth import Caller, TokenVerifier
from chassis.db import Database
from chassis.errors import ApiError
from chassis.revocation import RevocationList, follow_revocations, revoked_sessions_table


@pytest.fixture
def listed(tmp_path):
    metadata = MetaData()
    table = revoked_sessions_table(metadata)
    db = Database(f"sqlite:///{tmp_path / 'revoked.db'}", "test")
    metadata.create_all(db.engine)
    follow = follow_revocations(table)

    def revoke(sid: str, until) -> None:
        with db.transaction() as session:
            follow(SimpleNamespace(session=session, data={"sid": sid, "until": until}))

    def rows() -> int:
        with db.read() as connection:
            return connection.scalar(select(func.count()).select_from(table))

    yield RevocationList(db, table, refresh_seconds=0), revoke, rows
    db.dispose()


def test_a_revoked_session_is_refused_until_its_tokens_expire_then_forgotten(listed):
    revocations, revoke, rows = listed
    start = clock.now()
    with clock.travelled_to(start, frozen=True) as hall_clock:
        revoke("sid-a", start + timedelta(minutes=15))
        revoke("sid-a", start + timedelta(minutes=5))  # an older, shorter announcement never shortens it
        revoke("sid-gone", start - timedelta(seconds=1))  # already expired: not even listed
        assert revocations.is_revoked("sid-a") and not revocations.is_revoked("sid-b")
        assert not revocations.is_revoked("sid-gone") and rows() == 1

        hall_clock.freeze(start + timedelta(minutes=16))
        assert not revocations.is_revoked("sid-a")  # its tokens have expired by themselves
        revoke("sid-c", start + timedelta(minutes=30))
        assert rows() == 1  # sid-a's row dropped as the next one arrived


def test_the_verifier_refuses_a_revoked_sid_even_for_a_token_it_remembers(listed):
    revocations, revoke, _rows = listed
    verifier = TokenVerifier(keys=None, audience="hall", issuer="identity", revocations=revocations)
    caller = Caller(sub="u1", center="yinchuan", acct="6401", name="张伟", roles=(), sid="sid-x")
    verifier._verified["token"] = (clock.timestamp() + 600, caller)
    assert verifier.verify("token") is caller
    revoke("sid-x", clock.now() + timedelta(minutes=15))
    with pytest.raises(ApiError) as refused:
        verifier.verify("token")
    assert refused.value.status == 401 and refused.value.code == "TOKEN_REVOKED"
