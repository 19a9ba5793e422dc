from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import heartbeat_spec
from upwatch.services.monitors import create_monitor, get_monitor, set_paused


async def test_a_locked_read_sees_what_changed_since_the_session_first_read_the_monitor(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    async with sessions.begin() as session:
        monitor_id = (await create_monitor(session=session, spec=heartbeat_spec(), now=clock())).id

    async with sessions.begin() as session:
        read_first = await get_monitor(session=session, monitor_id=monitor_id)
        assert not read_first.paused
        async with sessions.begin() as other:
            await set_paused(session=other, monitor_id=monitor_id, paused=True, now=clock())
        row = await get_monitor(session=session, monitor_id=monitor_id, for_update=True)

        assert row.paused
        assert row.deadline_at is None
