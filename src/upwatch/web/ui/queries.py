"""What the dashboard pages read: a page of monitors with their figures, status counts and the
changes the live stream sends. Figures come from the rollups; raw results are never scanned
beyond the hour the rollup job has not reached yet."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Select, and_, column, exists, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.services import rollups
from upwatch.store.database import dialect_of
from upwatch.store.tables import HourlyRollupRow, IncidentRow, MonitorRow

PAGE_SIZE = 50
SPARKLINE_HOURS = 24


@dataclass(frozen=True, slots=True)
class MonitorFilter:
    status: str = ""
    tag: str = ""
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.tag or self.text)


@dataclass(slots=True)
class MonitorLine:
    """One line of the monitor list."""

    row: MonitorRow
    uptime_24h: float | None = None
    uptime_30d: float | None = None
    sparkline: list[float] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MonitorPage:
    lines: list[MonitorLine]
    total: int
    page: int
    pages: int
    counts: dict[str, int]


async def monitor_page(
    *, session: AsyncSession, filters: MonitorFilter, page: int, now: datetime
) -> MonitorPage:
    """One page of monitors (by name), with uptime and a latency sparkline for each; every
    query is bounded by the page size or served by an index."""
    statement = _filtered(session, select(MonitorRow), filters)
    total = int(
        await session.scalar(
            _filtered(session, select(func.count()).select_from(MonitorRow), filters)
        )
        or 0
    )
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = (
        await session.scalars(
            statement.order_by(MonitorRow.name, MonitorRow.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    ).all()
    lines = [MonitorLine(row) for row in rows]
    if lines:
        await _add_figures(session, lines, now)
    return MonitorPage(lines, total, page, pages, await status_counts(session=session))


async def status_counts(*, session: AsyncSession) -> dict[str, int]:
    found = await session.execute(
        select(MonitorRow.status, func.count()).group_by(MonitorRow.status)
    )
    return {status: int(count) for status, count in found}


async def _add_figures(session: AsyncSession, lines: list[MonitorLine], now: datetime) -> None:
    ids = [line.row.id for line in lines]
    day = await rollups.uptime_percent(
        session=session, monitor_ids=ids, since=now - timedelta(hours=24), until=now
    )
    month = await rollups.uptime_percent(
        session=session, monitor_ids=ids, since=now - timedelta(days=30), until=now
    )
    sparklines = await _sparklines(session, ids, now)
    for line in lines:
        line.uptime_24h = day.get(line.row.id)
        line.uptime_30d = month.get(line.row.id)
        line.sparkline = sparklines.get(line.row.id, [])


async def _sparklines(
    session: AsyncSession, monitor_ids: Sequence[int], now: datetime
) -> dict[int, list[float]]:
    """Median latency per rolled-up hour of the last day, one query for the whole page."""
    since = rollups.floor_hour(now) - timedelta(hours=SPARKLINE_HOURS)
    found = await session.execute(
        select(HourlyRollupRow.monitor_id, HourlyRollupRow.latency_p50)
        .where(
            HourlyRollupRow.monitor_id.in_(monitor_ids),
            HourlyRollupRow.hour >= since,
            HourlyRollupRow.latency_p50.is_not(None),
        )
        .order_by(HourlyRollupRow.monitor_id, HourlyRollupRow.hour)
    )
    series: dict[int, list[float]] = {}
    for monitor_id, p50 in found:
        if p50 is not None:
            series.setdefault(monitor_id, []).append(float(p50))
    return series


def sparkline_points(values: Sequence[float], *, width: int = 100, height: int = 24) -> str:
    """An SVG polyline's points for ``values``, scaled to fill the box (higher is slower)."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    spread = (high - low) or 1.0
    step = width / (len(values) - 1)
    return " ".join(
        f"{index * step:.1f},{height - 2 - (value - low) / spread * (height - 4):.1f}"
        for index, value in enumerate(values)
    )


def _filtered(session: AsyncSession, statement: Select[Any], filters: MonitorFilter) -> Select[Any]:
    if filters.status:
        statement = statement.where(MonitorRow.status == filters.status)
    if filters.text:
        pattern = (
            "%"
            + filters.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        statement = statement.where(func.lower(MonitorRow.name).like(pattern, escape="\\"))
    if filters.tag:
        statement = statement.where(_has_tag(session, filters.tag))
    return statement


def _has_tag(session: AsyncSession, tag: str) -> Any:
    """Tags are a JSON list: PostgreSQL tests containment, SQLite looks through json_each."""
    if dialect_of(session) == "postgresql":
        return MonitorRow.tags.cast(JSONB).contains(literal([tag], JSON).cast(JSONB))
    entries = func.json_each(MonitorRow.tags).table_valued("value")
    return exists(select(1).select_from(entries).where(and_(column("value") == tag)))


async def open_incidents(
    *, session: AsyncSession, limit: int = 20
) -> list[tuple[IncidentRow, str]]:
    found = await session.execute(
        select(IncidentRow, MonitorRow.name)
        .join(MonitorRow, MonitorRow.id == IncidentRow.monitor_id)
        .where(IncidentRow.resolved_at.is_(None))
        .order_by(IncidentRow.opened_at.desc())
        .limit(limit)
    )
    return [(incident, name) for incident, name in found]


@dataclass(frozen=True, slots=True)
class StatusChange:
    monitor_id: int
    status: str
    changed_at: datetime
    last_checked_at: datetime | None


async def recent_changes(
    *, session: AsyncSession, since: datetime, monitor_id: int | None = None
) -> list[StatusChange]:
    """Monitors whose status changed at or after ``since`` (an index range on
    ``status_changed_at``)."""
    statement = select(
        MonitorRow.id, MonitorRow.status, MonitorRow.status_changed_at, MonitorRow.last_checked_at
    ).where(MonitorRow.status_changed_at >= since)
    if monitor_id is not None:
        statement = statement.where(MonitorRow.id == monitor_id)
    found = await session.execute(statement.order_by(MonitorRow.status_changed_at))
    return [StatusChange(*row) for row in found]
