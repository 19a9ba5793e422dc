"""UTCDateTime on SQLite: the dialect's own text in, aware UTC datetimes out."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from upwatch.store.database import create_engine
from upwatch.store.types import UTCDateTime

EAST = timezone(timedelta(hours=2))
metadata = MetaData()
moments = Table(
    "moments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=True),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'types.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 6, 23, 0, tzinfo=UTC),  # no microseconds: still written out
        datetime(2026, 12, 6, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 12, 7, 1, 0, 0, 5, tzinfo=EAST),  # stored as 23:00 UTC the day before
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
    ],
)
def test_the_stored_text_is_the_sqlite_dialects_own(moment: datetime) -> None:
    # Stored times are compared as text: rows written before must sort among new ones.
    dialect = sqlite.dialect()
    stock = sqlite.DATETIME().bind_processor(dialect)  # type: ignore[no-untyped-call]
    ours = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert stock is not None
    assert ours is not None

    assert ours(moment) == stock(moment.astimezone(UTC).replace(tzinfo=None))


async def test_times_come_back_aware_in_utc_and_compare_with_older_rows(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        # As the dialect wrote it before: its format string, filled field by field.
        await connection.execute(
            text("INSERT INTO moments (id, at) VALUES (1, '2026-12-06 22:59:59.999999')")
        )
        await connection.execute(
            insert(moments),
            [
                {"id": 2, "at": datetime(2026, 12, 6, 23, 0, tzinfo=UTC)},
                {"id": 3, "at": datetime(2026, 12, 7, 1, 30, tzinfo=EAST)},
                {"id": 4, "at": None},
            ],
        )
    async with engine.connect() as connection:
        stored = dict((await connection.execute(select(moments.c.id, moments.c.at))).all())
        later = (
            await connection.scalars(
                select(moments.c.id)
                .where(moments.c.at >= datetime(2026, 12, 6, 23, 0, tzinfo=UTC))
                .order_by(moments.c.at)
            )
        ).all()

    assert stored == {
        1: datetime(2026, 12, 6, 22, 59, 59, 999_999, tzinfo=UTC),
        2: datetime(2026, 12, 6, 23, 0, tzinfo=UTC),
        3: datetime(2026, 12, 6, 23, 30, tzinfo=UTC),
        4: None,
    }
    assert all(moment is None or moment.tzinfo is UTC for moment in stored.values())
    assert later == [2, 3]


async def test_text_with_an_offset_written_by_something_else_keeps_its_instant(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO moments (id, at) VALUES (1, '2026-12-07 00:30:00+02:00')")
        )
        stored = await connection.scalar(select(moments.c.at))

    assert stored == datetime(2026, 12, 6, 22, 30, tzinfo=UTC)
    assert stored.tzinfo is UTC


async def test_a_naive_time_is_refused_and_nothing_is_stored(engine: AsyncEngine) -> None:
    with pytest.raises(StatementError, match="naive datetimes are not stored"):
        async with engine.begin() as connection:
            await connection.execute(insert(moments), [{"id": 1, "at": datetime(2026, 12, 6)}])
    async with engine.connect() as connection:
        assert (await connection.execute(select(moments))).all() == []
