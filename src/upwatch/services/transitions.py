"""One place where an outcome changes a stored monitor: status, cause and incidents."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from upwatch.domain.state import FlapPolicy, Transition, apply_outcome
from upwatch.domain.status import Outcome
from upwatch.services.alerts import Outbox
from upwatch.services.announcements import Announcement, announce_transitions
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
    """One outcome for one locked monitor row (see ``apply_to_monitors``)."""

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


async def apply_to_monitors(
    *,
    session: AsyncSession,
    changes: Sequence[Change],
    flap: FlapPolicy,
    parent_down: Callable[[MonitorRow], bool] | None = None,
) -> list[MonitorEvent]:
    """Advance locked monitor rows by one outcome each, in order; open or resolve their
    incidents and queue their alerts.

    The incident's cause is the first failing check of the streak, not the one that tipped it.
    ``Outcome.MAINTENANCE`` and a down parent silence a monitor (see ``apply_outcome``):
    ``Change.parent_down``, or ``parent_down`` asked of each monitor as its change is applied,
    so that a parent changed earlier in the batch counts as it is now.

    However many changes, the round trips are shared: the incidents they open are inserted
    in one statement, the ones they resolve found in one query, what their alerts need looked
    up once (``announce_transitions``) and the alerts queued in one statement. A second change
    to the same monitor waits until the first one's incident is written.
    """
    events: list[MonitorEvent] = []
    steps: list[_Step] = []
    stepped: set[int] = set()
    for change in changes:
        if change.row.id in stepped:
            events += await _open_resolve_announce(session, steps)
            steps, stepped = [], set()
        step = _advance(change, flap, parent_down)
        if step is not None:
            steps.append(step)
            stepped.add(change.row.id)
    events += await _open_resolve_announce(session, steps)
    return events


def _advance(
    change: Change,
    flap: FlapPolicy,
    parent_down: Callable[[MonitorRow], bool] | None,
) -> _Step | None:
    """The new state of the row; a step when something is worth telling."""
    row, outcome, at, cause = change.row, change.outcome, change.at, change.cause
    if outcome is Outcome.NOT_RUN:
        return None
    before = state_of(row)
    silenced = change.parent_down or (parent_down is not None and parent_down(row))
    after, transition = apply_outcome(
        before, outcome, at=at, retries=change.retries, flap=flap, parent_down=silenced
    )
    if outcome is Outcome.DOWN and before.consecutive_failures == 0:
        row.pending_cause = cause
    elif outcome is not Outcome.DOWN:
        row.pending_cause = None
    write_state(row, after)
    # A ping received before its deadline but stored after the sweep's verdict still counts,
    # but the sweep's check stays the last one, and the status it ends began no later than
    # the one it starts (as its incident resolves when it opened, not before).
    if row.last_checked_at is None or at > row.last_checked_at:
        row.last_checked_at = at
    if transition is None:
        return None
    if transition.status_changed:
        row.status_changed_at = max(at, row.status_changed_at)
    return _Step(row, transition, after.flapping, cause)


async def _open_resolve_announce(
    session: AsyncSession, steps: Sequence[_Step]
) -> list[MonitorEvent]:
    opened = await _open_incidents(session, [s for s in steps if s.transition.opens_incident])
    resolved = await resolve_open_incidents(
        session=session,
        resolving={
            step.row.id: step.transition.at
            for step in steps
            if step.transition.resolves_incident and step.row.id not in opened
        },
    )
    incidents = opened | resolved
    outbox = Outbox()
    await announce_transitions(
        session=session,
        announcements=[
            Announcement(
                monitor=step.row,
                transition=step.transition,
                flapping=step.flapping,
                incident=incidents.get(step.row.id),
                check=step.cause,
            )
            for step in steps
        ],
        outbox=outbox,
    )
    await outbox.write(session)
    return [
        MonitorEvent(
            step.row.id,
            step.row.name,
            step.transition,
            incident.id if (incident := incidents.get(step.row.id)) else None,
        )
        for step in steps
    ]


async def _open_incidents(session: AsyncSession, steps: Sequence[_Step]) -> dict[int, IncidentRow]:
    """Insert the incidents ``steps`` (one per monitor) open in one statement, where the unit
    of work would insert them one by one on SQLite to learn each id, and put them in the
    session as if loaded."""
    if not steps:
        return {}
    incidents = [
        {
            "monitor_id": step.row.id,
            "opened_at": step.transition.at,
            "cause": step.row.pending_cause or step.cause,
            "resolved_at": None,
            "resolved_by": None,
            "acknowledged_at": None,
            "acknowledged_by": None,
        }
        for step in steps
    ]
    table = cast(Table, IncidentRow.__table__)
    inserted = await session.execute(
        insert(table).returning(table.c.id, table.c.monitor_id), incidents
    )
    ids = {monitor_id: incident_id for incident_id, monitor_id in inserted}
    opened = {}
    for values in incidents:
        incident = IncidentRow(id=ids[values["monitor_id"]], **values)
        make_transient_to_detached(incident)
        session.add(incident)
        opened[incident.monitor_id] = incident
    return opened


async def resolve_open_incident(
    *, session: AsyncSession, monitor_id: int, at: datetime
) -> IncidentRow | None:
    """Resolve whatever is open for the monitor (never more than one, but never leave one
    behind); returns the newest."""
    resolved = await resolve_open_incidents(session=session, resolving={monitor_id: at})
    return resolved.get(monitor_id)


async def resolve_open_incidents(
    *, session: AsyncSession, resolving: Mapping[int, datetime]
) -> dict[int, IncidentRow]:
    """``resolve_open_incident`` for many monitors (id: when) in one query; returns each
    monitor's newest incident it resolved."""
    if not resolving:
        return {}
    open_incidents = await session.scalars(
        select(IncidentRow)
        .where(IncidentRow.monitor_id.in_(resolving), IncidentRow.resolved_at.is_(None))
        .order_by(IncidentRow.opened_at.desc())
    )
    newest: dict[int, IncidentRow] = {}
    for incident in open_incidents:
        # A result taken before the incident opened but stored after it (a ping received in
        # time, written after the overdue sweep) ends it as it opens: never before, which
        # would count negative downtime.
        incident.resolved_at = max(resolving[incident.monitor_id], incident.opened_at)
        newest.setdefault(incident.monitor_id, incident)
    return newest
