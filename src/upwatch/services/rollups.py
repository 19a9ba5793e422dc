"""Read side of the rollups: uptime and latency per monitor over any range, cheaply.

A range is served from the coarsest source that covers each part of it: daily rollups for
whole rolled-up days, hourly rollups for whole rolled-up hours, raw results only for the
partial hours at the edges and for the hours the rollup job has not reached yet (normally the
current hour). So the cost of a read does not grow with the number of raw results.

Uptime % is ``(checks - failures) / checks`` where checks are ``up``, ``degraded`` and
``down`` results and failures the ``down`` ones; ``maintenance`` and ``not_run`` results are
left out. Latency percentiles come from sketches within 1 % (see domain/latency_sketch.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.latency_sketch import LatencySketch
from upwatch.services.rollup_tally import (
    CHECK_OUTCOMES,
    Tally,
    downtime_seconds,
    merge_into,
    raw_tallies,
    rollup_tallies,
    uptime_of,
)
from upwatch.store.tables import (
    CheckResultRow,
    DailyRollupRow,
    HourlyRollupRow,
    RollupStateRow,
)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
STATE_ID = 1


@dataclass(slots=True)  # not frozen: a status page makes thousands, and frozen ones cost more
class DayUptime:
    day: date
    checks: int
    failures: int
    degraded: int
    maintenance: int
    downtime_seconds: float
    uptime_percent: float | None  # None when the day had no checks


@dataclass(frozen=True, slots=True)
class HourLatency:
    hour: datetime
    checks: int
    p50: float | None
    p95: float | None
    p99: float | None


class Source(StrEnum):
    RAW = "raw"
    HOURLY = "hourly"
    DAILY = "daily"


@dataclass(frozen=True, slots=True)
class Segment:
    source: Source
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Progress:
    """How far the rollup job got: hours before ``hours_through`` and days before
    ``days_through`` have rollup rows (``None``: the job has not run yet). ``updated_at`` moves
    whenever the job writes rows, so rows read after it are current while it stays put."""

    hours_through: datetime | None
    days_through: date | None
    updated_at: datetime | None = None


def floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def ceil_hour(at: datetime) -> datetime:
    floor = floor_hour(at)
    return floor if floor == at else floor + HOUR


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def ceil_day(at: datetime) -> datetime:
    floor = start_of(at.date())
    return floor if floor == at else floor + DAY


def plan(since: datetime, until: datetime, progress: Progress) -> list[Segment]:
    """Split ``[since, until)`` into the cheapest sources that cover it exactly."""
    if until <= since:
        return []
    if progress.hours_through is None:
        return [Segment(Source.RAW, since, until)]
    first_hour = ceil_hour(since)
    end_of_hours = min(floor_hour(until), progress.hours_through)
    if first_hour >= end_of_hours:
        return [Segment(Source.RAW, since, until)]
    segments = []
    if since < first_hour:
        segments.append(Segment(Source.RAW, since, first_hour))
    segments += _rolled(first_hour, end_of_hours, progress.days_through)
    if end_of_hours < until:
        segments.append(Segment(Source.RAW, end_of_hours, until))
    return segments


def _rolled(start: datetime, end: datetime, days_through: date | None) -> list[Segment]:
    first_day = ceil_day(start)
    end_of_days = start_of(end.date())
    if days_through is not None:
        end_of_days = min(end_of_days, start_of(days_through))
    if days_through is None or first_day >= end_of_days:
        return [Segment(Source.HOURLY, start, end)]
    segments = []
    if start < first_day:
        segments.append(Segment(Source.HOURLY, start, first_day))
    segments.append(Segment(Source.DAILY, first_day, end_of_days))
    if end_of_days < end:
        segments.append(Segment(Source.HOURLY, end_of_days, end))
    return segments


async def progress_of(session: AsyncSession) -> Progress:
    state = await session.get(RollupStateRow, STATE_ID)
    if state is None:
        return Progress(None, None)
    return Progress(state.hours_through, state.days_through, state.updated_at)


async def tallies(
    *,
    session: AsyncSession,
    monitor_ids: Sequence[int] | None,
    since: datetime,
    until: datetime,
    with_sketch: bool,
    progress: Progress | None = None,
    downtime_until: datetime | None = None,
) -> dict[int, Tally]:
    """Per monitor totals over ``[since, until)``, one grouped query per source segment.

    Raw segments count downtime only when ``downtime_until`` (now) is given: incidents still
    open are counted up to it."""
    progress = progress or await progress_of(session)
    parts = []
    for segment in plan(since, until, progress):
        if segment.source is Source.RAW:
            part = await raw_tallies(
                session,
                since=segment.start,
                until=segment.end,
                monitor_ids=monitor_ids,
                with_sketch=with_sketch,
            )
            if downtime_until is not None:
                down = await downtime_seconds(
                    session,
                    since=segment.start,
                    until=min(segment.end, downtime_until),
                    monitor_ids=monitor_ids,
                )
                for monitor_id, seconds in down.items():
                    part.setdefault(monitor_id, Tally()).downtime_seconds += seconds
        else:
            daily = segment.source is Source.DAILY
            part = await rollup_tallies(
                session,
                DailyRollupRow if daily else HourlyRollupRow,
                since=segment.start.date() if daily else segment.start,
                until=segment.end.date() if daily else segment.end,
                monitor_ids=monitor_ids,
                with_sketch=with_sketch,
            )
        parts.append(part)
    return merge_into({}, parts)


async def uptime_percent(
    *, session: AsyncSession, monitor_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, float | None]:
    """Uptime % per monitor over ``[since, until)``; ``None`` for a monitor without checks."""
    found = await tallies(
        session=session, monitor_ids=monitor_ids, since=since, until=until, with_sketch=False
    )
    return {m: found[m].uptime_percent if m in found else None for m in monitor_ids}


async def latency_percentiles(
    *, session: AsyncSession, monitor_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, dict[str, float | None]]:
    """p50/p95/p99 per monitor over ``[since, until)``, merged from sketches (within 1 %)."""
    found = await tallies(
        session=session, monitor_ids=monitor_ids, since=since, until=until, with_sketch=True
    )
    empty = LatencySketch()
    return {m: (found[m].sketch if m in found else empty).percentiles() for m in monitor_ids}


async def daily_uptime(
    *,
    session: AsyncSession,
    monitor_ids: Sequence[int],
    since: date,
    until: date,
    now: datetime | None = None,
) -> dict[int, list[DayUptime]]:
    """One entry per UTC day from ``since`` to ``until`` (both included) for each monitor,
    oldest first; days without checks have ``uptime_percent=None``. ``now`` (default: the
    wall clock) bounds the downtime of incidents still open in days not rolled up yet."""
    days = days_from(since, until + DAY)
    if not days:
        return {m: [] for m in monitor_ids}
    progress = await progress_of(session)
    first_live = rolled_days_until(since, until, progress)
    by_day = await rolled_days(
        session=session, monitor_ids=monitor_ids, since=since, until=first_live
    )
    by_day |= await live_days(
        session=session,
        monitor_ids=monitor_ids,
        days=[day for day in days if day >= first_live],
        progress=progress,
        now=now or datetime.now(UTC),
    )
    nothing = {day: _day_uptime(day, Tally()) for day in days}
    return {m: [by_day[day].get(m) or nothing[day] for day in days] for m in monitor_ids}


def days_from(since: date, until: date) -> list[date]:
    """The days of ``[since, until)``."""
    return [since + timedelta(days=n) for n in range((until - since).days)]


def rolled_days_until(since: date, until: date, progress: Progress) -> date:
    """The first day of ``[since, until]`` not served by the daily rollups (``until`` + 1 when
    all of them are)."""
    if progress.days_through is None:
        return since
    return max(since, min(until + DAY, progress.days_through))


async def rolled_days(
    *, session: AsyncSession, monitor_ids: Sequence[int], since: date, until: date
) -> dict[date, dict[int, DayUptime]]:
    """The daily rollups of ``[since, until)``, by day and monitor; one query. Days must be
    before ``rolled_days_until``: later ones have no rows yet."""
    by_day: dict[date, dict[int, DayUptime]] = {day: {} for day in days_from(since, until)}
    if not by_day or not monitor_ids:
        return by_day
    # Counts only, straight into the answer: a status page reads 90 days of 100 monitors,
    # and a latency sketch decoded per row would cost more than the whole query.
    # Core columns, not ORM ones: the rows skip the ORM's per-row loading.
    daily = DailyRollupRow.__table__.c
    rows = await session.execute(
        select(
            daily.monitor_id,
            daily.day,
            daily.checks,
            daily.failures,
            daily.degraded,
            daily.maintenance,
            daily.downtime_seconds,
        ).where(daily.monitor_id.in_(monitor_ids), daily.day >= since, daily.day < until)
    )
    for monitor_id, day, checks, failures, degraded, maintenance, downtime in rows:
        by_day[day][monitor_id] = DayUptime(
            day, checks, failures, degraded, maintenance, downtime, uptime_of(checks, failures)
        )
    return by_day


async def live_days(
    *,
    session: AsyncSession,
    monitor_ids: Sequence[int],
    days: Sequence[date],
    progress: Progress,
    now: datetime,
) -> dict[date, dict[int, DayUptime]]:
    """Days not rolled up into daily rows yet (normally just today), by day and monitor, from
    hourly rollups and raw results; incidents still open count as down up to ``now``."""
    by_day = {}
    for day in days:
        found = await tallies(
            session=session,
            monitor_ids=monitor_ids,
            since=start_of(day),
            until=start_of(day) + DAY,
            with_sketch=False,
            progress=progress,
            downtime_until=now,
        )
        by_day[day] = {m: _day_uptime(day, tally) for m, tally in found.items()}
    return by_day


def _day_uptime(day: date, tally: Tally) -> DayUptime:
    return DayUptime(
        day=day,
        checks=tally.checks,
        failures=tally.failures,
        degraded=tally.degraded,
        maintenance=tally.maintenance,
        downtime_seconds=tally.downtime_seconds,
        uptime_percent=tally.uptime_percent,
    )


async def latency_series(
    *, session: AsyncSession, monitor_id: int, since: datetime, until: datetime
) -> list[HourLatency]:
    """Checks and p50/p95/p99 per hour starting in ``[floor_hour(since), until)``, for the hours
    that had checks, oldest first; hours not rolled up yet come from raw results."""
    start = floor_hour(since)
    progress = await progress_of(session)
    rolled_end = min(progress.hours_through or start, until)
    series = []
    if rolled_end > start:
        rows = await session.scalars(
            select(HourlyRollupRow)
            .where(
                HourlyRollupRow.monitor_id == monitor_id,
                HourlyRollupRow.hour >= start,
                HourlyRollupRow.hour < rolled_end,
            )
            .order_by(HourlyRollupRow.hour)
        )
        series = [
            HourLatency(row.hour, row.checks, row.latency_p50, row.latency_p95, row.latency_p99)
            for row in rows
        ]
    raw_start = max(start, rolled_end)
    if raw_start < until:
        series += await _raw_series(session, monitor_id, raw_start, until)
    return [entry for entry in series if entry.checks]


async def _raw_series(
    session: AsyncSession, monitor_id: int, since: datetime, until: datetime
) -> list[HourLatency]:
    found = await session.execute(
        select(CheckResultRow.scheduled_at, CheckResultRow.latency_ms).where(
            CheckResultRow.monitor_id == monitor_id,
            CheckResultRow.scheduled_at >= since,
            CheckResultRow.scheduled_at < until,
            CheckResultRow.outcome.in_(CHECK_OUTCOMES),
        )
    )
    hours: dict[datetime, tuple[list[int], LatencySketch]] = {}
    for scheduled_at, latency_ms in found:
        checks, sketch = hours.setdefault(floor_hour(scheduled_at), ([0], LatencySketch()))
        checks[0] += 1
        if latency_ms is not None:
            sketch.add(latency_ms)
    series = []
    for hour in sorted(hours):
        checks, sketch = hours[hour]
        percentiles = sketch.percentiles()
        series.append(
            HourLatency(hour, checks[0], percentiles["p50"], percentiles["p95"], percentiles["p99"])
        )
    return series
