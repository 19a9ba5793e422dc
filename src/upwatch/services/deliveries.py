"""Sending the outbox: claim due deliveries, record each outcome, keep channel health."""

import random
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.notifications import (
    Delivery,
    EventKind,
    GroupedNotification,
    Message,
    Notification,
)
from upwatch.services.alerts import GROUPABLE_EVENTS, next_attempt
from upwatch.store.monitors import locked
from upwatch.store.tables import AlertPolicyRow, ChannelRow, DeliveryRow, MonitorRow

# A sender that dies mid-send leaves its claim; the delivery is retried once the lease expires.
CLAIM_LEASE = timedelta(minutes=2)
UNHEALTHY_AFTER_FAILURES = 5
GROUPABLE_VALUES = frozenset(event.value for event in GROUPABLE_EVENTS)


@dataclass(frozen=True, slots=True)
class DueDelivery:
    delivery_id: int
    channel_id: int
    attempt: int
    sealed_channel: dict[str, object]
    message: Message


MESSAGE: TypeAdapter[Message] = TypeAdapter(Message)


async def claim_due(
    *,
    session: AsyncSession,
    now: datetime,
    limit: int,
    group_wait: timedelta = timedelta(0),
    shared_channels: Collection[int] = (),
) -> list[DueDelivery]:
    """Claim the deliveries due now, each for one lease.

    An opening or recovery to one of ``shared_channels`` waits ``group_wait`` after its event,
    for company: the deliveries of the same event to the same channel that are first sent
    together go out as one grouped message from the oldest of them (the rest point at it and
    share its fate). A channel only one monitor alerts has no company to wait for.
    """
    waited = or_(
        DeliveryRow.attempts > 0,
        DeliveryRow.event.not_in([e.value for e in GROUPABLE_EVENTS]),
        DeliveryRow.created_at <= now - group_wait,
        DeliveryRow.channel_id.not_in(list(shared_channels)),
    )
    statement = (
        select(DeliveryRow)
        .where(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= now, waited)
        .order_by(DeliveryRow.next_attempt_at)
        .limit(limit)
    )
    due = list(await session.scalars(await locked(statement, session, skip_locked=True)))
    due += await _company(session, due)
    leaders = _group(due)
    channels = await _channels(session, {d.channel_id for d in leaders})
    claimed = []
    for delivery in leaders:
        delivery.attempts += 1
        delivery.next_attempt_at = now + CLAIM_LEASE
        claimed.append(
            DueDelivery(
                delivery_id=delivery.id,
                channel_id=delivery.channel_id,
                attempt=delivery.attempts,
                sealed_channel=channels[delivery.channel_id].config,
                message=MESSAGE.validate_python(delivery.message),
            )
        )
    return claimed


async def shared_channels(*, session: AsyncSession) -> set[int]:
    """The channels more than one monitor alerts, directly or through its tags' policies."""
    policies = await session.execute(select(AlertPolicyRow.tag, AlertPolicyRow.channel_ids))
    by_tag: dict[str, list[int]] = {row.tag: row.channel_ids for row in policies}
    alerted: Counter[int] = Counter()
    for channel_ids, tags in await session.execute(select(MonitorRow.channel_ids, MonitorRow.tags)):
        own = set(channel_ids) or {c for tag in tags for c in by_tag.get(tag, ())}
        alerted.update(own)
    return {channel for channel, monitors in alerted.items() if monitors > 1}


async def _company(session: AsyncSession, due: list[DeliveryRow]) -> list[DeliveryRow]:
    """Unsent deliveries of the same events to the same channels, still in their wait."""
    firsts = [d for d in due if d.attempts == 0 and d.event in GROUPABLE_VALUES]
    if not firsts:
        return []
    statement = select(DeliveryRow).where(
        DeliveryRow.status == "pending",
        DeliveryRow.attempts == 0,
        DeliveryRow.id.not_in([d.id for d in due]),
        tuple_(DeliveryRow.channel_id, DeliveryRow.event).in_(
            {(d.channel_id, d.event) for d in firsts}
        ),
    )
    return list(await session.scalars(await locked(statement, session, skip_locked=True)))


def _group(deliveries: list[DeliveryRow]) -> list[DeliveryRow]:
    """Fold first attempts of one event to one channel into their oldest row; returns the rows
    to send."""
    batches: dict[tuple[int, str], list[DeliveryRow]] = {}
    leaders = []
    for delivery in sorted(deliveries, key=lambda d: d.id):
        if delivery.attempts == 0 and delivery.event in GROUPABLE_VALUES:
            batches.setdefault((delivery.channel_id, delivery.event), []).append(delivery)
        else:
            leaders.append(delivery)
    for (channel_id, event), batch in batches.items():
        leader, *members = batch
        leaders.append(leader)
        if not members:
            continue
        notifications = [Notification.model_validate(d.message) for d in batch]
        leader.message = GroupedNotification(
            event=EventKind(event),
            notifications=tuple(notifications),
            occurred_at=max(n.occurred_at for n in notifications),
            idempotency_key=f"group-{leader.id}:{event}:channel-{channel_id}",
        ).model_dump(mode="json")
        for member in members:
            member.status, member.grouped_into = "grouped", leader.id
    return leaders


async def _channels(session: AsyncSession, ids: set[int]) -> dict[int, ChannelRow]:
    if not ids:
        return {}
    return {
        c.id: c for c in await session.scalars(select(ChannelRow).where(ChannelRow.id.in_(ids)))
    }


async def still_claimed(*, session: AsyncSession, due: Sequence[DueDelivery]) -> set[int]:
    """The deliveries whose claim is still this one: a claim whose lease ran out (a queue that
    held it too long) was taken again and is no longer this sender's to send."""
    if not due:
        return set()
    rows = await session.execute(
        select(DeliveryRow.id, DeliveryRow.attempts).where(
            DeliveryRow.id.in_([d.delivery_id for d in due]), DeliveryRow.status == "pending"
        )
    )
    attempts: dict[int, int] = {row.id: row.attempts for row in rows}
    return {d.delivery_id for d in due if attempts.get(d.delivery_id) == d.attempt}


async def record_outcomes(
    *, session: AsyncSession, outcomes: Sequence[tuple[int, Delivery]], now: datetime
) -> None:
    """Record what became of sent deliveries, in order, with two reads for the whole batch.

    A delivery deleted meanwhile (its channel was removed) has nothing left to record.
    """
    if not outcomes:
        return
    ids = [delivery_id for delivery_id, _ in outcomes]
    deliveries = {
        d.id: d for d in await session.scalars(select(DeliveryRow).where(DeliveryRow.id.in_(ids)))
    }
    channels = await _channels(session, {d.channel_id for d in deliveries.values()})
    settled = []
    for delivery_id, outcome in outcomes:
        delivery = deliveries.get(delivery_id)
        if delivery is None:
            continue
        _apply(delivery, channels[delivery.channel_id], outcome, now)
        if delivery.status != "pending":
            settled.append(delivery)
    await _settle_members(session, settled)


def _apply(delivery: DeliveryRow, channel: ChannelRow, outcome: Delivery, now: datetime) -> None:
    delivery.status_code = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status, delivery.sent_at = "sent", now
        channel.consecutive_failures, channel.healthy, channel.last_error = 0, True, None
        return
    retry_at = None if outcome.permanent else next_attempt(delivery.attempts, now, random.random())
    if retry_at is None:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = retry_at
        delivery.status = "pending"
    channel.consecutive_failures += 1
    channel.last_error = outcome.error
    channel.healthy = channel.consecutive_failures < UNHEALTHY_AFTER_FAILURES


async def _settle_members(session: AsyncSession, leaders: Sequence[DeliveryRow]) -> None:
    """The deliveries that went out inside a leader's message end as it did.

    Members wait as ``grouped`` (the status index finds them), so a batch of leaders without
    any costs one read.
    """
    if not leaders:
        return
    by_id = {leader.id: leader for leader in leaders}
    with_members = await session.scalars(
        select(DeliveryRow.grouped_into)
        .where(DeliveryRow.status == "grouped", DeliveryRow.grouped_into.in_(list(by_id)))
        .distinct()
    )
    for leader in [by_id[leader_id] for leader_id in with_members if leader_id is not None]:
        await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.status == "grouped", DeliveryRow.grouped_into == leader.id)
            .values(
                status=leader.status,
                attempts=leader.attempts,
                sent_at=leader.sent_at,
                status_code=leader.status_code,
                last_error=leader.last_error,
            )
        )


async def deliveries_of(
    *, session: AsyncSession, incident_id: int | None = None, limit: int = 100
) -> Sequence[DeliveryRow]:
    statement = select(DeliveryRow).order_by(DeliveryRow.id.desc()).limit(limit)
    if incident_id is not None:
        statement = statement.where(DeliveryRow.incident_id == incident_id)
    return (await session.scalars(statement)).all()


async def pending_count(*, session: AsyncSession) -> int:
    statement = select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == "pending")
    return int(await session.scalar(statement) or 0)
