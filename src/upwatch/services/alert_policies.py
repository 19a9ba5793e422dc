"""Alert defaults per tag: create or replace, list, read, delete."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.policies import TagPolicy
from upwatch.errors import NotFoundError
from upwatch.services.alerts import tag_policy_of
from upwatch.services.channels import ensure_channels_exist
from upwatch.store.tables import AlertPolicyRow


async def put_policy(*, session: AsyncSession, policy: TagPolicy, now: datetime) -> TagPolicy:
    await ensure_channels_exist(
        session=session, channel_ids=policy.channels, alerts=policy.settings
    )
    row = await session.get(AlertPolicyRow, policy.tag)
    if row is None:
        row = AlertPolicyRow(tag=policy.tag)
        session.add(row)
    row.channel_ids = list(policy.channels)
    row.settings = policy.settings.model_dump(mode="json")
    row.updated_at = now
    await session.flush()
    return tag_policy_of(row)


async def list_policies(*, session: AsyncSession) -> Sequence[TagPolicy]:
    rows = await session.scalars(select(AlertPolicyRow).order_by(AlertPolicyRow.tag))
    return [tag_policy_of(row) for row in rows]


async def get_policy(*, session: AsyncSession, tag: str) -> TagPolicy:
    return tag_policy_of(await _row(session, tag))


async def delete_policy(*, session: AsyncSession, tag: str) -> None:
    await session.delete(await _row(session, tag))


async def _row(session: AsyncSession, tag: str) -> AlertPolicyRow:
    row = await session.get(AlertPolicyRow, tag)
    if row is None:
        raise NotFoundError(f"no alert policy for tag {tag!r}")
    return row
