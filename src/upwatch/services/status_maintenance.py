"""Maintenance notices for a status page: windows in force now or starting soon."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.maintenance import covering, next_occurrence
from upwatch.services.maintenance import window_spec
from upwatch.store.tables import MaintenanceWindowRow, MonitorRow

UPCOMING = timedelta(days=7)


class MaintenanceNotice(BaseModel):
    title: str
    starts_at: datetime
    ends_at: datetime
    active: bool
    components: list[str]


async def maintenance_notices(
    *, session: AsyncSession, monitors: Sequence[tuple[MonitorRow, str]], now: datetime
) -> list[MaintenanceNotice]:
    """Windows covering any of ``monitors`` (each with the name the page shows) now, or
    beginning within ``UPCOMING``; the soonest first. One query."""
    if not monitors:
        return []
    table = MaintenanceWindowRow
    rows = await session.scalars(
        select(table).where(
            table.starts_at <= now + UPCOMING,
            or_(table.covers_until.is_(None), table.covers_until > now),
        )
    )
    notices = []
    for row in rows:
        window = window_spec(row)
        affected = [name for m, name in monitors if window.applies_to(m.id, list(m.tags))]
        if not affected:
            continue
        current = covering(window, now)
        interval = current or next_occurrence(window, now)
        if interval is None or interval.start > now + UPCOMING:
            continue
        notices.append(
            MaintenanceNotice(
                title=row.name,
                starts_at=interval.start,
                ends_at=interval.end,
                active=current is not None,
                components=affected,
            )
        )
    return sorted(notices, key=lambda notice: (notice.starts_at, notice.title))
