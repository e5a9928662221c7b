"""Telling an absent database from a handler's own failure: the first is waited out, only the second spends a
message's attempts (and so can park it)."""

from sqlalchemy import exc

# SQLSTATEs that say the server went away or cannot take us now, not that our statement was wrong: connection
# exceptions (class 08), the server shutting down or starting (57P01-57P03), too many connections (53300)
UNREACHABLE_SQLSTATES = ("57P01", "57P02", "57P03", "53300")

# error class names (the first word of a parked message's x-error header) that are known to pass by themselves:
# a message parked with one of them is re-driven by policy (chassis.bus.parking.redrive_transient)
KNOWN_TRANSIENT_ERRORS = frozenset(
    {
        "OperationalError",
        "InterfaceError",
        "DisconnectionError",
        "TimeoutError",
        "PendingRollbackError",
        "ConnectionError",
        "ConnectionResetError",
        "ConnectionRefusedError",
        "BrokenPipeError",
        "ServiceUnavailable",
    }
)


def _sqlstate(error: BaseException) -> str:
    original = getattr(error, "orig", None)
    return str(getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or "")


def says_database_unreachable(error: BaseException) -> bool:
    """The error itself says the connection failed (without asking the database again)."""
    if isinstance(error, exc.TimeoutError | exc.DisconnectionError):
        return True  # the pool had no connection for us, or one died on checkout
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        state = _sqlstate(error)
        if state.startswith("08") or state in UNREACHABLE_SQLSTATES:
            return True
    return isinstance(error, exc.PendingRollbackError) and "invalid" in str(error).lower()


def is_database_failure(error: BaseException, database_answers) -> bool:
    """An infrastructure failure of the database: it says so itself, or it is an operational/interface error
    (a failed commit, a lost connection) and the database does not answer a ping right afterwards.

    A deadlock or a statement timeout is an OperationalError too, but the database answers: those stay the
    handler's failures (retried, and parked after the last attempt) so that a message that always times out cannot
    hold the consumer forever. `database_answers` is a callable (asked at most once per batch by the caller)."""
    if not isinstance(error, exc.SQLAlchemyError):
        return False
    if says_database_unreachable(error):
        return True
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.PendingRollbackError):
        return not database_answers()
    return False


def is_known_transient(error_header: str) -> bool:
    """A parked message's error (`x-error`, "ClassName: text") names a failure that passes by itself."""
    name = error_header.split(":", 1)[0].strip()
    return name in KNOWN_TRANSIENT_ERRORS
