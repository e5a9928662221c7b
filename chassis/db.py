"""SQLAlchemy 2 engines and sessions for requests and message handlers; money stored as whole fen."""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import BigInteger, Engine, Integer, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from chassis.money import from_fen, to_fen


class Money(TypeDecorator):
    """A Decimal yuan amount kept as an integer number of fen, exact on SQLite and PostgreSQL alike."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect) -> int | None:
        return None if value is None else to_fen(Decimal(value))

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        return None if value is None else from_fen(value)


# BIGINT keys on PostgreSQL (ledgers and outboxes grow past 2^31); SQLite auto-increments only INTEGER keys
BigId = BigInteger().with_variant(Integer, "sqlite")


def _make_engine(url: str, pool_size: int) -> Engine:
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
            # IMMEDIATE takes the write lock up front: threads queue on busy_timeout instead of
            # failing at once when a read transaction later tries to write
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # every unit of work ends in COMMIT or ROLLBACK (Database.transaction, Session.close): the pool need not
    # roll back again when a connection comes back
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=600,
        pool_reset_on_return=None,
    )


class Database:
    """One service's database. `transaction()` is the unit of work for a request or a message."""

    def __init__(self, url: str, service: str, pool_size: int = 5):
        self.url = url
        self.service = service
        self.engine = _make_engine(url, pool_size)
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
