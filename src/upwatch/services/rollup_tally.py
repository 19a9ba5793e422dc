"""Counting checks per monitor over a stretch of time, from raw results or from rollup rows.

How a result counts: ``up``, ``degraded`` and ``down`` are checks (``down`` is a failure,
``degraded`` also counts as up for uptime); ``maintenance`` and ``not_run`` (Upwatch's own
trouble) are counted apart and left out of uptime. Latencies of checks go into the sketch.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.latency_sketch import LN_GAMMA, MIN_LATENCY_MS, LatencySketch
from upwatch.store.tables import CheckResultRow, DailyRollupRow, HourlyRollupRow, IncidentRow

CHECK_OUTCOMES = ("up", "degraded", "down")
MAINTENANCE = "maintenance"
NOT_RUN = "not_run"


@dataclass(slots=True)
class Tally:
    checks: int = 0
    failures: int = 0
    degraded: int = 0
    maintenance: int = 0
    not_run: int = 0
    downtime_seconds: float = 0.0
    sketch: LatencySketch = field(default_factory=LatencySketch)

    @property
    def uptime_percent(self) -> float | None:
        return uptime_of(self.checks, self.failures)

    def add(self, other: "Tally") -> None:
        self.checks += other.checks
        self.failures += other.failures
        self.degraded += other.degraded
        self.maintenance += other.maintenance
        self.not_run += other.not_run
        self.downtime_seconds += other.downtime_seconds
        self.sketch.merge(other.sketch)


def uptime_of(checks: int, failures: int) -> float | None:
    """Uptime % of the checks that counted (maintenance and not-run ones never do)."""
    if not checks:
        return None
    return round(100 * (checks - failures) / checks, 4)


def _count(outcome: str | tuple[str, ...]) -> Any:
    test = (
        CheckResultRow.outcome.in_(outcome)
        if isinstance(outcome, tuple)
        else CheckResultRow.outcome == outcome
    )
    return func.coalesce(func.sum(case((test, 1), else_=0)), 0)


def _only(column: Any, monitor_ids: Sequence[int] | None) -> list[ColumnElement[bool]]:
    return [] if monitor_ids is None else [column.in_(monitor_ids)]


async def raw_tallies(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    monitor_ids: Sequence[int] | None,
    with_sketch: bool,
) -> dict[int, Tally]:
    """Counts (and latency sketches) from raw results in ``[since, until)``, one grouped query
    each; ``monitor_ids=None`` means every monitor."""
    in_range = (CheckResultRow.scheduled_at >= since, CheckResultRow.scheduled_at < until)
    counts = select(
        CheckResultRow.monitor_id,
        _count(CHECK_OUTCOMES),
        _count("down"),
        _count("degraded"),
        _count(MAINTENANCE),
        _count(NOT_RUN),
    ).where(*in_range, *_only(CheckResultRow.monitor_id, monitor_ids))
    tallies: dict[int, Tally] = {}
    for row in await session.execute(counts.group_by(CheckResultRow.monitor_id)):
        checks, failures, degraded, maintenance, not_run = (int(value) for value in row[1:])
        tallies[int(row[0])] = Tally(checks, failures, degraded, maintenance, not_run)
    if with_sketch and tallies:
        latency = CheckResultRow.latency_ms
        clamped = case((latency < MIN_LATENCY_MS, MIN_LATENCY_MS), else_=latency)
        bucket = cast(func.ceil(func.ln(clamped) / LN_GAMMA), Integer).label("bucket")
        buckets = select(CheckResultRow.monitor_id, bucket, func.count()).where(
            *in_range,
            *_only(CheckResultRow.monitor_id, monitor_ids),
            latency.is_not(None),
            CheckResultRow.outcome.in_(CHECK_OUTCOMES),
        )
        for monitor_id, key, times in await session.execute(
            buckets.group_by(CheckResultRow.monitor_id, bucket)
        ):
            tallies[monitor_id].sketch.add_bucket(int(key), int(times))
    return tallies


async def downtime_seconds(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    monitor_ids: Sequence[int] | None,
) -> dict[int, float]:
    """Seconds of ``[since, until)`` each monitor spent in an open incident (DOWN)."""
    statement = select(
        IncidentRow.monitor_id, IncidentRow.opened_at, IncidentRow.resolved_at
    ).where(
        IncidentRow.opened_at < until,
        (IncidentRow.resolved_at.is_(None)) | (IncidentRow.resolved_at > since),
        *_only(IncidentRow.monitor_id, monitor_ids),
    )
    seconds: dict[int, float] = {}
    for monitor_id, opened_at, resolved_at in await session.execute(statement):
        start = max(opened_at, since)
        end = min(resolved_at or until, until)
        if end > start:
            seconds[monitor_id] = seconds.get(monitor_id, 0.0) + (end - start).total_seconds()
    return seconds


RollupTable = type[HourlyRollupRow] | type[DailyRollupRow]


def tally_of(row: HourlyRollupRow | DailyRollupRow) -> Tally:
    return Tally(
        row.checks,
        row.failures,
        row.degraded,
        row.maintenance,
        row.not_run,
        row.downtime_seconds,
        LatencySketch.from_bytes(row.latency_sketch),
    )


def rollup_values(tally: Tally) -> dict[str, Any]:
    percentiles = tally.sketch.percentiles()
    return {
        "checks": tally.checks,
        "failures": tally.failures,
        "degraded": tally.degraded,
        "maintenance": tally.maintenance,
        "not_run": tally.not_run,
        "downtime_seconds": round(tally.downtime_seconds, 3),
        "latency_p50": percentiles["p50"],
        "latency_p95": percentiles["p95"],
        "latency_p99": percentiles["p99"],
        "latency_sketch": tally.sketch.to_bytes(),
    }


async def rollup_tallies(
    session: AsyncSession,
    table: RollupTable,
    *,
    since: datetime | date,
    until: datetime | date,
    monitor_ids: Sequence[int] | None,
    with_sketch: bool,
) -> dict[int, Tally]:
    """Sum rollup rows in ``[since, until)`` per monitor; sketches merged only if asked."""
    # Core columns, not ORM ones: merging a day reads a sketch per monitor and hour, and the
    # ORM's per-row loading would cost more than decoding them.
    column = table.__table__.c
    key = column.hour if table is HourlyRollupRow else column.day
    columns = [
        column.monitor_id,
        func.sum(column.checks),
        func.sum(column.failures),
        func.sum(column.degraded),
        func.sum(column.maintenance),
        func.sum(column.not_run),
        func.sum(column.downtime_seconds),
    ]
    in_range = (key >= since, key < until, *_only(column.monitor_id, monitor_ids))
    statement = select(*columns).where(*in_range).group_by(column.monitor_id)
    tallies: dict[int, Tally] = {}
    for row in await session.execute(statement):
        checks, failures, degraded, maintenance, not_run = (int(value) for value in row[1:6])
        tallies[int(row[0])] = Tally(
            checks, failures, degraded, maintenance, not_run, float(row[6])
        )
    if with_sketch and tallies:
        sketches = select(column.monitor_id, column.latency_sketch).where(*in_range)
        for monitor_id, data in await session.execute(sketches):
            tallies[monitor_id].sketch.merge(LatencySketch.from_bytes(data))
    return tallies


def merge_into(total: dict[int, Tally], parts: Iterable[dict[int, Tally]]) -> dict[int, Tally]:
    for part in parts:
        for monitor_id, tally in part.items():
            total.setdefault(monitor_id, Tally()).add(tally)
    return total
