"""Incident events become outbox rows, one per channel, in the transaction that made them.

The row's unique idempotency key makes each event reach each channel once, however often the
check batch behind it is delivered and however many schedulers or workers run. Which channels
hear about which events follows the monitor's alert policy (its own settings, then its tags').
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.notifications import EventKind, IncidentRef, MonitorRef, Notification
from upwatch.domain.policies import AlertPolicy, AlertSettings, TagPolicy, effective_policy
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


async def announced_channels(session: AsyncSession, incident_id: int) -> list[int]:
    """The channels that were told an incident is open (an opening, flapping or escalation)."""
    return (await announced_channels_of(session, {incident_id})).get(incident_id, [])


async def announced_channels_of(
    session: AsyncSession, incident_ids: set[int]
) -> dict[int, list[int]]:
    """``announced_channels`` for many incidents in one query."""
    if not incident_ids:
        return {}
    statement = (
        select(DeliveryRow.incident_id, DeliveryRow.channel_id)
        .where(DeliveryRow.incident_id.in_(incident_ids), DeliveryRow.event != EventKind.UP.value)
        .distinct()
    )
    told: dict[int, list[int]] = {incident_id: [] for incident_id in incident_ids}
    for incident_id, channel_id in await session.execute(statement):
        told[cast(int, incident_id)].append(channel_id)  # never NULL: it was asked for
    return {incident_id: sorted(channels) for incident_id, channels in told.items()}


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
    rows = delivery_rows(
        monitor=monitor,
        incident=incident,
        event=event,
        channel_ids=channel_ids,
        at=at,
        key=key,
        check=check,
    )
    if outbox is None:
        outbox = Outbox()
        outbox.add(rows)
        await outbox.write(session)
    else:
        outbox.add(rows)
    return len(rows)


def delivery_rows(
    *,
    monitor: MonitorRow,
    incident: IncidentRow | None,
    event: EventKind,
    channel_ids: Sequence[int],
    at: datetime,
    key: str,
    check: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows of one event: one message per channel."""
    if not channel_ids:
        return []
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
    return [
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
