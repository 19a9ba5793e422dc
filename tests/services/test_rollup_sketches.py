"""The hourly rollup's sketch bytes and percentiles are exactly LatencySketch's, whichever
engine computed them (PostgreSQL builds them in SQL, SQLite in Python)."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.services.rollup_data import Raw, make_monitors, store
from upwatch.domain.latency_sketch import GAMMA, LatencySketch, value_of
from upwatch.services.rollup_hours_sql import bucket_value
from upwatch.services.rollup_job import run_rollup
from upwatch.services.rollups import HOUR
from upwatch.store.database import dialect_of
from upwatch.store.tables import DailyRollupRow, HourlyRollupRow

Sessions = async_sessionmaker[AsyncSession]
START = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)


def _results(monitor_ids: list[int]) -> list[Raw]:
    """Latencies from below a millisecond (negative buckets, zero) to minutes, and one bucket
    with hundreds of checks in an hour (varints of two bytes)."""
    rng = random.Random(3)
    results = []
    for monitor_id in monitor_ids:
        for second in range(0, 3 * 3600, 15):
            at = START + timedelta(seconds=second)
            pick = rng.random()
            if pick < 0.5:
                latency: float | None = 42.0
            elif pick < 0.55:
                latency = rng.choice([0.0, 0.0004, 0.2, 0.9, 1.0])
            elif pick < 0.6:
                latency = None
            else:
                latency = rng.lognormvariate(5, 2)
            outcome = rng.choice(["up", "up", "up", "degraded", "down", "maintenance"])
            results.append(Raw(monitor_id, at, outcome, latency))
    return results


async def test_sketches_and_percentiles_are_the_domain_sketchs(
    sessions: Sessions, clock: Clock
) -> None:
    monitors = await make_monitors(sessions, clock, 2)
    results = _results(monitors)
    await store(sessions, results)

    await run_rollup(sessions=sessions, now=START + timedelta(days=2))

    async with sessions() as session:
        hourly = {(r.monitor_id, r.hour): r for r in await session.scalars(select(HourlyRollupRow))}
        daily = {r.monitor_id: r for r in await session.scalars(select(DailyRollupRow))}
    for monitor_id in monitors:
        for n in range(3):
            hour = START + n * HOUR
            sketch = LatencySketch.of(
                r.latency_ms
                for r in results
                if r.monitor_id == monitor_id
                and hour <= r.scheduled_at < hour + HOUR
                and r.outcome in ("up", "degraded", "down")
                and r.latency_ms is not None
            )
            row = hourly[monitor_id, hour]
            assert row.latency_sketch == sketch.to_bytes()
            assert LatencySketch.from_bytes(row.latency_sketch).counts == sketch.counts
            percentiles = sketch.percentiles()
            assert (row.latency_p50, row.latency_p95, row.latency_p99) == (
                percentiles["p50"],
                percentiles["p95"],
                percentiles["p99"],
            )
        merged = LatencySketch()
        for n in range(3):
            merged.merge(
                LatencySketch.from_bytes(hourly[monitor_id, START + n * HOUR].latency_sketch)
            )
        assert daily[monitor_id].latency_sketch == merged.to_bytes()


async def test_bucket_values_round_as_in_python(sessions: Sessions) -> None:
    """From the smallest bucket to latencies of weeks (beyond, PostgreSQL's float8 to numeric
    cast keeps 15 digits, so a cent may round the other way)."""
    async with sessions() as session:
        if dialect_of(session) != "postgresql":
            return
        found = await session.execute(
            text(f"SELECT k, {bucket_value('k')} FROM generate_series(-346, 1100) AS s (k)"),  # noqa: S608
            {"gamma": GAMMA},
        )
        rounded: dict[int, float] = dict(found.all())
    assert rounded == {k: round(value_of(k), 2) for k in range(-346, 1101)}
