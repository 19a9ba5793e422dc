"""Scheduler → runner → result sink against a real local HTTP target, on both databases."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import http_spec
from upwatch.domain.state import FlapPolicy
from upwatch.engine.runner import Runner
from upwatch.engine.scheduler import claim_due
from upwatch.probes.base import ProbeContext
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results
from upwatch.store.tables import CheckResultRow, IncidentRow, MonitorRow


@dataclass
class Target:
    url: str
    status: int = 200


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    state = Target(url="")

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"ok": state.status == 200}, status=state.status)

    app = web.Application()
    app.router.add_get("/health", health)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/health"
    yield state
    await runner.cleanup()


@pytest.fixture
async def runner(clock: Clock) -> AsyncIterator[Runner]:
    context = ProbeContext()
    yield Runner(context=context, max_in_flight=10, clock=clock)
    await context.aclose()


async def _tick(sessions: async_sessionmaker[AsyncSession], runner: Runner, clock: Clock) -> int:
    async with sessions.begin() as session:
        jobs = await claim_due(session=session, now=clock(), limit=100)
    results = await runner.run_batch(jobs)
    async with sessions.begin() as session:
        await record_results(session=session, results=results, flap=FlapPolicy())
    return len(jobs)


async def test_a_failing_target_opens_an_incident_after_retries_and_recovery_resolves_it(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, runner: Runner, target: Target
) -> None:
    async with sessions.begin() as session:
        monitor = await create_monitor(
            session=session,
            spec=http_spec(
                url=target.url, retries=1, json_assertions=[{"path": "$.ok", "equals": True}]
            ),
            now=clock(),
        )

    async def status() -> str:
        async with sessions() as session:
            return (await session.get_one(MonitorRow, monitor.id)).status

    assert await _tick(sessions, runner, clock) == 1
    assert await status() == "up"

    target.status = 503
    for expected in ("up", "down"):  # one retry tolerated, then DOWN
        clock.advance(60)
        assert await _tick(sessions, runner, clock) == 1
        assert await status() == expected

    target.status = 200
    clock.advance(60)
    await _tick(sessions, runner, clock)
    assert await status() == "up"

    async with sessions() as session:
        (incident,) = (await session.scalars(select(IncidentRow))).all()
        results = (await session.scalars(select(CheckResultRow))).all()
    assert [r.outcome for r in results] == ["up", "down", "down", "up"]
    assert incident.cause["status_code"] == 503
    assert incident.cause["scheduled_at"] == results[1].scheduled_at.isoformat()
    assert incident.opened_at == results[2].scheduled_at
    assert incident.resolved_at == results[3].scheduled_at
    assert all(r.latency_ms is not None and r.latency_ms > 0 for r in results)
    assert len({r.scheduled_at for r in results}) == 4
    assert results[1].scheduled_at - results[0].scheduled_at <= timedelta(seconds=60)


async def test_steady_results_move_only_the_last_check_and_a_failure_among_them_still_counts(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, runner: Runner, target: Target
) -> None:
    async with sessions.begin() as session:
        steady = await create_monitor(
            session=session, spec=http_spec(name="steady", url=target.url), now=clock()
        )
        failing = await create_monitor(
            session=session, spec=http_spec(name="failing", url=target.url), now=clock()
        )
    await _tick(sessions, runner, clock)  # both go from pending to UP

    async def rows() -> dict[int, MonitorRow]:
        async with sessions() as session:
            found = (await session.scalars(select(MonitorRow))).all()
            return {row.id: row for row in found}

    before = await rows()
    clock.advance(61)
    await _tick(sessions, runner, clock)  # changes nothing but the time of the last check
    after = await rows()
    for monitor_id in (steady.id, failing.id):
        assert after[monitor_id].last_checked_at > before[monitor_id].last_checked_at  # type: ignore[operator]
        assert after[monitor_id].status == "up"
        assert after[monitor_id].status_changed_at == before[monitor_id].status_changed_at

    clock.advance(61)
    async with sessions.begin() as session:
        jobs = await claim_due(session=session, now=clock(), limit=10)
    (steady_job,) = [job for job in jobs if job.monitor_id == steady.id]
    (failing_job,) = [job for job in jobs if job.monitor_id == failing.id]
    (up,) = await runner.run_batch([steady_job])
    target.status = 500
    (down,) = await runner.run_batch([failing_job])
    async with sessions.begin() as session:
        await record_results(session=session, results=[up, down], flap=FlapPolicy())
    final = await rows()
    assert (final[steady.id].status, final[steady.id].last_checked_at) == ("up", up.scheduled_at)
    assert (final[failing.id].status, final[failing.id].last_checked_at) == (
        "down",
        down.scheduled_at,
    )
    async with sessions() as session:
        incidents = (await session.scalars(select(IncidentRow))).all()
    assert [incident.monitor_id for incident in incidents] == [failing.id]
