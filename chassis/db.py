"""SQLAlchemy 2 engines and sessions for requests and message handlers; money stored as whole fen."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Connection, DateTime, Engine, Integer, create_engine, event, exc, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from chassis.clock import to_utc
from chassis.money import from_fen, to_fen


class Money(TypeDecorator):
    """A Decimal yuan amount kept as an integer number of fen, exact on SQLite and PostgreSQL alike."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect) -> int | None:
        return None if value is None else to_fen(Decimal(value))

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        return None if value is None else from_fen(value)


class UtcDateTime(TypeDecorator):
    """A moment stored in UTC and handed back aware in UTC on SQLite (which keeps no offset) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type:
        return datetime  # what date filters (chassis.api.within_dates) ask to bound a moment by China midnights

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else to_utc(value)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else to_utc(value)


# BIGINT keys on PostgreSQL (ledgers and outboxes grow past 2^31); SQLite auto-increments only INTEGER keys
BigId = BigInteger().with_variant(Integer, "sqlite")


class WaitCountingQueuePool(QueuePool):
    """A QueuePool that knows how many checkouts are in progress: with the pool exhausted, they are waiting."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._waiting = 0
        self._waiting_lock = threading.Lock()

    def _do_get(self):
        with self._waiting_lock:
            self._waiting += 1
        try:
            return super()._do_get()
        finally:
            with self._waiting_lock:
                self._waiting -= 1

    def waiting(self) -> int:
        # a checkout that finds an idle connection leaves at once; one still inside with none idle is waiting
        return self._waiting if self.checkedin() == 0 else 0


def _make_engine(url: str, pool_size: int, max_overflow: int | None = None, **options) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            # let SQLAlchemy, not the driver, decide when transactions begin
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection) -> None:
            if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return  # Database.read(): one statement, no transaction to begin
            # IMMEDIATE takes the write lock up front: threads queue on busy_timeout instead of
            # failing at once when a read transaction later tries to write
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # every unit of work ends in COMMIT or ROLLBACK (Database.transaction, Session.close): the pool need not
    # roll back again when a connection comes back
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_recycle=600,
        pool_reset_on_return=None,
        poolclass=WaitCountingQueuePool,
        **options,
    )
    _ping_when_idle(engine)
    return engine


# A connection back in use within this many seconds is not pinged first: under load a ping would be one more
# round trip on every request, while one idle longer may have been cut (a database restart, a failover).
PING_AFTER_IDLE_SECONDS = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping, only for connections that sat idle: the pool replaces one that fails the ping."""

    @event.listens_for(engine, "checkin")
    def _remember_checkin(_dbapi_connection, record) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            if not getattr(dbapi_connection, "autocommit", True):
                dbapi_connection.rollback()  # the ping opened a transaction on a non-autocommit connection
        except Exception as error:
            raise exc.DisconnectionError(f"connection idle for a while failed its ping: {error}") from error


class Database:
    """One service's database. `transaction()` is the unit of work for a request or a message."""

    def __init__(self, url: str, service: str, pool_size: int = 5, max_overflow: int | None = None):
        self.url = url
        self.service = service
        self.engine = _make_engine(url, pool_size, max_overflow)
        if self.engine.dialect.name == "sqlite":
            # one file, one pool: switching a connection to autocommit is a flag in the driver
            self._read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            # connections that stay in autocommit: switching a pooled one there and back costs four driver calls
            # on every read, as much as the read itself
            self._read_engine = _make_engine(url, pool_size, max_overflow, isolation_level="AUTOCOMMIT")
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info={"service": service})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A Core connection for one read statement, outside any transaction: no BEGIN and COMMIT round trips,
        which are most of a primary-key read's cost. One statement is consistent by itself; several are not
        one snapshot, so a read that needs that uses `transaction()`."""
        with self._read_engine.connect() as connection:
            yield connection

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
        self._read_engine.dispose()
