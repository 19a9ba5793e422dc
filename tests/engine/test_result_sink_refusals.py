"""The result sink (a BatchWriter over ``record_results``) when the database refuses a row:
the other monitors' results are written, and later batches are not held up."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import http_spec
from upwatch.domain.results import CheckResult, ProbeResult
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.engine.batching import BatchWriter, ItemRejectedError
from upwatch.engine.item_labels import result_label
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results
from upwatch.store.tables import CheckResultRow

REFUSED_LATENCY = 666


@pytest.fixture
async def results_refusing_a_latency(database: AsyncEngine) -> AsyncIterator[None]:
    """The database itself refuses a result row with latency 666 ms."""
    if database.dialect.name == "sqlite":
        create = (
            "CREATE TRIGGER refuse_latency BEFORE INSERT ON check_results "
            f"WHEN NEW.latency_ms = {REFUSED_LATENCY} "
            "BEGIN SELECT RAISE(ABORT, 'refused result'); END"
        )
        drop = "DROP TRIGGER refuse_latency"
    else:
        create = (
            "ALTER TABLE check_results ADD CONSTRAINT refuse_latency "
            f"CHECK (latency_ms IS DISTINCT FROM {REFUSED_LATENCY})"
        )
        drop = "ALTER TABLE check_results DROP CONSTRAINT refuse_latency"
    async with database.begin() as connection:
        await connection.exec_driver_sql(create)
    yield
    async with database.begin() as connection:
        await connection.exec_driver_sql(drop)


@pytest.mark.usefixtures("results_refusing_a_latency")
async def test_a_refused_result_is_dropped_and_the_others_and_later_ones_are_written(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    async with sessions.begin() as session:
        monitors = [
            await create_monitor(session=session, spec=http_spec(name=f"web {n}"), now=clock())
            for n in range(3)
        ]

    async def write(results: list[CheckResult]) -> None:
        async with sessions.begin() as session:
            await record_results(session=session, results=results, flap=FlapPolicy())

    def result(monitor_id: int, minutes: int, latency_ms: int) -> CheckResult:
        at = clock() + timedelta(minutes=minutes)
        probe = ProbeResult(outcome=Outcome.UP, latency_ms=latency_ms, error=None, details={})
        return CheckResult(monitor_id=monitor_id, scheduled_at=at, started_at=at, result=probe)

    sink = BatchWriter(write, name="results-test", max_delay=0.01, describe=result_label)
    writing = asyncio.create_task(sink.run())
    first = [
        result(monitor.id, 0, REFUSED_LATENCY if n == 1 else 5)
        for n, monitor in enumerate(monitors)
    ]
    outcomes = await asyncio.wait_for(
        asyncio.gather(*sink.submit_many(first), return_exceptions=True), timeout=30
    )
    assert [isinstance(outcome, ItemRejectedError) for outcome in outcomes] == [
        False,
        True,
        False,
    ]
    await asyncio.wait_for(
        asyncio.gather(*sink.submit_many(result(m.id, 1, 7) for m in monitors)), timeout=30
    )
    await sink.close()
    await writing

    async with sessions() as session:
        stored = (
            await session.execute(select(CheckResultRow.monitor_id, CheckResultRow.latency_ms))
        ).all()
    ids = [monitor.id for monitor in monitors]
    assert sorted(stored) == sorted(
        [(ids[0], 5), (ids[2], 5), (ids[0], 7), (ids[1], 7), (ids[2], 7)]
    )
