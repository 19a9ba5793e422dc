"""What a public status page shows, read in a handful of indexed queries.

Uptime per day comes from the daily rollups, never from raw results; incidents from their
(monitor, opened_at) index. The same summary feeds the HTML page, its JSON and the static export.
"""

from datetime import datetime, timedelta

from pydantic import BaseModel, PrivateAttr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.status import MonitorStatus
from upwatch.domain.status_pages import PageState, page_state
from upwatch.services import rollups
from upwatch.services.rollup_tally import uptime_of
from upwatch.services.status_history import (
    DayBar,
    FinishedDays,
    FinishedDaysCache,
    MonitorKey,
    Window,
    tally_days,
)
from upwatch.services.status_maintenance import MaintenanceNotice, maintenance_notices
from upwatch.services.status_pages import PlacedComponent, layout
from upwatch.store.tables import IncidentRow, StatusPageRow

BAR_DAYS = 90
HISTORY_DAYS = 30
HISTORY_LIMIT = 100


class ComponentSummary(BaseModel):
    monitor_id: int
    name: str
    status: MonitorStatus
    uptime_percent: float | None
    days: list[DayBar]
    _finished: FinishedDays | None = PrivateAttr(default=None)

    @property
    def finished(self) -> FinishedDays | None:
        """The leading ``days`` as kept between renders (the same object while unchanged)."""
        return self._finished

    @classmethod
    def of_days(
        cls,
        *,
        monitor_id: int,
        name: str,
        status: MonitorStatus,
        finished: FinishedDays,
        recent: FinishedDays,
    ) -> "ComponentSummary":
        """A component's summary from its finished days (kept between renders) and the live
        ones after them."""
        checks, failures = finished.checks + recent.checks, finished.failures + recent.failures
        summary = cls(
            monitor_id=monitor_id,
            name=name,
            status=status,
            uptime_percent=uptime_of(checks, failures),
            days=[*finished.bars, *recent.bars],
        )
        summary._finished = finished
        return summary


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
    *,
    session: AsyncSession,
    page: StatusPageRow,
    now: datetime,
    finished_days: FinishedDaysCache | None = None,
) -> StatusSummary:
    """``finished_days`` keeps the bars of rolled-up days between calls (default: none kept)."""
    groups = await layout(session=session, page_id=page.id)
    placed = {c.monitor.id: c for group in groups for c in group.components}
    components = await _components(
        session, list(placed.values()), now, finished_days or FinishedDaysCache()
    )
    components_of = [
        (group.group.name, [components[c.monitor.id] for c in group.components]) for group in groups
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


async def _components(
    session: AsyncSession,
    placed: list[PlacedComponent],
    now: datetime,
    finished_days: FinishedDaysCache,
) -> dict[int, ComponentSummary]:
    """Each component with its ``BAR_DAYS`` bars: the rolled-up days as kept, the rest (normally
    just today) read now."""
    if not placed:
        return {}
    today = now.date()
    since = today - timedelta(days=BAR_DAYS - 1)
    progress = await rollups.progress_of(session)
    first_live = rollups.rolled_days_until(since, today, progress)
    monitor_ids = [c.monitor.id for c in placed]
    finished = await finished_days.get(
        session=session,
        monitors=[MonitorKey(c.monitor.id, c.monitor.created_at) for c in placed],
        window=Window(since, first_live, progress.updated_at),
    )
    live_days = rollups.days_from(first_live, today + timedelta(days=1))
    live = tally_days(
        await rollups.live_days(
            session=session, monitor_ids=monitor_ids, days=live_days, progress=progress, now=now
        ),
        monitor_ids,
    )
    components = {}
    for component in placed:
        monitor_id = component.monitor.id
        components[monitor_id] = ComponentSummary.of_days(
            monitor_id=monitor_id,
            name=component.name,
            status=MonitorStatus(component.monitor.status),
            finished=finished[monitor_id],
            recent=live[monitor_id],
        )
    return components


async def _incidents(
    session: AsyncSession, placed: dict[int, PlacedComponent], now: datetime
) -> tuple[list[IncidentSummary], list[IncidentSummary]]:
    """Open incidents, and the resolved ones opened in the last ``HISTORY_DAYS`` days."""
    if not placed:
        return [], []
    # Columns, not ORM rows: the page needs neither the cause (JSON) nor the rest.
    shown = select(
        IncidentRow.id, IncidentRow.monitor_id, IncidentRow.opened_at, IncidentRow.resolved_at
    ).order_by(IncidentRow.opened_at.desc(), IncidentRow.id.desc())
    open_rows = await session.execute(
        shown.where(IncidentRow.monitor_id.in_(placed), IncidentRow.resolved_at.is_(None))
    )
    resolved_rows = await session.execute(
        shown.where(
            IncidentRow.monitor_id.in_(placed),
            IncidentRow.opened_at >= now - timedelta(days=HISTORY_DAYS),
            IncidentRow.resolved_at.is_not(None),
        ).limit(HISTORY_LIMIT)
    )

    def summary(
        incident_id: int, monitor_id: int, opened_at: datetime, resolved_at: datetime | None
    ) -> IncidentSummary:
        return IncidentSummary(
            id=incident_id,
            monitor_id=monitor_id,
            component=placed[monitor_id].name,
            started_at=opened_at,
            resolved_at=resolved_at,
            duration_seconds=int(((resolved_at or now) - opened_at).total_seconds()),
        )

    return [summary(*row) for row in open_rows], [summary(*row) for row in resolved_rows]
