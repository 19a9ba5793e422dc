"""Pruning raw data past its retention, on SQLite (batched deletes) and PostgreSQL (partitions)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.services.rollup_data import Raw, make_monitors, store
from upwatch.services import retention
from upwatch.services.retention import run_prune
from upwatch.services.rollup_job import run_rollup
from upwatch.store.database import dialect_of
from upwatch.store.partitions import SCHEMA, ensure_day_partitions, existing_days
from upwatch.store.tables import (
    ChannelRow,
    CheckResultRow,
    DailyRollupRow,
    DeliveryRow,
    HourlyRollupRow,
    PingRow,
)

Sessions = async_sessionmaker[AsyncSession]


def _daily(monitor_id: int, now: datetime, days: int) -> list[Raw]:
    """Two results a day for ``days`` days before ``now``."""
    return [
        Raw(monitor_id, now - timedelta(days=n, hours=h), "up", 10.0)
        for n in range(1, days + 1)
        for h in (1, 17)
    ]


async def _count(sessions: Sessions, table: type[object], *where: object) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(select(func.count()).select_from(table).where(*where)) or 0  # type: ignore[arg-type]
        )


async def _dialect(sessions: Sessions) -> str:
    async with sessions() as session:
        return dialect_of(session)


async def test_old_results_go_rollups_stay(
    sessions: Sessions, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 7)  # several batches on SQLite
    (monitor_id,) = await make_monitors(sessions, clock, 1)
    now = clock()
    await store(sessions, _daily(monitor_id, now, 40))
    await run_rollup(sessions=sessions, now=now)
    daily_before = await _count(sessions, DailyRollupRow)

    run = await run_prune(
        sessions=sessions, now=now, raw_retention_days=30, hourly_retention_days=365
    )

    cutoff = now - timedelta(days=30)
    start_of_cutoff_day = datetime.combine(cutoff.date(), datetime.min.time(), tzinfo=UTC)
    assert run.cutoff == cutoff
    # Whole days before the cutoff's day are gone everywhere; SQLite deletes up to the cutoff.
    assert (
        await _count(sessions, CheckResultRow, CheckResultRow.scheduled_at < start_of_cutoff_day)
        == 0
    )
    if await _dialect(sessions) == "sqlite":
        assert await _count(sessions, CheckResultRow, CheckResultRow.scheduled_at < cutoff) == 0
        assert run.results_deleted == 2 * 11  # days 30 to 40 before now
    assert await _count(sessions, CheckResultRow, CheckResultRow.scheduled_at >= cutoff) == 2 * 29
    assert await _count(sessions, DailyRollupRow) == daily_before
    assert await _count(sessions, HourlyRollupRow) == 2 * 40


async def test_nothing_is_pruned_before_it_is_rolled_up(sessions: Sessions, clock: Clock) -> None:
    (monitor_id,) = await make_monitors(sessions, clock, 1)
    await store(sessions, _daily(monitor_id, clock(), 40))

    run = await run_prune(
        sessions=sessions, now=clock(), raw_retention_days=30, hourly_retention_days=365
    )

    assert run.cutoff is None
    assert await _count(sessions, CheckResultRow) == 2 * 40


async def test_hourly_rollups_past_their_retention_go(sessions: Sessions, clock: Clock) -> None:
    (monitor_id,) = await make_monitors(sessions, clock, 1)
    await store(sessions, _daily(monitor_id, clock(), 40))
    await run_rollup(sessions=sessions, now=clock())

    run = await run_prune(
        sessions=sessions, now=clock(), raw_retention_days=30, hourly_retention_days=20
    )

    assert run.hourly_rollups_deleted == 2 * 21  # days 20 to 40 before now
    oldest = clock() - timedelta(days=20)
    assert await _count(sessions, HourlyRollupRow, HourlyRollupRow.hour < oldest) == 0
    assert await _count(sessions, DailyRollupRow) >= 40


async def test_old_pings_and_sent_deliveries_go(sessions: Sessions, clock: Clock) -> None:
    (monitor_id,) = await make_monitors(sessions, clock, 1)
    old, recent = clock() - timedelta(days=31), clock() - timedelta(days=1)
    async with sessions.begin() as session:
        channel = ChannelRow(name="hook", kind="webhook", config={}, created_at=old)
        session.add(channel)
        await session.flush()
        for n, at in enumerate((old, recent)):
            session.add(
                PingRow(monitor_id=monitor_id, received_at=at, kind="success", method="GET")
            )
            for status in ("sent", "failed"):
                session.add(
                    DeliveryRow(
                        idempotency_key=f"{status}-{n}",
                        channel_id=channel.id,
                        event="down",
                        message={},
                        status=status,
                        next_attempt_at=at,
                        created_at=at,
                        sent_at=at if status == "sent" else None,
                    )
                )

    run = await run_prune(
        sessions=sessions, now=clock(), raw_retention_days=30, hourly_retention_days=365
    )

    assert (run.pings_deleted, run.deliveries_deleted) == (1, 1)
    async with sessions() as session:
        kept = set(await session.scalars(select(DeliveryRow.idempotency_key)))
    assert kept == {"sent-1", "failed-0", "failed-1"}


async def test_postgresql_drops_old_partitions_and_creates_the_next(
    sessions: Sessions, clock: Clock
) -> None:
    if await _dialect(sessions) != "postgresql":
        pytest.skip("partitions are PostgreSQL's")
    (monitor_id,) = await make_monitors(sessions, clock, 1)
    now = clock() + timedelta(days=20)  # beyond the days the migration prepared
    old_day = (now - timedelta(days=35)).date()
    far_future = datetime(2031, 1, 1, 12, tzinfo=UTC)
    await store(sessions, _daily(monitor_id, now, 40))
    async with sessions.begin() as session:
        await session.run_sync(lambda s: ensure_day_partitions(s.connection(), [old_day]))
    await run_rollup(sessions=sessions, now=now)

    run = await run_prune(
        sessions=sessions, now=now, raw_retention_days=30, hourly_retention_days=365
    )
    await store(sessions, [Raw(monitor_id, far_future, "up", 5.0)])

    async with sessions() as session:
        days = await session.run_sync(lambda s: existing_days(s.connection()))
        overflow = await session.scalar(
            text(f"SELECT count(*) FROM {SCHEMA}.overflow WHERE scheduled_at = :at"),  # noqa: S608
            {"at": far_future},
        )
    assert old_day in run.partitions_dropped
    assert old_day not in days
    assert {now.date() + timedelta(days=n) for n in range(8)} <= days
    assert overflow == 1
    assert await _count(sessions, CheckResultRow, CheckResultRow.scheduled_at == far_future) == 1


async def test_a_new_partition_takes_over_its_rows_from_the_default_one(
    sessions: Sessions, clock: Clock
) -> None:
    if await _dialect(sessions) != "postgresql":
        pytest.skip("partitions are PostgreSQL's")
    (monitor_id,) = await make_monitors(sessions, clock, 1)
    day = date(2029, 5, 17)
    at = datetime(2029, 5, 17, 8, tzinfo=UTC)
    await store(sessions, [Raw(monitor_id, at, "down", 1.0)])

    async with sessions.begin() as session:
        created = await session.run_sync(lambda s: ensure_day_partitions(s.connection(), [day]))
    async with sessions() as session:
        moved = await session.scalar(text(f"SELECT count(*) FROM {SCHEMA}.d20290517"))  # noqa: S608
    async with sessions.begin() as session:
        await session.execute(text(f"DROP TABLE {SCHEMA}.d20290517"))

    assert (created, moved) == ([day], 1)
