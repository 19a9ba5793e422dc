"""The rollup job: keeps hourly and daily rollups up to date, incrementally and idempotently.

Each run does three kinds of step, each its own short transaction holding the one
``rollup_state`` row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a second scheduler running
the job at the same time skips instead of doing the work twice):

1. **Late results.** Results written more than a minute after their hour ended (a fleet
   worker's backlog, an outage) mark their (monitor, hour) in ``rollup_late_hours`` as they
   are inserted (services/results.py); the marks in hours before ``hours_through`` are taken
   and re-roll their (monitor, hour) and (monitor, day). Marks of hours not rolled up yet wait
   for the next run after them.
2. **Whole hours.** Every hour that ended more than ``SETTLE`` ago is rolled up once, for all
   monitors, and ``hours_through`` moves past it. On PostgreSQL one statement rolls up to
   ``CATCH_UP_HOURS`` at once, entirely in the database (services/rollup_hours_sql.py);
   elsewhere an hour at a time, the sketches built in Python.
3. **Whole days.** Every UTC day whose hours are all rolled up is merged from them.

Rows are upserted, so re-running any step gives the same rows. Downtime is the time an
incident was open within the hour (an open incident counts up to the hour's end).
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Table, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from upwatch.services import rollup_hours_sql
from upwatch.services.rollup_tally import (
    Tally,
    downtime_seconds,
    raw_tallies,
    rollup_tallies,
    rollup_values,
)
from upwatch.services.rollups import DAY, HOUR, STATE_ID, floor_hour, start_of
from upwatch.store.database import dialect_of, insert_ignoring_conflicts
from upwatch.store.monitors import locked
from upwatch.store.tables import (
    CheckResultRow,
    DailyRollupRow,
    HourlyRollupRow,
    IncidentRow,
    LateResultHourRow,
    MonitorRow,
    RollupStateRow,
)

log = structlog.get_logger(__name__)
SETTLE = timedelta(minutes=2)
# Late results touching more monitors than this in one hour re-roll the whole hour.
WHOLE_HOUR_MONITORS = 1000
UPSERT_CHUNK = 5000
# Hours rolled up by one statement while catching up: one transaction stays short.
CATCH_UP_HOURS = 6


@dataclass(slots=True)
class RollupRun:
    hours: int = 0
    days: int = 0
    late_hours: int = 0
    skipped: bool = False


async def run_rollup(
    *,
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    max_steps: int = 24 * 40,
    should_stop: Callable[[], bool] = lambda: False,
) -> RollupRun:
    """Bring the rollups up to ``now``; stops early when another run holds the state."""
    run = RollupRun()
    async with sessions.begin() as session:
        state = await _claim_state(session, now)
        if state is None:
            run.skipped = True
            return run
        run.late_hours = await _reroll_late(session, state, now)
    for _ in range(max_steps):
        if should_stop():
            break
        async with sessions.begin() as session:
            state = await _claim_state(session, now)
            if state is None:
                run.skipped = True
                return run
            advanced = await _roll_next_hour(session, state, now)
            if not advanced:
                break
        run.hours += advanced
    while not should_stop():
        async with sessions.begin() as session:
            state = await _claim_state(session, now)
            if state is None:
                run.skipped = True
                return run
            if not await _roll_next_day(session, state, now):
                break
        run.days += 1
    return run


async def _claim_state(session: AsyncSession, now: datetime) -> RollupStateRow | None:
    await session.execute(
        insert_ignoring_conflicts(session, RollupStateRow, key=["id"]),
        [{"id": STATE_ID, "updated_at": now}],
    )
    statement = select(RollupStateRow).where(RollupStateRow.id == STATE_ID)
    state = await session.scalar(await locked(statement, session, skip_locked=True))
    if state is None or state.hours_through is not None:
        return state
    first = await session.scalar(select(func.min(CheckResultRow.scheduled_at)))
    start = floor_hour(first if first is not None else now - SETTLE)
    state.hours_through = start
    state.days_through = start.date()
    state.updated_at = now
    return state


async def _reroll_late(session: AsyncSession, state: RollupStateRow, now: datetime) -> int:
    assert state.hours_through is not None
    touched = await _take_late_hours(session, state.hours_through)
    days: dict[date, set[int]] = defaultdict(set)
    for hour, monitor_ids in sorted(touched.items()):
        whole = len(monitor_ids) > WHOLE_HOUR_MONITORS
        await roll_hours(session, hour, hour + HOUR, None if whole else sorted(monitor_ids), now)
        days[hour.date()] |= monitor_ids
    for day, monitor_ids in sorted(days.items()):
        if state.days_through is not None and day < state.days_through:
            whole = len(monitor_ids) > WHOLE_HOUR_MONITORS
            await roll_day(session, day, None if whole else sorted(monitor_ids))
    if touched:
        # Only when rows changed: status pages read their rolled-up days again when it moves.
        log.info("re-rolled hours with late results", hours=len(touched))
        state.updated_at = now
    return len(touched)


async def _take_late_hours(
    session: AsyncSession, hours_through: datetime
) -> dict[datetime, set[int]]:
    """Remove and return the late marks of hours already rolled up (the deletion commits
    with their re-roll)."""
    found = await session.execute(
        delete(LateResultHourRow)
        .where(LateResultHourRow.hour < hours_through)
        .returning(LateResultHourRow.monitor_id, LateResultHourRow.hour)
    )
    touched: dict[datetime, set[int]] = defaultdict(set)
    for monitor_id, hour in found:
        touched[hour].add(monitor_id)
    return touched


async def _roll_next_hour(session: AsyncSession, state: RollupStateRow, now: datetime) -> int:
    """Roll up the next whole hours (up to ``CATCH_UP_HOURS`` of them in one statement), or
    skip the quiet ones among them up to the next with data; returns how many hours
    ``hours_through`` moved. Every look is bounded by those hours, never the whole table."""
    hour = state.hours_through
    assert hour is not None
    complete_until = floor_hour(now - SETTLE - HOUR) + HOUR
    if hour >= complete_until:
        return 0
    state.updated_at = now
    until = min(complete_until, hour + CATCH_UP_HOURS * HOUR)
    quiet_until = await _quiet_until(session, hour, until)
    if quiet_until > hour:
        state.hours_through = quiet_until  # nothing to roll up: no results, no incident
        return int((quiet_until - hour) / HOUR)
    await roll_hours(session, hour, until, None, now)
    state.hours_through = until
    return int((until - hour) / HOUR)


async def _quiet_until(session: AsyncSession, hour: datetime, complete_until: datetime) -> datetime:
    """The start of the first hour from ``hour`` on that has results or incident time."""
    next_result = await session.scalar(
        select(func.min(CheckResultRow.scheduled_at)).where(
            CheckResultRow.scheduled_at >= hour, CheckResultRow.scheduled_at < complete_until
        )
    )
    quiet_until = complete_until if next_result is None else floor_hour(next_result)
    quiet_until = min(quiet_until, complete_until)
    if quiet_until <= hour:
        return hour
    first_incident = await session.scalar(
        select(func.min(IncidentRow.opened_at)).where(
            IncidentRow.opened_at < quiet_until,
            IncidentRow.resolved_at.is_(None) | (IncidentRow.resolved_at > hour),
        )
    )
    if first_incident is None:
        return quiet_until
    return max(hour, floor_hour(first_incident))


async def _roll_next_day(session: AsyncSession, state: RollupStateRow, now: datetime) -> bool:
    day, hours_through = state.days_through, state.hours_through
    assert day is not None
    assert hours_through is not None
    if start_of(day) + DAY > hours_through:
        return False
    await roll_day(session, day, None)
    state.days_through = day + timedelta(days=1)
    state.updated_at = now
    return True


async def roll_hours(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    monitor_ids: Sequence[int] | None,
    now: datetime,
) -> int:
    """(Re)compute the hourly rows of the hours in ``[since, until)`` for ``monitor_ids``
    (``None``: all monitors): one statement on PostgreSQL, an hour at a time elsewhere."""
    if dialect_of(session) == "postgresql":
        return await rollup_hours_sql.upsert_hours_in_one_statement(
            session, since=since, until=until, monitor_ids=monitor_ids, now=now
        )
    rows = 0
    hour = since
    while hour < until:
        rows += await _roll_hour(session, hour, monitor_ids, now)
        hour += HOUR
    return rows


async def _roll_hour(
    session: AsyncSession, hour: datetime, monitor_ids: Sequence[int] | None, now: datetime
) -> int:
    end = hour + HOUR
    tallies = await raw_tallies(
        session, since=hour, until=end, monitor_ids=monitor_ids, with_sketch=True
    )
    down = await downtime_seconds(session, since=hour, until=min(end, now), monitor_ids=monitor_ids)
    for monitor_id, seconds in down.items():
        tallies.setdefault(monitor_id, Tally()).downtime_seconds = seconds
    rows = [
        {"monitor_id": monitor_id, "hour": hour, **rollup_values(tally)}
        for monitor_id, tally in tallies.items()
    ]
    return await _upsert(session, HourlyRollupRow, ["monitor_id", "hour"], rows)


async def roll_day(session: AsyncSession, day: date, monitor_ids: Sequence[int] | None) -> int:
    """(Re)compute the daily rows of ``day`` from its hourly rows."""
    tallies = await rollup_tallies(
        session,
        HourlyRollupRow,
        since=start_of(day),
        until=start_of(day) + DAY,
        monitor_ids=monitor_ids,
        with_sketch=True,
    )
    rows = [
        {"monitor_id": monitor_id, "day": day, **rollup_values(tally)}
        for monitor_id, tally in tallies.items()
    ]
    return await _upsert(session, DailyRollupRow, ["monitor_id", "day"], rows)


async def _upsert(
    session: AsyncSession, table: Any, key: list[str], rows: list[dict[str, Any]]
) -> int:
    rows = await _of_existing_monitors(session, rows)
    if not rows:
        return 0
    target: Table = table.__table__
    insert = pg_insert if dialect_of(session) == "postgresql" else sqlite_insert
    statement = insert(target)
    values = [column.name for column in target.columns if column.name not in key]
    statement = statement.on_conflict_do_update(
        index_elements=key, set_={name: statement.excluded[name] for name in values}
    )
    for start in range(0, len(rows), UPSERT_CHUNK):
        await session.execute(statement, rows[start : start + UPSERT_CHUNK])
    return len(rows)


async def _of_existing_monitors(
    session: AsyncSession, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Drop rows of monitors deleted since their results were read."""
    wanted = {row["monitor_id"] for row in rows}
    if not wanted:
        return rows
    statement = select(MonitorRow.id)
    if len(wanted) <= WHOLE_HOUR_MONITORS:
        statement = statement.where(MonitorRow.id.in_(wanted))
    existing = set(await session.scalars(statement))
    return [row for row in rows if row["monitor_id"] in existing]
