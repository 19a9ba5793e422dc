"""Maintenance window use cases, and which monitors a window covers at a given time."""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.maintenance import (
    Interval,
    MaintenanceWindowSpec,
    covering,
    occurrences_between,
)
from upwatch.errors import NotFoundError, ValidationFailedError
from upwatch.store.tables import MaintenanceWindowRow, MonitorRow

_TINY = timedelta(microseconds=1)


async def create_window(
    *, session: AsyncSession, spec: MaintenanceWindowSpec, now: datetime
) -> MaintenanceWindowRow:
    """``spec`` must be anchored (``parse_window`` does it). Unknown monitor ids are refused."""
    await ensure_monitors_exist(session=session, monitor_ids=spec.monitor_ids)
    row = MaintenanceWindowRow(created_at=now)
    _write(row, spec, now)
    session.add(row)
    await session.flush()
    return row


async def update_window(
    *, session: AsyncSession, window_id: int, spec: MaintenanceWindowSpec, now: datetime
) -> MaintenanceWindowRow:
    await ensure_monitors_exist(session=session, monitor_ids=spec.monitor_ids)
    row = await get_window(session=session, window_id=window_id)
    _write(row, spec, now)
    return row


async def get_window(*, session: AsyncSession, window_id: int) -> MaintenanceWindowRow:
    row = await session.get(MaintenanceWindowRow, window_id)
    if row is None:
        raise NotFoundError(f"maintenance window {window_id} does not exist")
    return row


async def list_windows(*, session: AsyncSession) -> Sequence[MaintenanceWindowRow]:
    return (
        await session.scalars(select(MaintenanceWindowRow).order_by(MaintenanceWindowRow.id))
    ).all()


async def delete_window(*, session: AsyncSession, window_id: int) -> None:
    await session.delete(await get_window(session=session, window_id=window_id))


def window_spec(row: MaintenanceWindowRow) -> MaintenanceWindowSpec:
    return MaintenanceWindowSpec(
        name=row.name,
        timezone=row.timezone,
        rrule=row.rrule,
        cron=row.cron,
        duration=row.duration,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        tags=row.tags,
        monitor_ids=row.monitor_ids,
    )


async def ensure_monitors_exist(*, session: AsyncSession, monitor_ids: Sequence[int]) -> None:
    if not monitor_ids:
        return
    known = set(await session.scalars(select(MonitorRow.id).where(MonitorRow.id.in_(monitor_ids))))
    problems = [
        (f"monitor_ids[{index}]", f"monitor {monitor_id} does not exist")
        for index, monitor_id in enumerate(monitor_ids)
        if monitor_id not in known
    ]
    if problems:
        raise ValidationFailedError(problems)


@dataclass(frozen=True, slots=True)
class _Coverage:
    window: MaintenanceWindowSpec
    intervals: list[Interval]


class MaintenanceCalendar:
    """The windows in force over ``[since, until]``, with their occurrences computed once, so
    that a batch of results asks about each monitor and time without further queries."""

    def __init__(self, windows: Iterable[MaintenanceWindowSpec], since: datetime, until: datetime):
        self._coverages = [
            _Coverage(window, intervals)
            for window in windows
            if (intervals := occurrences_between(window, since, until + _TINY))
        ]

    @classmethod
    async def load(
        cls, session: AsyncSession, *, since: datetime, until: datetime
    ) -> "MaintenanceCalendar":
        """One query: the windows that may cover part of ``[since, until]``."""
        table = MaintenanceWindowRow
        rows = await session.scalars(
            select(table).where(
                table.starts_at <= until,
                or_(table.covers_until.is_(None), table.covers_until > since),
            )
        )
        return cls((window_spec(row) for row in rows), since, until)

    @property
    def empty(self) -> bool:
        return not self._coverages

    def covers(self, monitor_id: int, tags: Collection[str], at: datetime) -> bool:
        return any(
            interval.start <= at < interval.end
            for coverage in self._applicable(monitor_id, tags)
            for interval in coverage.intervals
        )

    def covered_until(
        self, monitor_id: int, tags: Collection[str], at: datetime
    ) -> datetime | None:
        """When the maintenance covering the monitor at ``at`` ends; ``None`` if none does."""
        ends = [
            interval.end
            for coverage in self._applicable(monitor_id, tags)
            if (interval := covering(coverage.window, at)) is not None
        ]
        return max(ends, default=None)

    def _applicable(self, monitor_id: int, tags: Collection[str]) -> list[_Coverage]:
        return [c for c in self._coverages if c.window.applies_to(monitor_id, list(tags))]


async def monitors_in_maintenance(
    *, session: AsyncSession, monitor_ids: Collection[int], at: datetime
) -> set[int]:
    """Which of ``monitor_ids`` a maintenance window covers at ``at``, in two queries at most."""
    if not monitor_ids:
        return set()
    calendar = await MaintenanceCalendar.load(session, since=at, until=at)
    if calendar.empty:
        return set()
    tags_of = await session.execute(
        select(MonitorRow.id, MonitorRow.tags).where(MonitorRow.id.in_(monitor_ids))
    )
    return {monitor_id for monitor_id, tags in tags_of if calendar.covers(monitor_id, tags, at)}


def _write(row: MaintenanceWindowRow, spec: MaintenanceWindowSpec, now: datetime) -> None:
    assert spec.starts_at is not None, "anchor the window first"
    row.name = spec.name
    row.timezone = spec.timezone
    row.rrule = spec.rrule
    row.cron = spec.cron
    row.duration = spec.duration
    row.starts_at = spec.starts_at
    row.ends_at = spec.ends_at
    row.tags = list(spec.tags)
    row.monitor_ids = list(spec.monitor_ids)
    row.covers_until = spec.covers_until
    row.updated_at = now
