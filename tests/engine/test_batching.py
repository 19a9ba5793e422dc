import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from structlog.testing import capture_logs

from upwatch.engine.batching import BacklogFullError, BatchWriter, ItemRejectedError


async def test_items_are_written_in_bulk_and_waiters_return_after_the_write() -> None:
    written: list[list[int]] = []

    async def write(items: list[int]) -> None:
        written.append(items)

    writer = BatchWriter(write, name="test", max_items=100, max_delay=0.01)
    task = asyncio.create_task(writer.run())
    await asyncio.gather(*(writer.submit(n) for n in range(250)))
    assert sorted(n for batch in written for n in batch) == list(range(250))
    assert len(written) <= 4
    await writer.close()
    await task


async def test_with_a_quiet_gap_a_lone_item_waits_for_the_gap_only() -> None:
    written: list[int] = []

    async def write(items: list[int]) -> None:
        written.extend(items)

    writer = BatchWriter(write, name="test", max_delay=60, quiet_after=0.01)
    task = asyncio.create_task(writer.run())
    await asyncio.wait_for(writer.submit(1), timeout=5)
    assert written == [1]
    await writer.close()
    await task


async def test_with_a_quiet_gap_items_that_keep_arriving_make_one_batch() -> None:
    written: list[list[int]] = []

    async def write(items: list[int]) -> None:
        written.append(items)

    # They keep coming for longer than the gap, never as long as the gap apart.
    writer = BatchWriter(write, name="test", max_delay=60, quiet_after=0.3)
    task = asyncio.create_task(writer.run())
    waits = []
    for n in range(8):
        waits.append(asyncio.ensure_future(writer.submit(n)))
        await asyncio.sleep(0.06)
    await asyncio.wait_for(asyncio.gather(*waits), timeout=10)
    assert written == [list(range(8))]
    await writer.close()
    await task


async def test_a_failed_write_is_retried_and_nothing_is_lost() -> None:
    attempts = 0
    written: list[int] = []

    async def flaky(items: list[int]) -> None:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise ConnectionError("database away")
        written.extend(items)

    writer = BatchWriter(flaky, name="test", max_delay=0.001, max_backoff=0.01)
    task = asyncio.create_task(writer.run())
    await asyncio.wait_for(writer.submit(7), timeout=5)
    assert (attempts, written) == (3, [7])
    await writer.close()
    await task


async def test_close_flushes_what_is_pending() -> None:
    written: list[str] = []

    async def write(items: list[str]) -> None:
        written.extend(items)

    writer = BatchWriter(write, name="test", max_delay=10)
    task = asyncio.create_task(writer.run())
    writer.submit_many(["a", "b"])
    await writer.close()
    await asyncio.wait_for(task, timeout=2)
    assert written == ["a", "b"]


async def test_a_full_backlog_refuses_new_items_without_queueing_them() -> None:
    async def write(items: list[int]) -> None:
        pass

    writer = BatchWriter(write, name="test", max_backlog=2)
    writer.submit_many([1, 2])
    with pytest.raises(BacklogFullError):
        writer.submit_many([3])
    assert writer.backlog == 2


async def test_a_bug_for_one_item_drops_that_item_only() -> None:
    written: list[int] = []

    async def write(items: list[int]) -> None:
        if 13 in items:
            raise TypeError("cannot encode 13")
        written.extend(items)

    writer = BatchWriter(write, name="unlucky", max_delay=0.001)
    task = asyncio.create_task(writer.run())
    before = _rejected("unlucky")
    results = await asyncio.gather(*(writer.submit(n) for n in range(20)), return_exceptions=True)
    assert isinstance(results[13], ItemRejectedError)
    assert sorted(written) == [n for n in range(20) if n != 13]
    assert _rejected("unlucky") == before + 1
    await writer.close()
    await task


PROBES = MetaData()
PROBE_TABLE = Table(
    "batching_probe",
    PROBES,
    Column("n", Integer, primary_key=True),
    Column("value", Integer, CheckConstraint("value >= 0"), nullable=False),
)


@pytest.fixture
async def probe_table(database: AsyncEngine) -> AsyncIterator[Table]:
    async with database.begin() as connection:
        await connection.run_sync(PROBES.create_all)
    yield PROBE_TABLE
    async with database.begin() as connection:
        await connection.run_sync(PROBES.drop_all)


def _row_writer(database: AsyncEngine) -> Callable[[list[dict[str, Any]]], Awaitable[None]]:
    async def write(rows: list[dict[str, Any]]) -> None:
        async with database.begin() as connection:
            if database.dialect.name == "sqlite":
                await connection.exec_driver_sql("PRAGMA busy_timeout=50")
            else:
                await connection.exec_driver_sql("SET LOCAL lock_timeout = '50ms'")
            await connection.execute(insert(PROBE_TABLE), rows)

    return write


async def _stored(database: AsyncEngine) -> list[int]:
    async with database.connect() as connection:
        return list((await connection.scalars(select(PROBE_TABLE.c.n).order_by("n"))).all())


def _rejected(writer: str) -> float:
    value = REGISTRY.get_sample_value("upwatch_store_items_rejected_total", {"writer": writer})
    return value or 0.0


async def test_rows_the_database_refuses_are_dropped_and_the_others_written(
    database: AsyncEngine, probe_table: Table
) -> None:
    writer = BatchWriter(
        _row_writer(database), name="probe-rows", max_delay=0.01, describe=lambda row: row
    )
    task = asyncio.create_task(writer.run())
    before = _rejected("probe-rows")
    rows = [{"n": n, "value": -1 if n in (3, 17) else n} for n in range(40)]
    rows.append({"n": 5, "value": 5})  # a duplicate key
    with capture_logs() as logs:
        results = await asyncio.wait_for(
            asyncio.gather(*(writer.submit(row) for row in rows), return_exceptions=True),
            timeout=30,
        )
    refused = [row["n"] for row, result in zip(rows, results, strict=True) if result is not None]
    assert refused == [3, 17, 5]
    assert all(isinstance(result, ItemRejectedError) for result in results if result is not None)
    assert await _stored(database) == [n for n in range(40) if n not in (3, 17)]
    assert _rejected("probe-rows") == before + 3
    dropped = [entry for entry in logs if entry["log_level"] == "error"]
    assert [entry["item"] for entry in dropped] == [rows[3], rows[17], rows[40]]
    assert all(entry["writer"] == "probe-rows" for entry in dropped)
    assert all("parameters" not in entry["error"] for entry in dropped)
    await writer.close()
    await task


async def test_a_value_the_driver_cannot_send_is_refused_for_good(
    database: AsyncEngine, probe_table: Table
) -> None:
    if database.dialect.name == "sqlite":
        pytest.skip("SQLite stores text in an integer column")
    writer = BatchWriter(_row_writer(database), name="probe-values", max_delay=0.01)
    task = asyncio.create_task(writer.run())
    bad = writer.submit({"n": 1, "value": "one"})
    good = writer.submit({"n": 2, "value": 2})
    results = await asyncio.wait_for(asyncio.gather(bad, good, return_exceptions=True), 30)
    assert isinstance(results[0], ItemRejectedError)
    assert results[1] is None
    assert await _stored(database) == [2]
    await writer.close()
    await task


async def test_a_locked_database_is_waited_for_and_nothing_is_lost(
    database: AsyncEngine, probe_table: Table
) -> None:
    failures = 0
    blocked_twice = asyncio.Event()
    write = _row_writer(database)

    async def write_counting_failures(rows: list[dict[str, Any]]) -> None:
        nonlocal failures
        try:
            await write(rows)
        except Exception:
            failures += 1
            if failures == 2:
                blocked_twice.set()
            raise

    writer = BatchWriter(
        write_counting_failures, name="probe-locked", max_delay=0.001, max_backoff=0.05
    )
    task = asyncio.create_task(writer.run())
    before = _rejected("probe-locked")
    async with database.connect() as blocker:
        # Held until the writer has failed twice: SQLite allows one writer at a time.
        if database.dialect.name == "sqlite":
            await blocker.execute(insert(PROBE_TABLE), [{"n": 1000, "value": 0}])
        else:
            await blocker.exec_driver_sql("LOCK TABLE batching_probe IN EXCLUSIVE MODE")
        waits = [asyncio.ensure_future(writer.submit({"n": n, "value": n})) for n in range(5)]
        await asyncio.wait_for(blocked_twice.wait(), timeout=30)
        assert not any(wait.done() for wait in waits)
        await blocker.rollback()
    await asyncio.wait_for(asyncio.gather(*waits), timeout=30)
    assert await _stored(database) == list(range(5))
    assert _rejected("probe-locked") == before
    await writer.close()
    await task
