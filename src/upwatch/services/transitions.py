"""One place where an outcome changes a stored monitor: status, cause and incidents."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.state import FlapPolicy, Transition, apply_outcome
from upwatch.domain.status import Outcome
from upwatch.services.alerts import announce_transition
from upwatch.store.monitors import state_of, write_state
from upwatch.store.tables import IncidentRow, MonitorRow


@dataclass(frozen=True, slots=True)
class MonitorEvent:
    """A change worth telling someone about: a status change or flapping starting or ending."""

    monitor_id: int
    monitor_name: str
    transition: Transition
    incident_id: int | None


async def apply_to_monitor(
    *,
    session: AsyncSession,
    row: MonitorRow,
    outcome: Outcome,
    at: datetime,
    cause: dict[str, Any],
    retries: int,
    flap: FlapPolicy,
    parent_down: bool = False,
) -> MonitorEvent | None:
    """Advance a locked monitor row by one outcome; open or resolve its incident.

    The incident's cause is the first failing check of the streak, not the one that tipped it.
    ``Outcome.MAINTENANCE`` and ``parent_down`` silence the monitor (see ``apply_outcome``).
    """
    if outcome is Outcome.NOT_RUN:
        return None
    before = state_of(row)
    after, transition = apply_outcome(
        before, outcome, at=at, retries=retries, flap=flap, parent_down=parent_down
    )
    if outcome is Outcome.DOWN and before.consecutive_failures == 0:
        row.pending_cause = cause
    elif outcome is not Outcome.DOWN:
        row.pending_cause = None
    write_state(row, after)
    row.last_checked_at = at
    if transition is None:
        return None
    if transition.status_changed:
        row.status_changed_at = at
    incident: IncidentRow | None = None
    if transition.opens_incident:
        incident = IncidentRow(monitor_id=row.id, opened_at=at, cause=row.pending_cause or cause)
        session.add(incident)
        await session.flush()
    elif transition.resolves_incident:
        incident = await resolve_open_incident(session=session, monitor_id=row.id, at=at)
    await announce_transition(
        session=session,
        monitor=row,
        transition=transition,
        flapping=after.flapping,
        incident=incident,
        check=cause,
    )
    return MonitorEvent(row.id, row.name, transition, incident.id if incident else None)


async def resolve_open_incident(
    *, session: AsyncSession, monitor_id: int, at: datetime
) -> IncidentRow | None:
    """Resolve whatever is open for the monitor (never more than one, but never leave one
    behind); returns the newest."""
    open_incidents = (
        await session.scalars(
            select(IncidentRow)
            .where(IncidentRow.monitor_id == monitor_id, IncidentRow.resolved_at.is_(None))
            .order_by(IncidentRow.opened_at.desc())
        )
    ).all()
    for incident in open_incidents:
        incident.resolved_at = at
    return open_incidents[0] if open_incidents else None
