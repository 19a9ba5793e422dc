"""What monitors' changes mean for people: the deliveries each change queues.

While a monitor flaps, its incidents still open and resolve, but only the start of flapping is
announced; when flapping ends with the monitor down, its open incident is announced then. A
recovery goes to every channel that heard about the incident, and only to those.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.notifications import EventKind
from upwatch.domain.policies import TagPolicy, opening_event
from upwatch.domain.state import Transition
from upwatch.domain.status import MonitorStatus
from upwatch.services.alerts import (
    Outbox,
    announced_channels_of,
    delivery_rows,
    policy_of,
    tag_policies,
)
from upwatch.store.monitors import load_announced
from upwatch.store.tables import IncidentRow, MonitorRow


@dataclass(frozen=True, slots=True)
class Announcement:
    """One monitor's change to tell people about (see ``announce_transitions``). ``check`` is
    the result behind the change."""

    monitor: MonitorRow
    transition: Transition
    flapping: bool
    incident: IncidentRow | None
    check: dict[str, Any]


async def announce_transitions(
    *, session: AsyncSession, announcements: Sequence[Announcement], outbox: Outbox
) -> None:
    """Gather in ``outbox`` what monitors' changes mean for people, for the caller to write.

    The rules are in the module's docstring. A monitor turning degraded has no incident; the
    ``check`` behind it says why.

    However many announcements, the lookups they need (tag policies, the channels told of
    each recovering incident, the latest incident of a monitor whose flapping starts or ends)
    are one query each, and only for the changes that announce anything.
    """
    speaking = [a for a in announcements if _may_announce(a)]
    if not speaking:
        return
    await load_announced(session, (a.monitor for a in speaking))
    latest = await _latest_incidents(
        session, {a.monitor.id for a in speaking if _needs_latest_incident(a)}
    )
    recovering = [
        a.incident for a in speaking if a.incident and a.incident.resolved_at and not a.flapping
    ]
    recovering += [incident for incident in latest.values() if incident.resolved_at]
    context = _Context(
        policies=await tag_policies(session, {tag for a in speaking for tag in a.monitor.tags}),
        latest=latest,
        told=await announced_channels_of(session, {incident.id for incident in recovering}),
    )
    for announcement in speaking:
        _announce(announcement, context, outbox)


@dataclass(frozen=True, slots=True)
class _Context:
    policies: dict[str, TagPolicy]
    latest: dict[int, IncidentRow]
    told: dict[int, list[int]]


def _may_announce(announcement: Announcement) -> bool:
    transition = announcement.transition
    return (
        (_turns_degraded(transition) and not announcement.flapping)
        or (
            announcement.incident is not None
            and (transition.opens_incident or transition.resolves_incident)
        )
        or transition.flapping_started
        or transition.flapping_ended
    )


def _needs_latest_incident(announcement: Announcement) -> bool:
    """Flapping that starts or ends without an incident opening or resolving speaks of the
    monitor's latest incident."""
    transition = announcement.transition
    return (
        announcement.incident is None
        and (transition.flapping_started or transition.flapping_ended)
        and not (_turns_degraded(transition) and not announcement.flapping)
    )


def _announce(announcement: Announcement, context: _Context, outbox: Outbox) -> None:
    monitor, transition, incident = (
        announcement.monitor,
        announcement.transition,
        announcement.incident,
    )
    if _turns_degraded(transition) and not announcement.flapping:
        key = f"monitor-{monitor.id}-degraded-{transition.at.isoformat()}"
        event, check = EventKind.DEGRADED, announcement.check
        _to_policy(monitor, event, transition.at, context, outbox, key=key, check=check)
    elif transition.opens_incident and incident is not None:
        if announcement.flapping:
            _announce_flapping(monitor, transition, incident, context, outbox)
        else:
            event = opening_event(monitor.kind, incident.cause)
            _to_policy_channels(monitor, incident, event, transition.at, context, outbox)
    elif transition.resolves_incident and incident is not None:
        if announcement.flapping:
            _announce_flapping(monitor, transition, incident, context, outbox)
        else:
            _recovery(monitor, incident, context, outbox)
    elif latest := context.latest.get(monitor.id):
        if transition.flapping_started:
            _announce_flapping(monitor, transition, latest, context, outbox)
        elif transition.flapping_ended:
            if latest.resolved_at is None and transition.current is MonitorStatus.DOWN:
                event = opening_event(monitor.kind, latest.cause)
                _to_policy_channels(monitor, latest, event, transition.at, context, outbox)
            elif latest.resolved_at is not None:
                _recovery(monitor, latest, context, outbox)


def _turns_degraded(transition: Transition) -> bool:
    return transition.current is MonitorStatus.DEGRADED and transition.previous in (
        MonitorStatus.UP,
        MonitorStatus.PENDING,
    )


def _announce_flapping(
    monitor: MonitorRow,
    transition: Transition,
    incident: IncidentRow,
    context: _Context,
    outbox: Outbox,
) -> None:
    if transition.flapping_started:
        _to_policy_channels(monitor, incident, EventKind.FLAPPING, transition.at, context, outbox)


def _to_policy_channels(
    monitor: MonitorRow,
    incident: IncidentRow,
    event: EventKind,
    at: datetime,
    context: _Context,
    outbox: Outbox,
) -> None:
    key = f"incident-{incident.id}-{event.value}"
    _to_policy(monitor, event, at, context, outbox, key=key, incident=incident)


def _to_policy(
    monitor: MonitorRow,
    event: EventKind,
    at: datetime,
    context: _Context,
    outbox: Outbox,
    *,
    key: str,
    incident: IncidentRow | None = None,
    check: dict[str, Any] | None = None,
) -> None:
    """Queue ``event`` to the channels of the monitor's alert policy, if it announces it."""
    policy = policy_of(monitor, context.policies)
    if not policy.announces(event):
        return
    outbox.add(
        delivery_rows(
            monitor=monitor,
            incident=incident,
            check=check,
            event=event,
            channel_ids=policy.channels,
            at=at,
            key=key,
        )
    )


def _recovery(
    monitor: MonitorRow, incident: IncidentRow, context: _Context, outbox: Outbox
) -> None:
    if not policy_of(monitor, context.policies).announces(EventKind.UP):
        return
    assert incident.resolved_at is not None
    outbox.add(
        delivery_rows(
            monitor=monitor,
            incident=incident,
            event=EventKind.UP,
            channel_ids=context.told.get(incident.id, []),
            at=incident.resolved_at,
            key=f"incident-{incident.id}-up",
        )
    )


async def _latest_incidents(session: AsyncSession, monitor_ids: set[int]) -> dict[int, IncidentRow]:
    """Each monitor's newest incident, open or not."""
    if not monitor_ids:
        return {}
    ranked = (
        select(
            IncidentRow.id,
            func.row_number()
            .over(
                partition_by=IncidentRow.monitor_id,
                order_by=(IncidentRow.opened_at.desc(), IncidentRow.id.desc()),
            )
            .label("rank"),
        )
        .where(IncidentRow.monitor_id.in_(monitor_ids))
        .subquery()
    )
    statement = (
        select(IncidentRow).join(ranked, ranked.c.id == IncidentRow.id).where(ranked.c.rank == 1)
    )
    return {incident.monitor_id: incident for incident in await session.scalars(statement)}
