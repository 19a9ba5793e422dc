import asyncio
import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import heartbeat_spec, http_spec
from upwatch.domain.schedule import slots_for
from upwatch.engine.jobs import CheckJob
from upwatch.engine.scheduler import Scheduler, claim_due
from upwatch.engine.specs import SpecCache
from upwatch.services.monitors import create_monitor, set_paused, update_monitor
from upwatch.settings import Settings
from upwatch.store.tables import MonitorRow


async def _create(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, count: int
) -> list[int]:
    async with sessions.begin() as session:
        return [
            (await create_monitor(session=session, spec=http_spec(name=f"m{n}"), now=clock())).id
            for n in range(count)
        ]


async def _claim(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, limit: int = 100
) -> list[object]:
    async with sessions.begin() as session:
        return list(await claim_due(session=session, now=clock(), limit=limit))


async def test_new_monitors_run_at_once_then_on_their_own_phase_without_drift(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (monitor_id,) = await _create(sessions, clock, 1)
    (first,) = await _claim(sessions, clock)
    assert first.scheduled_at == clock()  # type: ignore[attr-defined]
    slots = slots_for(monitor_id, 60)

    runs = []
    for _ in range(120):
        clock.advance(1.3)  # the loop wakes at odd moments; the slots must not care
        runs += [job.scheduled_at for job in await _claim(sessions, clock)]  # type: ignore[attr-defined]
    assert runs[0] == slots.after(first.scheduled_at)  # type: ignore[attr-defined]
    assert all(b - a == timedelta(seconds=60) for a, b in itertools.pairwise(runs))
    assert len(runs) == 2


async def test_after_downtime_missed_runs_collapse_into_one(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (monitor_id,) = await _create(sessions, clock, 1)
    await _claim(sessions, clock)
    clock.advance(3600)
    jobs = await _claim(sessions, clock)
    assert len(jobs) == 1
    assert jobs[0].scheduled_at == slots_for(monitor_id, 60).at_or_before(clock())  # type: ignore[attr-defined]
    assert await _claim(sessions, clock) == []


async def test_paused_monitors_and_heartbeats_are_not_claimed(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (paused_id,) = await _create(sessions, clock, 1)
    async with sessions.begin() as session:
        await set_paused(session=session, monitor_id=paused_id, paused=True, now=clock())
        await create_monitor(session=session, spec=heartbeat_spec(), now=clock())
    assert await _claim(sessions, clock) == []


async def test_claims_are_bounded_by_the_limit(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _create(sessions, clock, 25)
    assert len(await _claim(sessions, clock, limit=10)) == 10
    assert len(await _claim(sessions, clock, limit=100)) == 15


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_schedulers_never_claim_the_same_check(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _create(sessions, clock, 400)
    claimed = await asyncio.gather(*(_claim(sessions, clock, limit=150) for _ in range(4)))
    keys = [(j.monitor_id, j.scheduled_at) for batch in claimed for j in batch]  # type: ignore[attr-defined]
    assert len(keys) == len(set(keys)) == 400
    async with sessions() as session:
        next_runs = (await session.scalars(select(MonitorRow.next_run_at))).all()
    assert all(n is not None and n > clock() for n in next_runs)


async def test_a_changed_monitor_is_claimed_with_its_new_spec(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    (monitor_id,) = await _create(sessions, clock, 1)
    specs = SpecCache()
    async with sessions.begin() as session:
        (first,) = await claim_due(session=session, now=clock(), limit=10, specs=specs)
    clock.advance(1)
    async with sessions.begin() as session:
        changed = http_spec(name="m0", url="http://127.0.0.1:10/")
        await update_monitor(session=session, monitor_id=monitor_id, spec=changed, now=clock())
    clock.advance(61)
    async with sessions.begin() as session:
        (second,) = await claim_due(session=session, now=clock(), limit=10, specs=specs)
    assert str(first.spec.url) == "http://127.0.0.1:9/"  # type: ignore[union-attr]
    assert second.spec == changed


async def test_a_scheduler_claims_no_more_than_the_runners_have_room_for(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _create(sessions, clock, 30)
    dispatched: list[CheckJob] = []
    room = [12]

    async def dispatch(jobs: list[CheckJob]) -> None:
        dispatched.extend(jobs)
        room[0] -= len(jobs)

    async def on_events(events: object) -> None:
        pass

    scheduler = Scheduler(
        sessions=sessions,
        dispatch=dispatch,
        on_events=on_events,
        flap=Settings().flap_policy,
        clock=clock,
        batch_size=5,
        tick_seconds=1.0,
        room=lambda: room[0],
    )
    await scheduler.run_once()
    assert len(dispatched) == 12
    room[0] = 100
    await scheduler.run_once()
    assert len(dispatched) == 30
    async with sessions() as session:
        next_runs = (await session.scalars(select(MonitorRow.next_run_at))).all()
    assert all(n is not None and n > clock() for n in next_runs)
