from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import heartbeat_spec
from upwatch.services.monitors import create_monitor
from upwatch.services.ping_tokens import PingTokenCache
from upwatch.store.tables import MonitorRow


async def _heartbeat(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> tuple[int, str]:
    async with sessions.begin() as session:
        monitor_id = (await create_monitor(session=session, spec=heartbeat_spec(), now=clock())).id
        token = await session.scalar(
            select(MonitorRow.ping_token).where(MonitorRow.id == monitor_id)
        )
    assert token is not None
    return monitor_id, token


async def test_tokens_known_at_load_and_created_later_are_found_and_unknown_ones_are_not(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    first_id, first_token = await _heartbeat(sessions, clock)
    cache = PingTokenCache(sessions)
    assert await cache.monitor_id(first_token) == first_id
    later_id, later_token = await _heartbeat(sessions, clock)
    assert await cache.monitor_id(later_token) == later_id
    assert await cache.monitor_id("unknown-token-0123456789") is None


async def test_a_forgotten_token_is_looked_up_again(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id, token = await _heartbeat(sessions, clock)
    cache = PingTokenCache(sessions)
    assert await cache.monitor_id(token) == monitor_id
    async with sessions.begin() as session:
        await session.execute(delete(MonitorRow).where(MonitorRow.id == monitor_id))
    cache.forget(token)
    assert await cache.monitor_id(token) is None


async def test_the_snapshot_is_reloaded_after_ttl_so_other_processes_deletions_show(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id, token = await _heartbeat(sessions, clock)
    cache = PingTokenCache(sessions, ttl=0.0)
    assert await cache.monitor_id(token) == monitor_id
    async with sessions.begin() as session:
        await session.execute(delete(MonitorRow).where(MonitorRow.id == monitor_id))
    # The first call after ttl answers from the old snapshot and starts a reload.
    assert await cache.monitor_id(token) == monitor_id
    await cache.reloaded()
    assert await cache.monitor_id(token) is None
    await cache.reloaded()
