"""Incident events become outbox rows, one per channel, in the transaction that made them.

The row's unique idempotency key makes each event reach each channel once, however often the
check batch behind it is delivered and however many schedulers or workers run.
"""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.notifications import EventKind, IncidentRef, MonitorRef, Notification
from upwatch.domain.state import Transition
from upwatch.store.database import insert_ignoring_conflicts
from upwatch.store.tables import DeliveryRow, IncidentRow, MonitorRow


def alert_event(transition: Transition) -> EventKind | None:
    """The event an incident change is announced as, if any."""
    if transition.opens_incident:
        return EventKind.DOWN
    if transition.resolves_incident:
        return EventKind.UP
    return None


async def queue_alerts(
    *, session: AsyncSession, monitor: MonitorRow, incident: IncidentRow, event: EventKind
) -> int:
    """Put the event in the outbox for each of the monitor's channels; returns how many."""
    if not monitor.channel_ids:
        return 0
    at = incident.resolved_at if event is EventKind.UP else incident.opened_at
    assert at is not None
    key = f"incident-{incident.id}-{event.value}"
    downtime = (at - incident.opened_at).total_seconds() if event is EventKind.UP else None
    message = Notification(
        event=event,
        monitor=MonitorRef(
            id=monitor.id, name=monitor.name, kind=monitor.kind, target=_target(monitor)
        ),
        incident=IncidentRef(
            id=incident.id,
            opened_at=incident.opened_at,
            resolved_at=incident.resolved_at,
            cause=incident.cause,
        ),
        occurred_at=at,
        downtime_seconds=downtime,
        idempotency_key=key,
    ).model_dump(mode="json")
    rows = [
        {
            "idempotency_key": f"{key}-channel-{channel_id}",
            "channel_id": channel_id,
            "incident_id": incident.id,
            "event": event.value,
            "message": message,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        for channel_id in monitor.channel_ids
    ]
    await session.execute(
        insert_ignoring_conflicts(session, DeliveryRow, key=["idempotency_key"]), rows
    )
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
