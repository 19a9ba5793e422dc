"""Notification channel use cases: stored sealed, shown redacted, deleted everywhere."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.errors import NotFoundError, ValidationFailedError
from upwatch.notifiers.registry import ChannelConfig
from upwatch.notifiers.secrets import SecretBox
from upwatch.store.tables import ChannelRow, MonitorRow


async def create_channel(
    *,
    session: AsyncSession,
    name: str,
    config: ChannelConfig,
    secrets: SecretBox,
    now: datetime,
) -> ChannelRow:
    row = ChannelRow(
        name=name,
        kind=config.kind,
        config=secrets.seal(config),
        healthy=True,
        consecutive_failures=0,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def list_channels(*, session: AsyncSession) -> Sequence[ChannelRow]:
    return (await session.scalars(select(ChannelRow).order_by(ChannelRow.id))).all()


async def get_channel(*, session: AsyncSession, channel_id: int) -> ChannelRow:
    row = await session.get(ChannelRow, channel_id)
    if row is None:
        raise NotFoundError(f"channel {channel_id} does not exist")
    return row


async def delete_channel(*, session: AsyncSession, channel_id: int) -> None:
    row = await get_channel(session=session, channel_id=channel_id)
    # JSON lists compare differently on SQLite and PostgreSQL; channels are deleted rarely.
    for monitor in await session.scalars(select(MonitorRow)):
        if channel_id in monitor.channel_ids:
            monitor.channel_ids = [c for c in monitor.channel_ids if c != channel_id]
    await session.delete(row)


async def ensure_channels_exist(*, session: AsyncSession, channel_ids: Sequence[int]) -> None:
    if not channel_ids:
        return
    known = set(await session.scalars(select(ChannelRow.id).where(ChannelRow.id.in_(channel_ids))))
    problems = [
        (f"channels[{index}]", f"channel {channel_id} does not exist")
        for index, channel_id in enumerate(channel_ids)
        if channel_id not in known
    ]
    if problems:
        raise ValidationFailedError(problems)
