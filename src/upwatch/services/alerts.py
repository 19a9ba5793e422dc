"""Incident events become outbox rows, one per channel, in the transaction that made them.

The row's unique idempotency key makes each event reach each channel once, however often the
check batch behind it is delivered and however many schedulers or workers run. Which channels
hear about which events follows the monitor's alert policy (its own settings, then its tags').
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.notifications import EventKind, IncidentRef, MonitorRef, Notification
from upwatch.domain.policies import (
    AlertPolicy,
    AlertSettings,
    TagPolicy,
    effective_policy,
    opening_event,
)
from upwatch.domain.state import Transition
from upwatch.domain.status import MonitorStatus
from upwatch.store.database import insert_ignoring_conflicts
from upwatch.store.tables import AlertPolicyRow, DeliveryRow, IncidentRow, MonitorRow

# Events that wait for the grouping window so that a mass outage becomes one message.
GROUPABLE_EVENTS = frozenset(
    {EventKind.DOWN, EventKind.UP, EventKind.HEARTBEAT_LATE, EventKind.CERTIFICATE_EXPIRING}
)


class Outbox:
    """Outbox rows gathered over many announcements and written in one statement: a mass
    outage queues its thousand alerts at once, not one round trip each."""

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []

    def add(self, rows: list[dict[str, Any]]) -> None:
        self._rows += rows

    async def write(self, session: AsyncSession) -> None:
        """Insert what was gathered (a key already there is left alone) and start afresh."""
        rows, self._rows = self._rows, []
        if rows:
            await session.execute(
                insert_ignoring_conflicts(session, DeliveryRow, key=["idempotency_key"]), rows
            )


def tag_policy_of(row: AlertPolicyRow) -> TagPolicy:
    return TagPolicy(
        tag=row.tag,
        channels=row.channel_ids,
        settings=AlertSettings.model_validate(row.settings),
    )


async def tag_policies(session: AsyncSession, tags: Iterable[str]) -> dict[str, TagPolicy]:
    wanted = set(tags)
    if not wanted:
        return {}
    rows = await session.scalars(select(AlertPolicyRow).where(AlertPolicyRow.tag.in_(wanted)))
    return {row.tag: tag_policy_of(row) for row in rows}


def policy_of(monitor: MonitorRow, policies_by_tag: dict[str, TagPolicy]) -> AlertPolicy:
    settings = AlertSettings.model_validate(monitor.alert_settings or {})
    return effective_policy(
        channels=monitor.channel_ids,
        settings=settings,
        tag_policies=[policies_by_tag[tag] for tag in monitor.tags if tag in policies_by_tag],
    )


async def announce_transition(
    *,
    session: AsyncSession,
    monitor: MonitorRow,
    transition: Transition,
    flapping: bool,
    incident: IncidentRow | None,
    check: dict[str, Any],
    outbox: Outbox | None = None,
) -> int:
    """Queue what a monitor's change means for people; returns how many deliveries.

    While a monitor flaps, its incidents still open and resolve, but only the start of flapping
    is announced; when flapping ends with the monitor down, its open incident is announced
    then. A recovery goes to every channel that heard about the incident, and only to those.
    A monitor turning degraded has no incident; ``check`` (the result behind it) says why.
    Given an ``outbox``, the deliveries are gathered there for its caller to write.
    """
    if _turns_degraded(transition) and not flapping:
        return await _degraded(session, monitor, transition.at, check, outbox)
    if transition.opens_incident and incident is not None:
        if flapping:
            return await _announce_flapping(session, monitor, transition, incident, outbox)
        event = opening_event(monitor.kind, incident.cause)
        return await _to_policy_channels(session, monitor, incident, event, transition.at, outbox)
    if transition.resolves_incident and incident is not None:
        if flapping:
            return await _announce_flapping(session, monitor, transition, incident, outbox)
        return await _recovery(session, monitor, incident, outbox)
    if transition.flapping_started:
        latest = await _latest_incident(session, monitor.id)
        if latest is not None:
            return await _announce_flapping(session, monitor, transition, latest, outbox)
    if transition.flapping_ended:
        latest = await _latest_incident(session, monitor.id)
        if latest is None:
            return 0
        if latest.resolved_at is None and transition.current is MonitorStatus.DOWN:
            event = opening_event(monitor.kind, latest.cause)
            return await _to_policy_channels(session, monitor, latest, event, transition.at, outbox)
        if latest.resolved_at is not None:
            return await _recovery(session, monitor, latest, outbox)
    return 0


def _turns_degraded(transition: Transition) -> bool:
    return transition.current is MonitorStatus.DEGRADED and transition.previous in (
        MonitorStatus.UP,
        MonitorStatus.PENDING,
    )


async def _degraded(
    session: AsyncSession,
    monitor: MonitorRow,
    at: datetime,
    check: dict[str, Any],
    outbox: Outbox | None,
) -> int:
    policy = policy_of(monitor, await tag_policies(session, monitor.tags))
    if not policy.announces(EventKind.DEGRADED):
        return 0
    return await queue_deliveries(
        session=session,
        monitor=monitor,
        incident=None,
        check=check,
        event=EventKind.DEGRADED,
        channel_ids=policy.channels,
        at=at,
        key=f"monitor-{monitor.id}-degraded-{at.isoformat()}",
        outbox=outbox,
    )


async def _announce_flapping(
    session: AsyncSession,
    monitor: MonitorRow,
    transition: Transition,
    incident: IncidentRow,
    outbox: Outbox | None,
) -> int:
    if not transition.flapping_started:
        return 0
    return await _to_policy_channels(
        session, monitor, incident, EventKind.FLAPPING, transition.at, outbox
    )


async def _to_policy_channels(
    session: AsyncSession,
    monitor: MonitorRow,
    incident: IncidentRow,
    event: EventKind,
    at: datetime,
    outbox: Outbox | None,
) -> int:
    policy = policy_of(monitor, await tag_policies(session, monitor.tags))
    if not policy.announces(event):
        return 0
    return await queue_deliveries(
        session=session,
        monitor=monitor,
        incident=incident,
        event=event,
        channel_ids=policy.channels,
        at=at,
        key=f"incident-{incident.id}-{event.value}",
        outbox=outbox,
    )


async def _recovery(
    session: AsyncSession, monitor: MonitorRow, incident: IncidentRow, outbox: Outbox | None
) -> int:
    policy = policy_of(monitor, await tag_policies(session, monitor.tags))
    if not policy.announces(EventKind.UP):
        return 0
    told = await announced_channels(session, incident.id)
    assert incident.resolved_at is not None
    return await queue_deliveries(
        session=session,
        monitor=monitor,
        incident=incident,
        event=EventKind.UP,
        channel_ids=told,
        at=incident.resolved_at,
        key=f"incident-{incident.id}-up",
        outbox=outbox,
    )


async def announced_channels(session: AsyncSession, incident_id: int) -> list[int]:
    """The channels that were told an incident is open (an opening, flapping or escalation)."""
    statement = (
        select(DeliveryRow.channel_id)
        .where(DeliveryRow.incident_id == incident_id, DeliveryRow.event != EventKind.UP.value)
        .distinct()
    )
    return sorted(await session.scalars(statement))


async def _latest_incident(session: AsyncSession, monitor_id: int) -> IncidentRow | None:
    statement = (
        select(IncidentRow)
        .where(IncidentRow.monitor_id == monitor_id)
        .order_by(IncidentRow.opened_at.desc(), IncidentRow.id.desc())
        .limit(1)
    )
    return await session.scalar(statement)


async def queue_deliveries(
    *,
    session: AsyncSession,
    monitor: MonitorRow,
    incident: IncidentRow | None,
    event: EventKind,
    channel_ids: Sequence[int],
    at: datetime,
    key: str,
    check: dict[str, Any] | None = None,
    outbox: Outbox | None = None,
) -> int:
    """Put one message per channel in the outbox (or gather them in ``outbox``, for its caller
    to write); a key already there is left alone."""
    if not channel_ids:
        return 0
    downtime = None
    if event is EventKind.UP and incident is not None and incident.resolved_at is not None:
        downtime = (incident.resolved_at - incident.opened_at).total_seconds()
    incident_ref = None
    if incident is not None:
        incident_ref = IncidentRef(
            id=incident.id,
            opened_at=incident.opened_at,
            resolved_at=incident.resolved_at,
            cause=incident.cause,
        )
    message = Notification(
        event=event,
        monitor=MonitorRef(
            id=monitor.id, name=monitor.name, kind=monitor.kind, target=_target(monitor)
        ),
        incident=incident_ref,
        occurred_at=at,
        downtime_seconds=downtime,
        idempotency_key=key,
        check=check or {},
    ).model_dump(mode="json")
    rows = [
        {
            "idempotency_key": f"{key}-channel-{channel_id}",
            "channel_id": channel_id,
            "incident_id": incident.id if incident else None,
            "event": event.value,
            "message": message,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        for channel_id in dict.fromkeys(channel_ids)
    ]
    if outbox is None:
        outbox = Outbox()
        outbox.add(rows)
        await outbox.write(session)
    else:
        outbox.add(rows)
    return len(rows)


def _target(monitor: MonitorRow) -> str | None:
    config = monitor.config
    if "url" in config:
        return str(config["url"])
    if "host" in config:
        return f"{config['host']}:{config.get('port', '')}".rstrip(":")
    if "hostname" in config:
        return str(config["hostname"])
    return None


RETRY_DELAYS = tuple(timedelta(seconds=s) for s in (10, 30, 60, 300, 900, 1800))


def next_attempt(attempts: int, now: datetime, jitter: float) -> datetime | None:
    """Exponential backoff with jitter (``jitter`` in [0, 1)); ``None`` once retries are spent."""
    if attempts > len(RETRY_DELAYS):
        return None
    delay = RETRY_DELAYS[attempts - 1]
    return now + delay * (1 + 0.25 * jitter)
