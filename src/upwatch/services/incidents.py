"""Incident use cases beyond what a check does: acknowledge, resolve by hand, notes, the
timeline.

Resolving by hand closes the incident whatever the monitor's state: the monitor keeps its
status, but no longer has an open incident, so a monitor that is still failing opens a new
incident (and alerts again) at its next failing check, and its eventual recovery announces
nothing more. The channels that heard about the incident are told it was resolved.
"""

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.notifications import EventKind
from upwatch.errors import NotFoundError, UpwatchError
from upwatch.services.alerts import announced_channels, policy_of, queue_deliveries, tag_policies
from upwatch.services.followups import cancel_follow_ups
from upwatch.store.monitors import lock_monitors
from upwatch.store.tables import DeliveryRow, IncidentNoteRow, IncidentRow

NOTE_LIMIT = 10_000


class IncidentAlreadyResolvedError(UpwatchError):
    """The incident was resolved before: by its monitor's recovery or by someone."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    detail: dict[str, Any]


async def acknowledge(
    *, session: AsyncSession, incident_id: int, by: str, now: datetime
) -> IncidentRow:
    """The first acknowledgement counts and stops reminders and escalation; acknowledging
    again changes nothing."""
    incident = await _get(session, incident_id)
    if incident.acknowledged_at is None:
        incident.acknowledged_at, incident.acknowledged_by = now, by[:200]
        await cancel_follow_ups(session=session, incident_id=incident_id)
    return incident


async def resolve(
    *, session: AsyncSession, incident_id: int, by: str, note: str | None, now: datetime
) -> IncidentRow:
    """Close an open incident by hand, with an optional note; raises
    ``IncidentAlreadyResolvedError`` when it is closed already.

    The monitor row is locked first, so a check result written at the same moment either
    resolves the incident before (and this call refuses) or sees it resolved (and opens anew).
    """
    monitor_id = (await _get(session, incident_id)).monitor_id
    monitor = (await lock_monitors(session, {monitor_id}))[monitor_id]
    incident = await _get(session, incident_id)
    await session.refresh(incident)
    if incident.resolved_at is not None:
        raise IncidentAlreadyResolvedError(f"incident {incident_id} is resolved already")
    incident.resolved_at, incident.resolved_by = now, by[:200]
    if note:
        await add_note(session=session, incident_id=incident_id, author=by, text=note, now=now)
    await cancel_follow_ups(session=session, incident_id=incident_id)
    still_open = await session.scalar(
        select(IncidentRow.id).where(
            IncidentRow.monitor_id == monitor_id, IncidentRow.resolved_at.is_(None)
        )
    )
    monitor.incident_open = still_open is not None
    policy = policy_of(monitor, await tag_policies(session, monitor.tags))
    if policy.announces(EventKind.UP):
        await queue_deliveries(
            session=session,
            monitor=monitor,
            incident=incident,
            event=EventKind.RESOLVED,
            channel_ids=await announced_channels(session, incident_id),
            at=now,
            key=f"incident-{incident_id}-resolved",
        )
    return incident


async def add_note(
    *, session: AsyncSession, incident_id: int, author: str, text: str, now: datetime
) -> IncidentNoteRow:
    await _get(session, incident_id)
    note = IncidentNoteRow(
        incident_id=incident_id, author=author[:200], text=text[:NOTE_LIMIT], created_at=now
    )
    session.add(note)
    await session.flush()
    return note


async def timeline(*, session: AsyncSession, incident_id: int) -> list[TimelineEntry]:
    """Opened, each notification with its outcome, acknowledged, notes, resolved — in order."""
    incident = await _get(session, incident_id)
    entries = [TimelineEntry(incident.opened_at, "opened", {"cause": incident.cause})]
    deliveries: Sequence[DeliveryRow] = (
        await session.scalars(select(DeliveryRow).where(DeliveryRow.incident_id == incident_id))
    ).all()
    entries += [
        TimelineEntry(
            d.sent_at or d.created_at,
            "notification",
            {
                "channel_id": d.channel_id,
                "event": d.event,
                "status": d.status,
                "attempts": d.attempts,
                "error": d.last_error,
            },
        )
        for d in deliveries
    ]
    if incident.acknowledged_at:
        entries.append(
            TimelineEntry(
                incident.acknowledged_at, "acknowledged", {"by": incident.acknowledged_by}
            )
        )
    notes = await session.scalars(
        select(IncidentNoteRow).where(IncidentNoteRow.incident_id == incident_id)
    )
    entries += [
        TimelineEntry(n.created_at, "note", {"author": n.author, "text": n.text}) for n in notes
    ]
    if incident.resolved_at:
        entries.append(
            TimelineEntry(incident.resolved_at, "resolved", {"by": incident.resolved_by})
        )
    return sorted(entries, key=lambda entry: entry.at)


def acknowledge_signature(secret_key: str, incident_id: int) -> str:
    """What makes a one-click acknowledge link unforgeable: an HMAC of the incident id."""
    message = f"acknowledge-incident:{incident_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def signature_valid(secret_key: str, incident_id: int, signature: str) -> bool:
    return hmac.compare_digest(acknowledge_signature(secret_key, incident_id), signature)


async def _get(session: AsyncSession, incident_id: int) -> IncidentRow:
    incident = await session.get(IncidentRow, incident_id)
    if incident is None:
        raise NotFoundError(f"incident {incident_id} does not exist")
    return incident
