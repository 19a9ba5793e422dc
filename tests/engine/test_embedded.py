"""The in-process engine of ``upwatch serve``, on both databases."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import http_spec
from upwatch.engine.embedded import CLAIM_AHEAD, EmbeddedEngine
from upwatch.services.monitors import create_monitor
from upwatch.settings import Settings
from upwatch.store.tables import MonitorRow


async def test_serve_claims_only_what_its_runners_can_start_soon(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    async with sessions.begin() as session:
        for number in range(20):
            await create_monitor(session=session, spec=http_spec(name=f"web {number}"), now=clock())
    engine = EmbeddedEngine(
        settings=Settings(max_in_flight_probes=2), sessions=sessions, clock=clock
    )

    # Nothing runs the claimed checks here: the scheduler must stop at the claim-ahead bound
    # however many passes it makes, leaving the rest due in the database.
    for _ in range(3):
        await engine.scheduler.run_once()

    async with sessions() as session:
        next_runs = (await session.scalars(select(MonitorRow.next_run_at))).all()
    claimed = [at for at in next_runs if at is not None and at > clock()]
    assert len(claimed) == CLAIM_AHEAD * 2
