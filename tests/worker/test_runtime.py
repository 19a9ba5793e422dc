"""A worker runs a message's checks against real local targets and stores each as it ends."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import heartbeat_spec, http_spec
from upwatch.domain.status import PingKind
from upwatch.engine.jobs import CheckJob
from upwatch.services.monitors import create_monitor
from upwatch.services.pings import Ping, new_intake_id
from upwatch.settings import Settings
from upwatch.store.tables import CheckResultRow, MonitorRow, PingRow
from upwatch.worker.runtime import WorkerRuntime

REFUSED_BODY = "refuse me"


class Targets:
    """``/quick`` answers at once; ``/held`` answers once the test releases it."""

    def __init__(self) -> None:
        self.base = ""
        self.release = asyncio.Event()


@pytest.fixture
async def targets() -> AsyncIterator[Targets]:
    state = Targets()

    async def quick(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def held(_: web.Request) -> web.Response:
        await state.release.wait()
        return web.Response(text="late but ok")

    app = web.Application()
    app.router.add_get("/quick", quick)
    app.router.add_get("/held", held)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.base = f"http://127.0.0.1:{port}"
    yield state
    state.release.set()
    await runner.cleanup()


@pytest.fixture
async def runtime(database_url: str, tmp_path: Path) -> AsyncIterator[WorkerRuntime]:
    settings = Settings(database_url=database_url, data_dir=tmp_path, allow_private_targets=True)
    worker = WorkerRuntime(settings)
    yield worker
    await worker._context.aclose()
    await worker._database.dispose()


async def _stored(sessions: async_sessionmaker[AsyncSession]) -> set[int]:
    async with sessions() as session:
        return set(await session.scalars(select(CheckResultRow.monitor_id)))


async def test_quick_checks_are_stored_while_a_slow_one_of_the_message_still_runs(
    sessions: async_sessionmaker[AsyncSession],
    runtime: WorkerRuntime,
    targets: Targets,
    clock: Clock,
) -> None:
    jobs = []
    now = datetime.now(UTC)  # the worker's clock: a check due long ago is not run
    async with sessions.begin() as session:
        for path in ("/quick", "/quick", "/held"):
            spec = http_spec(url=f"{targets.base}{path}", timeout=30)
            row = await create_monitor(session=session, spec=spec, now=clock())
            jobs.append(CheckJob(monitor_id=row.id, scheduled_at=now, spec=spec))
    quick_ids = {job.monitor_id for job in jobs[:2]}

    running = asyncio.create_task(runtime.run_checks(jobs))
    async with asyncio.timeout(60):  # a worker that waits for the slowest would wait forever
        while await _stored(sessions) != quick_ids:
            assert not running.done()
            await asyncio.sleep(0.05)
    targets.release.set()

    assert await running == 3
    assert await _stored(sessions) == {job.monitor_id for job in jobs}
    async with sessions() as session:
        statuses = set(await session.scalars(select(MonitorRow.status)))
    assert statuses == {"up"}


@pytest.fixture
async def pings_refusing_a_body(database: AsyncEngine) -> AsyncIterator[None]:
    """The database itself refuses a ping whose body is ``REFUSED_BODY``."""
    if database.dialect.name == "sqlite":
        create = (
            "CREATE TRIGGER refuse_body BEFORE INSERT ON pings "
            f"WHEN NEW.body = '{REFUSED_BODY}' BEGIN SELECT RAISE(ABORT, 'refused ping'); END"
        )
        drop = "DROP TRIGGER refuse_body"
    else:
        create = f"ALTER TABLE pings ADD CONSTRAINT refuse_body CHECK (body <> '{REFUSED_BODY}')"
        drop = "ALTER TABLE pings DROP CONSTRAINT refuse_body"
    async with database.begin() as connection:
        await connection.exec_driver_sql(create)
    yield
    async with database.begin() as connection:
        await connection.exec_driver_sql(drop)


@pytest.mark.usefixtures("pings_refusing_a_body")
async def test_a_ping_the_database_refuses_is_dropped_and_the_rest_of_the_message_stored(
    sessions: async_sessionmaker[AsyncSession], runtime: WorkerRuntime, clock: Clock
) -> None:
    async with sessions.begin() as session:
        ids = [
            (await create_monitor(session=session, spec=heartbeat_spec(), now=clock())).id
            for _ in range(5)
        ]
    pings = [
        Ping(
            intake_id=new_intake_id(),
            token="t",
            monitor_id=monitor_id,
            received_at=clock(),
            kind=PingKind.SUCCESS,
            method="POST",
            body=REFUSED_BODY if n == 2 else "fine",
        )
        for n, monitor_id in enumerate(ids)
    ]
    refused_before = _rejected("pings")

    # Retrying the message would only dead-letter the four good pings with the bad one.
    await asyncio.wait_for(runtime.record_pings(pings), timeout=30)

    async with sessions() as session:
        stored = set(await session.scalars(select(PingRow.monitor_id)))
        up = set(await session.scalars(select(MonitorRow.id).where(MonitorRow.status == "up")))
    assert stored == up == set(ids) - {ids[2]}
    assert _rejected("pings") == refused_before + 1


def _rejected(writer: str) -> float:
    return REGISTRY.get_sample_value("upwatch_store_items_rejected_total", {"writer": writer}) or 0
