"""Revoked login sessions: an access token whose `sid` is listed is refused at once, not when it expires.

identity publishes `identity.session.revoked` {sid, until} through its outbox on logout, password change, password
reset and lock (and lists the session in its own table in that transaction). A service that checks tokens keeps
the list in its own database (a `revoked_sessions` table, added to its models with
`revoked_sessions_table(Base.metadata)`), fed by `follow_revocations(table)` (one `handles` line in its app.py).
Its TokenVerifier reads the list (new rows every REFRESH_SECONDS, from memory between). An entry lives only as
long as a token of that session could (`until`: the last access token's expiry), then goes.
"""

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import Column, MetaData, String, Table, delete, select

from chassis import clock
from chassis.db import Database, UtcDateTime

log = logging.getLogger("chassis.revocation")

TABLE = "revoked_sessions"
# how stale a process's copy of the list may be (plus the event's way through the bus)
REFRESH_SECONDS = 1.0
# rows are read again this far back, so one committed late (an older recorded_at) is not missed
OVERLAP = timedelta(seconds=30)


def revoked_sessions_table(metadata: MetaData) -> Table:
    return Table(
        TABLE,
        metadata,
        Column("sid", String(64), primary_key=True),
        Column("until", UtcDateTime, nullable=False, index=True),
        Column("recorded_at", UtcDateTime, nullable=False, index=True),
    )


def follow_revocations(table: Table):
    """The handler of identity.session.revoked for `table`."""

    def follow(delivery) -> None:
        list_revoked(delivery.session, table, delivery.data["sid"], clock.to_utc(delivery.data["until"]))

    return follow


def list_revoked(session, table: Table, sid: str, until) -> None:
    """List the session until its tokens expire (a later `until` wins), and drop the entries that expired."""
    now = clock.now()
    session.execute(delete(table).where(table.c.until < now))
    known = session.execute(select(table.c.until).where(table.c.sid == sid)).scalar()
    if known is None:
        if until > now:
            session.execute(table.insert().values(sid=sid, until=until, recorded_at=now))
    elif until > clock.to_utc(known):
        session.execute(table.update().where(table.c.sid == sid).values(until=until, recorded_at=now))


class RevocationList:
    """One process's copy of its service's revoked sessions."""

    def __init__(self, db: Database, table: Table, refresh_seconds: float = REFRESH_SECONDS):
        self.db, self.table, self.refresh_seconds = db, table, refresh_seconds
        self._until: dict[str, float] = {}
        self._read_at = float("-inf")
        self._since = None
        self._lock = threading.Lock()

    def is_revoked(self, sid: str) -> bool:
        if time.monotonic() - self._read_at >= self.refresh_seconds:
            self._refresh()
        until = self._until.get(sid)
        return until is not None and until > clock.timestamp()

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._read_at < self.refresh_seconds:
                return
            self._read_at = time.monotonic()
            now = clock.now()
            query = select(self.table.c.sid, self.table.c.until, self.table.c.recorded_at).where(
                self.table.c.until > now
            )
            if self._since is not None:
                query = query.where(self.table.c.recorded_at >= self._since - OVERLAP)
            try:
                with self.db.read() as connection:
                    rows = connection.execute(query).all()
            except Exception:
                # the database is away: the copy in memory stays (the request itself will meet the outage)
                log.warning("revoked sessions not refreshed: database unreachable", exc_info=True)
                return
            stamp = clock.timestamp()
            self._until = {sid: until for sid, until in self._until.items() if until > stamp}
            for sid, until, recorded_at in rows:
                self._until[sid] = max(self._until.get(sid, 0.0), clock.to_utc(until).timestamp())
                recorded_at = clock.to_utc(recorded_at)
                if self._since is None or recorded_at > self._since:
                    self._since = recorded_at
            if self._since is None:
                self._since = now
