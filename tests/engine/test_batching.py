import asyncio

from upwatch.engine.batching import BatchWriter


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
