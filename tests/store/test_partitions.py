"""Day partitions of check_results on PostgreSQL: finished days get packed indexes, once."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.services.rollup_data import make_monitors, random_results, store
from upwatch.store.database import dialect_of
from upwatch.store.partitions import (
    SCHEMA,
    compact_finished_days,
    ensure_day_partitions,
    partition_name,
)
from upwatch.store.tables import CheckResultRow

Sessions = async_sessionmaker[AsyncSession]


async def test_finished_days_are_packed_once_and_keep_their_rows(
    sessions: Sessions, clock: Clock
) -> None:
    async with sessions() as session:
        if dialect_of(session) != "postgresql":
            pytest.skip("partitions are PostgreSQL's")
    monitors = await make_monitors(sessions, clock, 3)
    today = clock().date()
    async with sessions.begin() as session:
        # Migrations create partitions from the real date on; the test's clock is fixed.
        await session.run_sync(lambda s: ensure_day_partitions(s.connection(), [today]))
    await store(sessions, random_results(monitors, clock() - timedelta(hours=1), minutes=120))

    async with sessions.begin() as session:
        first = await session.run_sync(
            lambda s: compact_finished_days(s.connection(), today + timedelta(days=1), limit=5)
        )
    async with sessions.begin() as session:
        again = await session.run_sync(
            lambda s: compact_finished_days(s.connection(), today + timedelta(days=1), limit=5)
        )
    async with sessions() as session:
        options = await session.scalar(
            text(
                "SELECT c.reloptions FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = CAST(:table AS regclass) AND i.indisprimary"
            ),
            {"table": f"{SCHEMA}.{partition_name(today)}"},
        )
        rows = await session.scalar(select(func.count()).select_from(CheckResultRow))

    assert today in first
    assert today not in again
    assert options == ["fillfactor=100"]
    assert rows == 3 * 120
