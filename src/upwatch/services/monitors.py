"""Monitor use cases: create, change, pause, resume, delete and look up."""

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.monitors import HeartbeatMonitor, MonitorSpec
from upwatch.domain.schedule import heartbeat_deadline
from upwatch.domain.state import MonitorState, pause, resume
from upwatch.domain.status import MonitorStatus
from upwatch.errors import NotFoundError, ValidationFailedError
from upwatch.services.dependencies import forget_monitor
from upwatch.services.transitions import resolve_open_incident
from upwatch.store.monitors import locked, spec_of, state_of, write_spec, write_state
from upwatch.store.tables import MonitorRow


async def create_monitor(*, session: AsyncSession, spec: MonitorSpec, now: datetime) -> MonitorRow:
    row = MonitorRow(
        status=MonitorStatus.PENDING.value,
        status_changed_at=now,
        consecutive_failures=0,
        recent_changes=[],
        flapping=False,
        created_at=now,
        updated_at=now,
    )
    write_spec(row, spec)
    if spec.paused:
        write_state(row, MonitorState(status=MonitorStatus.PAUSED))
    session.add(row)
    await session.flush()
    _reschedule(row, spec, now)
    return row


async def update_monitor(
    *, session: AsyncSession, monitor_id: int, spec: MonitorSpec, now: datetime
) -> MonitorRow:
    row = await get_monitor(session=session, monitor_id=monitor_id, for_update=True)
    was_paused = row.paused
    write_spec(row, spec)
    row.updated_at = now
    if spec.paused != was_paused:
        await _apply_pause(session, row, paused=spec.paused, now=now)
    _reschedule(row, spec, now, resumed=was_paused and not spec.paused)
    return row


async def set_paused(
    *, session: AsyncSession, monitor_id: int, paused: bool, now: datetime
) -> MonitorRow:
    row = await get_monitor(session=session, monitor_id=monitor_id, for_update=True)
    if row.paused == paused:
        return row
    row.paused = paused
    row.updated_at = now
    await _apply_pause(session, row, paused=paused, now=now)
    _reschedule(row, spec_of(row), now, resumed=not paused)
    return row


async def check_now(*, session: AsyncSession, monitor_id: int, now: datetime) -> MonitorRow:
    """Make the monitor due at once; its following checks fall on its usual slots again.
    Heartbeats are checked by their pings and paused monitors not at all, so neither can be."""
    row = await get_monitor(session=session, monitor_id=monitor_id, for_update=True)
    if row.kind == "heartbeat" or row.paused:
        reason = "a heartbeat is checked by its pings" if not row.paused else "it is paused"
        raise ValidationFailedError([("monitor", f"cannot check now: {reason}")])
    row.next_run_at = now
    return row


async def delete_monitor(*, session: AsyncSession, monitor_id: int, now: datetime) -> None:
    row = await get_monitor(session=session, monitor_id=monitor_id, for_update=True)
    await forget_monitor(session=session, monitor_id=monitor_id, now=now)
    await session.delete(row)


async def get_monitor(
    *, session: AsyncSession, monitor_id: int, for_update: bool = False
) -> MonitorRow:
    """With ``for_update`` the row stays locked until commit, so a result written meanwhile
    cannot interleave with the change, and is read again under the lock even when the session
    holds it already (from a read before the lock, which may have changed since)."""
    if for_update:
        statement = await locked(select(MonitorRow).where(MonitorRow.id == monitor_id), session)
        row = await session.scalar(statement.execution_options(populate_existing=True))
    else:
        row = await session.get(MonitorRow, monitor_id)
    if row is None:
        raise NotFoundError(f"monitor {monitor_id} does not exist")
    return row


async def list_monitors(
    *,
    session: AsyncSession,
    limit: int,
    offset: int = 0,
    kind: str | None = None,
    status: MonitorStatus | None = None,
    tag: str | None = None,
) -> tuple[Sequence[MonitorRow], int]:
    statement = select(MonitorRow)
    if kind:
        statement = statement.where(MonitorRow.kind == kind)
    if status:
        statement = statement.where(MonitorRow.status == status.value)
    statement = statement.order_by(MonitorRow.id)
    if tag:
        # Tags are a JSON list, which SQLite and PostgreSQL query differently; filter here.
        tagged = [row for row in (await session.scalars(statement)).all() if tag in row.tags]
        return tagged[offset : offset + limit], len(tagged)
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = (await session.scalars(statement.limit(limit).offset(offset))).all()
    return rows, int(total or 0)


async def count_monitors(*, session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(MonitorRow)) or 0)


async def find_by_name(*, session: AsyncSession, name: str) -> MonitorRow | None:
    rows = (await session.scalars(select(MonitorRow).where(MonitorRow.name == name))).all()
    return rows[0] if len(rows) == 1 else None


async def _apply_pause(
    session: AsyncSession, row: MonitorRow, *, paused: bool, now: datetime
) -> None:
    state, transition = (pause if paused else resume)(state_of(row), at=now)
    write_state(row, state)
    row.pending_cause = None
    if transition is None:
        return
    row.status_changed_at = now
    if transition.resolves_incident:
        await resolve_open_incident(session=session, monitor_id=row.id, at=now)


def _reschedule(
    row: MonitorRow, spec: MonitorSpec, now: datetime, *, resumed: bool = False
) -> None:
    """Check soon after any change. Heartbeats count their deadline from the last ping, or
    from now when resumed: a job paused over the weekend is not overdue on Monday morning."""
    is_heartbeat = isinstance(spec, HeartbeatMonitor)
    if is_heartbeat and row.ping_token is None:
        row.ping_token = secrets.token_urlsafe(16)
    if not is_heartbeat:
        row.ping_token = None
        row.last_ping_at = row.last_start_at = row.deadline_at = None
    if spec.paused:
        row.next_run_at = row.deadline_at = None
        return
    if isinstance(spec, HeartbeatMonitor):
        row.next_run_at = None
        row.deadline_at = heartbeat_deadline(
            last_event_at=now if resumed or row.last_ping_at is None else row.last_ping_at,
            grace=spec.grace,
            period=spec.period,
            cron=spec.cron,
            timezone=spec.timezone,
        )
    else:
        row.next_run_at = now
