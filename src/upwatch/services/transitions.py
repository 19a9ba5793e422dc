"""One place where an outcome changes a stored monitor: status, cause and incidents."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.state import FlapPolicy, Transition, apply_outcome
from upwatch.domain.status import Outcome
from upwatch.services.alerts import Outbox, announce_transition
from upwatch.store.monitors import state_of, write_state
from upwatch.store.tables import IncidentRow, MonitorRow


@dataclass(frozen=True, slots=True)
class MonitorEvent:
    """A change worth telling someone about: a status change or flapping starting or ending."""

    monitor_id: int
    monitor_name: str
    transition: Transition
    incident_id: int | None


@dataclass(frozen=True, slots=True)
class Change:
    """One outcome for one locked monitor row (see ``apply_to_monitor``)."""

    row: MonitorRow
    outcome: Outcome
    at: datetime
    cause: dict[str, Any]
    retries: int
    parent_down: bool = False


@dataclass(frozen=True, slots=True)
class _Step:
    row: MonitorRow
    transition: Transition
    flapping: bool
    cause: dict[str, Any]


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
    change = Change(row, outcome, at, cause, retries, parent_down)
    events = await apply_to_monitors(session=session, changes=[change], flap=flap)
    return events[0] if events else None


async def apply_to_monitors(
    *, session: AsyncSession, changes: Sequence[Change], flap: FlapPolicy
) -> list[MonitorEvent]:
    """``apply_to_monitor`` for many changes, in order, with the round trips shared: the
    incidents they open are inserted in one flush and their alerts queued in one statement.
    A second change to the same monitor waits until the first one's incident is written."""
    events: list[MonitorEvent] = []
    steps: list[_Step] = []
    stepped: set[int] = set()
    for change in changes:
        if change.row.id in stepped:
            events += await _open_resolve_announce(session, steps)
            steps, stepped = [], set()
        step = _advance(change, flap)
        if step is not None:
            steps.append(step)
            stepped.add(change.row.id)
    events += await _open_resolve_announce(session, steps)
    return events


def _advance(change: Change, flap: FlapPolicy) -> _Step | None:
    """The new state of the row; a step when something is worth telling."""
    row, outcome, at, cause = change.row, change.outcome, change.at, change.cause
    if outcome is Outcome.NOT_RUN:
        return None
    before = state_of(row)
    after, transition = apply_outcome(
        before, outcome, at=at, retries=change.retries, flap=flap, parent_down=change.parent_down
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
    return _Step(row, transition, after.flapping, cause)


async def _open_resolve_announce(
    session: AsyncSession, steps: Sequence[_Step]
) -> list[MonitorEvent]:
    opened = {
        step.row.id: IncidentRow(
            monitor_id=step.row.id,
            opened_at=step.transition.at,
            cause=step.row.pending_cause or step.cause,
        )
        for step in steps
        if step.transition.opens_incident
    }
    if opened:
        session.add_all(opened.values())
        await session.flush()
    outbox = Outbox()
    events = []
    for step in steps:
        incident = opened.get(step.row.id)
        if incident is None and step.transition.resolves_incident:
            incident = await resolve_open_incident(
                session=session, monitor_id=step.row.id, at=step.transition.at
            )
        await announce_transition(
            session=session,
            monitor=step.row,
            transition=step.transition,
            flapping=step.flapping,
            incident=incident,
            check=step.cause,
            outbox=outbox,
        )
        incident_id = incident.id if incident else None
        events.append(MonitorEvent(step.row.id, step.row.name, step.transition, incident_id))
    await outbox.write(session)
    return events


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
