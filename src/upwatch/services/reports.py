"""Read side: a monitor's results by time range, its uptime summary, and incidents."""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.status import Outcome
from upwatch.errors import NotFoundError
from upwatch.services import rollups
from upwatch.services.rollup_tally import MAINTENANCE, Tally
from upwatch.store.database import dialect_of
from upwatch.store.tables import CheckResultRow, IncidentRow

SUMMARY_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
RAW_WINDOW = timedelta(days=1)
PERCENTILES = (50, 95, 99)


@dataclass(frozen=True, slots=True)
class WindowSummary:
    checks: int
    failures: int
    uptime_percent: float | None
    latency_ms: dict[str, float | None]


async def results_between(
    *,
    session: AsyncSession,
    monitor_id: int,
    since: datetime,
    until: datetime,
    limit: int,
    before: datetime | None = None,
) -> Sequence[CheckResultRow]:
    """Newest first; ``before`` continues a page (keyset pagination on scheduled_at)."""
    statement = select(CheckResultRow).where(
        CheckResultRow.monitor_id == monitor_id,
        CheckResultRow.scheduled_at >= since,
        CheckResultRow.scheduled_at < (min(until, before) if before else until),
    )
    return (
        await session.scalars(statement.order_by(CheckResultRow.scheduled_at.desc()).limit(limit))
    ).all()


async def summary(
    *, session: AsyncSession, monitor_id: int, now: datetime
) -> dict[str, WindowSummary]:
    """The last day exactly from raw results; longer windows from rollups (percentiles within
    1 %), so their cost does not grow with the number of results."""
    windows = {}
    for name, length in SUMMARY_WINDOWS.items():
        if length <= RAW_WINDOW:
            windows[name] = await _window(session, monitor_id, now - length, now)
        else:
            windows[name] = await _rolled_window(session, monitor_id, now - length, now)
    return windows


async def _rolled_window(
    session: AsyncSession, monitor_id: int, since: datetime, until: datetime
) -> WindowSummary:
    found = await rollups.tallies(
        session=session, monitor_ids=[monitor_id], since=since, until=until, with_sketch=True
    )
    tally = found.get(monitor_id, Tally())
    return WindowSummary(
        checks=tally.checks,
        failures=tally.failures,
        uptime_percent=tally.uptime_percent,
        latency_ms=tally.sketch.percentiles(),
    )


async def _window(
    session: AsyncSession, monitor_id: int, since: datetime, until: datetime
) -> WindowSummary:
    in_window = (
        CheckResultRow.monitor_id == monitor_id,
        CheckResultRow.scheduled_at >= since,
        CheckResultRow.scheduled_at < until,
        CheckResultRow.outcome.not_in((Outcome.NOT_RUN.value, MAINTENANCE)),
    )
    checks, failures = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(
                    func.sum(case((CheckResultRow.outcome == Outcome.DOWN.value, 1), else_=0)), 0
                ),
            ).where(*in_window)
        )
    ).one()
    uptime = round(100 * (checks - failures) / checks, 4) if checks else None
    return WindowSummary(
        checks=checks,
        failures=failures,
        uptime_percent=uptime,
        latency_ms=await _latency_percentiles(session, in_window),
    )


async def _latency_percentiles(
    session: AsyncSession, in_window: tuple[object, ...]
) -> dict[str, float | None]:
    latency = CheckResultRow.latency_ms
    where = (*in_window, latency.is_not(None))
    if dialect_of(session) == "postgresql":
        row = (
            await session.execute(
                select(
                    *(func.percentile_cont(p / 100).within_group(latency) for p in PERCENTILES)
                ).where(*where)  # type: ignore[arg-type]
            )
        ).one()
        values: list[float | None] = [None if v is None else round(float(v), 2) for v in row]
    else:
        found = (await session.scalars(select(latency).where(*where))).all()  # type: ignore[arg-type]
        samples = sorted(value for value in found if value is not None)
        values = [_percentile(samples, p) for p in PERCENTILES]
    return {f"p{p}": v for p, v in zip(PERCENTILES, values, strict=True)}


def _percentile(samples: Sequence[float], percent: int) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont does."""
    if not samples:
        return None
    if len(samples) == 1:
        return round(samples[0], 2)
    cut = statistics.quantiles(samples, n=100, method="inclusive")[percent - 1]
    return round(cut, 2)


async def list_incidents(
    *,
    session: AsyncSession,
    limit: int,
    offset: int = 0,
    monitor_id: int | None = None,
    open_only: bool | None = None,
) -> tuple[Sequence[IncidentRow], int]:
    statement = select(IncidentRow)
    if monitor_id is not None:
        statement = statement.where(IncidentRow.monitor_id == monitor_id)
    if open_only is True:
        statement = statement.where(IncidentRow.resolved_at.is_(None))
    elif open_only is False:
        statement = statement.where(IncidentRow.resolved_at.is_not(None))
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = await session.scalars(
        statement.order_by(IncidentRow.opened_at.desc(), IncidentRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return rows.all(), int(total or 0)


async def get_incident(*, session: AsyncSession, incident_id: int) -> IncidentRow:
    row = await session.get(IncidentRow, incident_id)
    if row is None:
        raise NotFoundError(f"incident {incident_id} does not exist")
    return row


async def count_open_incidents(*, session: AsyncSession) -> int:
    statement = (
        select(func.count()).select_from(IncidentRow).where(IncidentRow.resolved_at.is_(None))
    )
    return int(await session.scalar(statement) or 0)
