import sqlite3

import pytest
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)

from upwatch.errors import StoreUnavailableError
from upwatch.store.write_failures import write_failure_is_permanent


class PostgresError(Exception):
    """Shaped like the errors asyncpg hands SQLAlchemy: a generic one with a SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _generic(sqlstate: str) -> DBAPIError:
    return DBAPIError("INSERT", None, PostgresError(sqlstate))


def _bad_argument() -> InterfaceError:
    driver_error = Exception("invalid input for query argument $1")
    driver_error.__cause__ = ValueError("an integer is required")
    return InterfaceError("INSERT", None, driver_error)


@pytest.mark.parametrize(
    "failure",
    [
        IntegrityError("INSERT", None, sqlite3.IntegrityError("CHECK constraint failed")),
        _generic("22P05"),  # untranslatable character
        _generic("23514"),  # check violation
        ProgrammingError("INSERT", None, sqlite3.ProgrammingError("type 'dict' is not supported")),
        _bad_argument(),
        TypeError("cannot encode"),
    ],
)
def test_failures_that_retrying_cannot_fix_are_permanent(failure: BaseException) -> None:
    assert write_failure_is_permanent(failure)


@pytest.mark.parametrize(
    "failure",
    [
        OperationalError("INSERT", None, sqlite3.OperationalError("database is locked")),
        InterfaceError("INSERT", None, Exception("connection is closed")),
        _generic("40P01"),  # deadlock
        _generic("42703"),  # undefined column: a missing migration, not a bad row
        _generic("55P03"),  # lock timeout
        _generic("57P01"),  # administrator shutdown
        StoreUnavailableError("database away"),
        ConnectionResetError(),
        TimeoutError(),
        RuntimeError("unknown"),
    ],
)
def test_failures_that_may_pass_later_are_transient(failure: BaseException) -> None:
    assert not write_failure_is_permanent(failure)
