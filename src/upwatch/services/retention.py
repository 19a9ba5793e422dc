"""The prune job: raw data past its retention goes, rollups stay.

- Raw check results older than ``raw_retention_days`` — but never any in an hour the rollup job
  has not rolled up yet. On PostgreSQL whole day partitions are dropped (partitions for the
  coming days created, and finished days' indexes packed); on SQLite rows are deleted in
  batches of ``BATCH`` so no transaction holds the write lock for long.
- Heartbeat pings and *sent* deliveries older than the same retention, in batches. Pending and
  failed deliveries stay whatever their age, as the record of what did not go out.
- Hourly rollups older than ``hourly_retention_days``; daily rollups are kept forever.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from upwatch.services.rollups import progress_of
from upwatch.store.database import dialect_of
from upwatch.store.partitions import (
    compact_finished_days,
    days_ahead,
    drop_partitions_before,
    ensure_day_partitions,
)
from upwatch.store.tables import CheckResultRow, DeliveryRow, HourlyRollupRow, PingRow

BATCH = 5000
PARTITIONS_AHEAD = 7
COMPACT_DAYS_PER_RUN = 2  # a first run after an upgrade packs the backlog a little at a time
HOURLY_STEP = timedelta(hours=6)
PRUNE_LOCK_KEY = 0x75707072  # "uppr": one prune at a time across the fleet


@dataclass(slots=True)
class PruneRun:
    cutoff: datetime | None = None
    partitions_dropped: list[date] = field(default_factory=list)
    partitions_created: list[date] = field(default_factory=list)
    partitions_compacted: list[date] = field(default_factory=list)
    results_deleted: int = 0
    pings_deleted: int = 0
    deliveries_deleted: int = 0
    hourly_rollups_deleted: int = 0
    skipped: bool = False


async def run_prune(
    *,
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    raw_retention_days: int,
    hourly_retention_days: int,
) -> PruneRun:
    run = PruneRun()
    raw_cutoff = now - timedelta(days=raw_retention_days)
    async with sessions.begin() as session:
        if not await _take_lock(session):
            run.skipped = True
            return run
        progress = await progress_of(session)
        if progress.hours_through is not None:
            run.cutoff = min(raw_cutoff, progress.hours_through)
        partitioned = dialect_of(session) == "postgresql"
        if partitioned:
            await _maintain_partitions(session, run, now)
    if run.cutoff is not None and not partitioned:
        run.results_deleted = await _delete_in_batches(
            sessions,
            CheckResultRow,
            CheckResultRow.scheduled_at < run.cutoff,
            key=(CheckResultRow.scheduled_at, CheckResultRow.monitor_id),
        )
    run.pings_deleted = await _delete_in_batches(
        sessions, PingRow, PingRow.received_at < raw_cutoff
    )
    run.deliveries_deleted = await _delete_in_batches(
        sessions, DeliveryRow, DeliveryRow.status == "sent", DeliveryRow.sent_at < raw_cutoff
    )
    run.hourly_rollups_deleted = await _prune_hourly(
        sessions, now - timedelta(days=hourly_retention_days)
    )
    return run


async def _take_lock(session: AsyncSession) -> bool:
    """On PostgreSQL, a transaction-scoped advisory lock: a second prune skips."""
    if dialect_of(session) != "postgresql":
        return True
    taken = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PRUNE_LOCK_KEY}
    )
    return bool(taken)


async def _maintain_partitions(session: AsyncSession, run: PruneRun, now: datetime) -> None:
    cutoff = run.cutoff

    def maintain(connection: Connection) -> None:
        run.partitions_created = ensure_day_partitions(
            connection, days_ahead(now.date(), PARTITIONS_AHEAD)
        )
        if cutoff is not None:
            run.partitions_dropped = drop_partitions_before(connection, cutoff.date())
        run.partitions_compacted = compact_finished_days(
            connection, now.date(), limit=COMPACT_DAYS_PER_RUN
        )

    await session.run_sync(lambda sync_session: maintain(sync_session.connection()))


async def ensure_partitions_ahead(*, session: AsyncSession, today: date) -> list[date]:
    """Create the coming days' partitions now (PostgreSQL; nothing to do on SQLite)."""
    if dialect_of(session) != "postgresql":
        return []
    return await session.run_sync(
        lambda sync_session: ensure_day_partitions(
            sync_session.connection(), days_ahead(today, PARTITIONS_AHEAD)
        )
    )


async def _delete_in_batches(
    sessions: async_sessionmaker[AsyncSession],
    table: Any,
    *conditions: Any,
    key: tuple[Any, ...] = (),
) -> int:
    """Delete matching rows oldest ``key`` (default: id) first, one short transaction per
    batch."""
    columns = key or (table.id,)
    oldest = select(*columns).where(*conditions).order_by(*columns).limit(BATCH)
    deleted = 0
    while True:
        async with sessions.begin() as session:
            result = await session.execute(delete(table).where(tuple_(*columns).in_(oldest)))
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        deleted += count
        if count < BATCH:
            return deleted


async def _prune_hourly(sessions: async_sessionmaker[AsyncSession], cutoff: datetime) -> int:
    """Delete hourly rollups before ``cutoff`` a few hours at a time (the hour index)."""
    deleted = 0
    while True:
        async with sessions.begin() as session:
            oldest = await session.scalar(select(func.min(HourlyRollupRow.hour)))
            if oldest is None or oldest >= cutoff:
                return deleted
            result = await session.execute(
                delete(HourlyRollupRow).where(
                    HourlyRollupRow.hour < min(oldest + HOURLY_STEP, cutoff)
                )
            )
            deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
