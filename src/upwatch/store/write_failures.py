"""Whether a failed write may succeed if tried again, or never will with the same rows."""

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    ProgrammingError,
    StatementError,
)

from upwatch.errors import StoreUnavailableError

# SQLSTATE classes that blame a row's values: data exception (22), integrity constraint violation
# (23). Anything else may pass on a later try: connection, resources, deadlock, lock timeout,
# shutdown, and syntax or access rule violations (42), which no row causes and every row would
# hit (a missing migration or grant): dropping them all would lose what is fixable.
PERMANENT_SQLSTATE_CLASSES = frozenset({"22", "23"})
# Raised by our own code or a driver for a value it cannot handle: retrying cannot help.
PERMANENT_PYTHON_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError)


def write_failure_is_permanent(exc: BaseException) -> bool:
    """True when retrying ``exc``'s write with the same rows would fail again.

    Unknown failures count as transient: wrongly retrying stalls a writer (and is counted and
    logged), wrongly giving up would lose what was promised durable.
    """
    if isinstance(exc, StoreUnavailableError):
        return False
    sqlstate = _sqlstate(exc)
    if sqlstate is not None:
        return sqlstate[:2] in PERMANENT_SQLSTATE_CLASSES
    # No SQLSTATE (SQLite): its ProgrammingError is a value it cannot bind.
    if isinstance(exc, (IntegrityError, DataError, ProgrammingError)):
        return True
    if isinstance(exc, InterfaceError):
        # asyncpg reports an argument it cannot encode as an InterfaceError that is also a
        # ValueError; other interface errors are lost connections.
        return _caused_by_bad_value(exc.orig)
    if isinstance(exc, DBAPIError):
        return False
    if isinstance(exc, StatementError):
        # Not from the database: a parameter failed to bind before the statement was sent.
        return exc.orig is not None and isinstance(exc.orig, PERMANENT_PYTHON_ERRORS)
    return isinstance(exc, PERMANENT_PYTHON_ERRORS)


def _sqlstate(exc: BaseException) -> str | None:
    if not isinstance(exc, DBAPIError) or exc.connection_invalidated:
        return None
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) and len(sqlstate) == 5 else None


def _caused_by_bad_value(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, PERMANENT_PYTHON_ERRORS):
            return True
        error = error.__cause__
    return False
