"""Rollups against figures computed straight from the raw rows, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.services.rollup_data import (
    expected,
    make_monitors,
    random_results,
    store,
    within_one_percent,
)
from upwatch.services import rollups
from upwatch.services.rollup_job import run_rollup
from upwatch.services.rollups import HOUR, Progress, Segment, Source, plan
from upwatch.store.database import dialect_of
from upwatch.store.tables import DailyRollupRow, HourlyRollupRow, IncidentRow, RollupStateRow

Sessions = async_sessionmaker[AsyncSession]
# Three hours before the clock's midnight, and three after it.
START = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)


async def _hourly(sessions: Sessions) -> dict[tuple[int, datetime], HourlyRollupRow]:
    async with sessions() as session:
        rows = (await session.scalars(select(HourlyRollupRow))).all()
    return {(row.monitor_id, row.hour): row for row in rows}


async def test_hourly_and_daily_rollups_match_the_raw_rows(
    sessions: Sessions, clock: Clock
) -> None:
    monitors = await make_monitors(sessions, clock, 3)
    results = random_results(monitors, START, minutes=6 * 60)
    await store(sessions, results)

    run = await run_rollup(sessions=sessions, now=START + timedelta(hours=30))

    # Hours from 22 Nov 21:00 to 24 Nov 02:00 (that one ends too recently); days 22 and 23 Nov.
    assert (run.hours, run.days) == (29, 2)
    hourly = await _hourly(sessions)
    for monitor_id in monitors:
        for n in range(6):
            hour = START + n * HOUR
            want = expected(results, monitor_id, hour, hour + HOUR)
            row = hourly[monitor_id, hour]
            counts = (row.checks, row.failures, row.degraded, row.maintenance, row.not_run)
            assert counts == (
                want.checks,
                want.failures,
                want.degraded,
                want.maintenance,
                want.not_run,
            )
            assert within_one_percent(row.latency_p50, want.quantile(0.5))
            assert within_one_percent(row.latency_p95, want.quantile(0.95))
            assert within_one_percent(row.latency_p99, want.quantile(0.99))
    midnight = datetime(2026, 11, 23, tzinfo=UTC)
    async with sessions() as session:
        day = await session.get_one(DailyRollupRow, (monitors[0], midnight.date()))
    want = expected(results, monitors[0], midnight, midnight + timedelta(days=1))
    assert (day.day, day.checks, day.failures, day.maintenance) == (
        midnight.date(),
        want.checks,
        want.failures,
        want.maintenance,
    )
    assert within_one_percent(day.latency_p95, want.quantile(0.95))


async def test_reads_over_ranges_match_the_raw_rows(sessions: Sessions, clock: Clock) -> None:
    monitors = await make_monitors(sessions, clock, 2)
    results = random_results(monitors, START, minutes=6 * 60)
    await store(sessions, results)
    # Rolled up to 01:00 on the 23rd: the rest of the range still comes from raw rows.
    await run_rollup(sessions=sessions, now=START + timedelta(hours=4, minutes=5))
    since, until = START + timedelta(minutes=20), START + timedelta(hours=5, minutes=40)

    async with sessions() as session:
        uptime = await rollups.uptime_percent(
            session=session, monitor_ids=[*monitors, 999], since=since, until=until
        )
        latency = await rollups.latency_percentiles(
            session=session, monitor_ids=monitors, since=since, until=until
        )
        series = await rollups.latency_series(
            session=session, monitor_id=monitors[1], since=since, until=until
        )

    assert uptime[999] is None
    for monitor_id in monitors:
        want = expected(results, monitor_id, since, until)
        assert uptime[monitor_id] == want.uptime_percent
        assert within_one_percent(latency[monitor_id]["p50"], want.quantile(0.5))
        assert within_one_percent(latency[monitor_id]["p99"], want.quantile(0.99))
    assert [entry.hour for entry in series] == [START + n * HOUR for n in range(6)]
    for entry in series:
        want = expected(results, monitors[1], entry.hour, min(entry.hour + HOUR, until))
        assert entry.checks == want.checks
        assert within_one_percent(entry.p95, want.quantile(0.95))


async def test_daily_uptime_has_every_day_and_counts_downtime(
    sessions: Sessions, clock: Clock
) -> None:
    (monitor_id,) = await make_monitors(sessions, clock, 1)
    results = random_results([monitor_id], START, minutes=6 * 60)
    await store(sessions, results)
    async with sessions.begin() as session:
        session.add(
            IncidentRow(
                monitor_id=monitor_id,
                opened_at=START + timedelta(hours=2, minutes=30),
                resolved_at=START + timedelta(hours=3, minutes=15),
                cause={},
            )
        )
    now = START + timedelta(hours=30)
    await run_rollup(sessions=sessions, now=now)

    async with sessions() as session:
        days = await rollups.daily_uptime(
            session=session,
            monitor_ids=[monitor_id],
            since=START.date() - timedelta(days=1),
            until=START.date() + timedelta(days=2),
            now=now,
        )

    before, first, second, last = days[monitor_id]
    assert (before.checks, before.uptime_percent) == (0, None)
    assert (last.day, last.checks) == (START.date() + timedelta(days=2), 0)
    for entry in (first, second):
        day_start = datetime.combine(entry.day, datetime.min.time(), tzinfo=UTC)
        want = expected(results, monitor_id, day_start, day_start + timedelta(days=1))
        assert (entry.checks, entry.failures, entry.uptime_percent) == (
            want.checks,
            want.failures,
            want.uptime_percent,
        )
    # 30 minutes before midnight (day 1), 15 after (day 2, not rolled into a daily row yet).
    assert (first.downtime_seconds, second.downtime_seconds) == (1800.0, 900.0)


async def test_a_late_result_re_rolls_its_hour_and_day(sessions: Sessions, clock: Clock) -> None:
    (monitor_id,) = await make_monitors(sessions, clock, 1)
    results = random_results([monitor_id], START, minutes=6 * 60)
    await store(sessions, results)
    now = START + timedelta(hours=30)
    await run_rollup(sessions=sessions, now=now)
    hour = START + 4 * HOUR
    before = (await _hourly(sessions))[monitor_id, hour]

    late = random_results([monitor_id], hour + timedelta(seconds=59), minutes=1, seed=1)
    late = [type(r)(r.monitor_id, r.scheduled_at, "down", 5000.0) for r in late]
    await store(sessions, late, written_at=now)
    rerun = await run_rollup(sessions=sessions, now=now + timedelta(minutes=1))

    after = (await _hourly(sessions))[monitor_id, hour]
    assert rerun.late_hours == 1
    assert (after.checks, after.failures) == (before.checks + 1, before.failures + 1)
    async with sessions() as session:
        day = await session.get_one(DailyRollupRow, (monitor_id, hour.date()))
    want = expected([*results, *late], monitor_id, rollups.start_of(hour.date()), now)
    assert (day.checks, day.failures) == (want.checks, want.failures)


async def test_running_again_changes_nothing(sessions: Sessions, clock: Clock) -> None:
    monitors = await make_monitors(sessions, clock, 2)
    await store(sessions, random_results(monitors, START, minutes=3 * 60))
    now = START + timedelta(hours=5)
    await run_rollup(sessions=sessions, now=now)
    first = {key: (r.checks, r.latency_sketch) for key, r in (await _hourly(sessions)).items()}

    again = await run_rollup(sessions=sessions, now=now)

    assert (again.hours, again.days) == (0, 0)
    second = {key: (r.checks, r.latency_sketch) for key, r in (await _hourly(sessions)).items()}
    assert first == second


async def test_a_second_run_skips_while_one_holds_the_state(
    sessions: Sessions, clock: Clock
) -> None:
    (monitor_id,) = await make_monitors(sessions, clock, 1)
    await store(sessions, random_results([monitor_id], START, minutes=60))
    await run_rollup(sessions=sessions, now=START)
    async with sessions.begin() as holder:
        if dialect_of(holder) != "postgresql":
            pytest.skip("SQLite serialises writers itself; one process runs the job")
        await holder.scalar(select(RollupStateRow).with_for_update())
        run = await run_rollup(sessions=sessions, now=START + timedelta(hours=3))
    assert run.skipped
    assert run.hours == 0


@pytest.mark.parametrize(
    ("since", "until", "progress", "sources"),
    [
        ("10:20", "12:40", Progress(None, None), ["raw 10:20-12:40"]),
        ("10:20", "12:40", Progress(START.replace(hour=12), None),
         ["raw 10:20-11:00", "hourly 11:00-12:00", "raw 12:00-12:40"]),
        ("10:00", "11:00", Progress(START.replace(hour=12), None), ["hourly 10:00-11:00"]),
        ("10:30", "10:40", Progress(START.replace(hour=12), None), ["raw 10:30-10:40"]),
    ],
)  # fmt: skip
def test_a_range_is_split_into_the_cheapest_sources(
    since: str, until: str, progress: Progress, sources: list[str]
) -> None:
    def at(text: str) -> datetime:
        hours, minutes = text.split(":")
        return START.replace(hour=int(hours), minute=int(minutes))

    def show(segment: Segment) -> str:
        return f"{segment.source} {segment.start:%H:%M}-{segment.end:%H:%M}"

    assert [show(s) for s in plan(at(since), at(until), progress)] == sources


def test_whole_days_come_from_daily_rollups() -> None:
    since, until = START + timedelta(minutes=30), START + timedelta(days=3, hours=2)
    progress = Progress(START + timedelta(days=3), (START + timedelta(days=2)).date())
    segments = plan(since, until, progress)
    assert [s.source for s in segments] == [
        Source.RAW,
        Source.HOURLY,
        Source.DAILY,
        Source.HOURLY,
        Source.RAW,
    ]
    assert segments[2].start == datetime(2026, 11, 23, tzinfo=UTC)
    assert segments[2].end == datetime(2026, 11, 24, tzinfo=UTC)
