"""What a public status page shows, read in a handful of indexed queries.

Uptime per day comes from the daily rollups, never from raw results; incidents from their
(monitor, opened_at) index. The same summary feeds the HTML page, its JSON and the static export.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.status import MonitorStatus
from upwatch.domain.status_pages import PageState, page_state
from upwatch.services import rollups
from upwatch.services.rollups import DayUptime
from upwatch.services.status_maintenance import MaintenanceNotice, maintenance_notices
from upwatch.services.status_pages import PlacedComponent, layout
from upwatch.store.tables import IncidentRow, StatusPageRow

BAR_DAYS = 90
HISTORY_DAYS = 30
HISTORY_LIMIT = 100


@dataclass(slots=True)
class DayBar:
    """A plain dataclass, not a model: a page builds thousands of them (pydantic still
    serializes them within the summary)."""

    day: date
    uptime_percent: float | None
    downtime_seconds: float


class ComponentSummary(BaseModel):
    monitor_id: int
    name: str
    status: MonitorStatus
    uptime_percent: float | None
    days: list[DayBar]


class GroupSummary(BaseModel):
    name: str
    state: PageState
    components: list[ComponentSummary]


class IncidentSummary(BaseModel):
    id: int
    monitor_id: int
    component: str
    started_at: datetime
    resolved_at: datetime | None
    duration_seconds: int


class StatusSummary(BaseModel):
    slug: str
    title: str
    description: str
    generated_at: datetime
    state: PageState
    groups: list[GroupSummary]
    active_incidents: list[IncidentSummary]
    maintenance: list[MaintenanceNotice]
    incident_history: list[IncidentSummary]
    history_days: int = HISTORY_DAYS


async def build_summary(
    *, session: AsyncSession, page: StatusPageRow, now: datetime
) -> StatusSummary:
    groups = await layout(session=session, page_id=page.id)
    placed = {c.monitor.id: c for group in groups for c in group.components}
    days = await _day_bars(session, list(placed), now)
    components_of = [
        (group.group.name, [_component(c, days[c.monitor.id]) for c in group.components])
        for group in groups
    ]
    open_incidents, history = await _incidents(session, placed, now)
    return StatusSummary(
        slug=page.slug,
        title=page.title,
        description=page.description,
        generated_at=now,
        state=page_state(c.status for _, items in components_of for c in items),
        groups=[
            GroupSummary(name=name, state=page_state(c.status for c in items), components=items)
            for name, items in components_of
        ],
        active_incidents=open_incidents,
        maintenance=await maintenance_notices(
            session=session, monitors=[(c.monitor, c.name) for c in placed.values()], now=now
        ),
        incident_history=history,
    )


async def _day_bars(
    session: AsyncSession, monitor_ids: list[int], now: datetime
) -> dict[int, list[DayUptime]]:
    if not monitor_ids:
        return {}
    today = now.date()
    return await rollups.daily_uptime(
        session=session,
        monitor_ids=monitor_ids,
        since=today - timedelta(days=BAR_DAYS - 1),
        until=today,
        now=now,
    )


def _component(placed: PlacedComponent, days: list[DayUptime]) -> ComponentSummary:
    checks = sum(day.checks for day in days)
    failures = sum(day.failures for day in days)
    return ComponentSummary(
        monitor_id=placed.monitor.id,
        name=placed.name,
        status=MonitorStatus(placed.monitor.status),
        uptime_percent=round(100 * (checks - failures) / checks, 4) if checks else None,
        days=[DayBar(day.day, day.uptime_percent, round(day.downtime_seconds)) for day in days],
    )


async def _incidents(
    session: AsyncSession, placed: dict[int, PlacedComponent], now: datetime
) -> tuple[list[IncidentSummary], list[IncidentSummary]]:
    """Open incidents, and the resolved ones opened in the last ``HISTORY_DAYS`` days."""
    if not placed:
        return [], []
    newest_first = (IncidentRow.opened_at.desc(), IncidentRow.id.desc())
    open_rows = await session.scalars(
        select(IncidentRow)
        .where(IncidentRow.monitor_id.in_(placed), IncidentRow.resolved_at.is_(None))
        .order_by(*newest_first)
    )
    resolved_rows = await session.scalars(
        select(IncidentRow)
        .where(
            IncidentRow.monitor_id.in_(placed),
            IncidentRow.opened_at >= now - timedelta(days=HISTORY_DAYS),
            IncidentRow.resolved_at.is_not(None),
        )
        .order_by(*newest_first)
        .limit(HISTORY_LIMIT)
    )

    def summary(row: IncidentRow) -> IncidentSummary:
        return IncidentSummary(
            id=row.id,
            monitor_id=row.monitor_id,
            component=placed[row.monitor_id].name,
            started_at=row.opened_at,
            resolved_at=row.resolved_at,
            duration_seconds=int(((row.resolved_at or now) - row.opened_at).total_seconds()),
        )

    return [summary(r) for r in open_rows], [summary(r) for r in resolved_rows]
