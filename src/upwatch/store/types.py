"""Column types that behave the same on SQLite and PostgreSQL."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, REAL, BigInteger, DateTime, Dialect, Integer
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments INTEGER PRIMARY KEY columns, so big ids use INTEGER there.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# The largest id of an INTEGER column on PostgreSQL (every table but pings' and deliveries').
# PostgreSQL refuses a larger one in a query, rather than finding nothing.
MAX_ID = 2**31 - 1


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, also on SQLite, which keeps no time zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return _utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return _read_as_utc(value)

    # On SQLite, one function each way instead of this type's step and then the dialect's: a
    # stored ping binds about eight times and reads about nine, and the chained steps (the
    # dialect's filling its format field by field) cost twice as much. The text is the
    # dialect's own: ``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC.

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_text
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _from_sqlite_text
        return super().result_processor(dialect, coltype)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
    return value.astimezone(UTC)


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    return _utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def _from_sqlite_text(value: str | None) -> datetime | None:
    if value is None:
        return None
    return _read_as_utc(datetime.fromisoformat(value))


def _read_as_utc(moment: datetime) -> datetime:
    # Upwatch writes naive UTC; a time with an offset (written by something else) keeps its
    # instant.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Float32(TypeDecorator[float]):
    """A 4-byte float (``real``): plenty for milliseconds, half the bytes of ``double``. Read
    back at the 7 significant digits it holds, so 12.3 comes back as 12.3, not 12.30000019."""

    impl = REAL
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> float | None:
        return None if value is None else float(f"{value:.7g}")


class JSONObjectOrNull(TypeDecorator[dict[str, Any]]):
    """A JSON object stored as NULL when empty, so a row with nothing to say pays no bytes for
    it; reads give ``{}`` back."""

    impl = JSON(none_as_null=True)
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> Any:
        return value or None

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any]:
        return dict(value) if value else {}
