"""Reminders and escalations for incidents that stay open and unacknowledged.

Run on every delivery pass. Keys name the reminder's number and the escalation step's delay, so
any number of passes, on any number of schedulers, queue each follow-up once.
"""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.notifications import EventKind
from upwatch.domain.policies import AlertPolicy, escalations_due, reminder_due
from upwatch.domain.status import MonitorStatus
from upwatch.services.alerts import Outbox, policy_of, queue_deliveries, tag_policies
from upwatch.store.tables import DeliveryRow, IncidentRow, MonitorRow

FOLLOW_UP_EVENTS = (EventKind.REMINDER.value, EventKind.ESCALATION.value)


async def queue_follow_ups(*, session: AsyncSession, now: datetime) -> int:
    """Queue the reminders and escalations due now; returns how many deliveries."""
    statement = (
        select(IncidentRow, MonitorRow)
        .join(MonitorRow, MonitorRow.id == IncidentRow.monitor_id)
        .where(
            IncidentRow.resolved_at.is_(None),
            IncidentRow.acknowledged_at.is_(None),
            # Maintenance silences everything, follow-ups included.
            MonitorRow.status != MonitorStatus.MAINTENANCE.value,
        )
    )
    pairs = [(incident, monitor) for incident, monitor in await session.execute(statement)]
    if not pairs:
        return 0
    policies = await tag_policies(session, {tag for _, monitor in pairs for tag in monitor.tags})
    # What the policies call for, before reading any delivery: most open incidents (no
    # reminders, no escalation, or none due yet) need nothing, however many there are.
    wanted = [
        (incident, monitor, due)
        for incident, monitor in pairs
        if (due := _due(incident, policy_of(monitor, policies), now))
    ]
    if not wanted:
        return 0
    told, sent = await _deliveries_so_far(session, [incident.id for incident, _, _ in wanted])
    outbox = Outbox()
    queued = 0
    for incident, monitor, due in wanted:
        if not told.get(incident.id):
            continue  # never announced (filtered out, or flapping): nothing to remind of
        for event, key, channels in due:
            new = [c for c in channels if f"{key}-channel-{c}" not in sent]
            queued += await queue_deliveries(
                session=session,
                monitor=monitor,
                incident=incident,
                event=event,
                channel_ids=new,
                at=now,
                key=key,
                outbox=outbox,
            )
    await outbox.write(session)
    return queued


def _due(
    incident: IncidentRow, policy: AlertPolicy, now: datetime
) -> list[tuple[EventKind, str, tuple[int, ...]]]:
    """The reminder and escalation steps due for an incident now, each with its key."""
    due: list[tuple[EventKind, str, tuple[int, ...]]] = []
    reminder = reminder_due(incident.opened_at, now, policy.renotify)
    if reminder:
        key = f"incident-{incident.id}-reminder-{reminder}"
        due.append((EventKind.REMINDER, key, policy.channels))
    for _, step in escalations_due(incident.opened_at, now, policy.escalation):
        key = f"incident-{incident.id}-escalation-{step.after_minutes}min"
        due.append((EventKind.ESCALATION, key, tuple(step.channels)))
    return due


async def _deliveries_so_far(
    session: AsyncSession, incident_ids: list[int]
) -> tuple[dict[int, set[int]], set[str]]:
    """Per incident, the channels told it is open; and the follow-up keys already queued."""
    statement = select(
        DeliveryRow.incident_id,
        DeliveryRow.channel_id,
        DeliveryRow.event,
        DeliveryRow.idempotency_key,
    ).where(DeliveryRow.incident_id.in_(incident_ids), DeliveryRow.event != EventKind.UP.value)
    told: dict[int, set[int]] = {}
    follow_ups: set[str] = set()
    for incident_id, channel_id, event, key in await session.execute(statement):
        if incident_id is None:
            continue
        told.setdefault(incident_id, set()).add(channel_id)
        if event in FOLLOW_UP_EVENTS:
            follow_ups.add(key)
    return told, follow_ups


async def cancel_follow_ups(*, session: AsyncSession, incident_id: int) -> None:
    """Someone is on it: reminders and escalations not yet sent are dropped."""
    await session.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.incident_id == incident_id,
            DeliveryRow.status == "pending",
            DeliveryRow.event.in_(FOLLOW_UP_EVENTS),
        )
        .values(status="cancelled")
    )
