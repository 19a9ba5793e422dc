"""Sending the outbox: claim due deliveries, record each outcome, keep channel health."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.notifications import Delivery, Notification
from upwatch.services.alerts import next_attempt
from upwatch.store.monitors import locked
from upwatch.store.tables import ChannelRow, DeliveryRow

# A sender that dies mid-send leaves its claim; the delivery is retried once the lease expires.
CLAIM_LEASE = timedelta(minutes=2)
UNHEALTHY_AFTER_FAILURES = 5


@dataclass(frozen=True, slots=True)
class DueDelivery:
    delivery_id: int
    channel_id: int
    sealed_channel: dict[str, object]
    message: Notification


async def claim_due(*, session: AsyncSession, now: datetime, limit: int) -> list[DueDelivery]:
    statement = (
        select(DeliveryRow, ChannelRow)
        .join(ChannelRow, ChannelRow.id == DeliveryRow.channel_id)
        .where(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= now)
        .order_by(DeliveryRow.next_attempt_at)
        .limit(limit)
    )
    claimed = []
    for delivery, channel in await session.execute(locked(statement, session, skip_locked=True)):
        delivery.attempts += 1
        delivery.next_attempt_at = now + CLAIM_LEASE
        claimed.append(
            DueDelivery(
                delivery_id=delivery.id,
                channel_id=channel.id,
                sealed_channel=channel.config,
                message=Notification.model_validate(delivery.message),
            )
        )
    return claimed


async def record_outcome(
    *, session: AsyncSession, delivery_id: int, outcome: Delivery, now: datetime
) -> None:
    delivery = await session.get_one(DeliveryRow, delivery_id)
    channel = await session.get_one(ChannelRow, delivery.channel_id)
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
