import asyncio

import pytest

from upwatch.web.status.cache import Rendered, TtlCache, etag_matches


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_values_live_for_the_ttl() -> None:
    ticks = Ticks()
    cache: TtlCache[str] = TtlCache(30, clock=ticks)
    made = iter(["first", "second"])

    async def produce() -> str:
        return next(made)

    assert await cache.get("k", produce) == "first"
    ticks.now += 29
    assert await cache.get("k", produce) == "first"
    ticks.now += 2
    assert await cache.get("k", produce) == "second"
    assert cache.renders == 2


async def test_concurrent_requests_share_one_render() -> None:
    cache: TtlCache[int] = TtlCache(30)
    release = asyncio.Event()

    async def produce() -> int:
        await release.wait()
        return 42

    waiting = [asyncio.create_task(cache.get("k", produce)) for _ in range(50)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == [42] * 50
    assert cache.renders == 1


async def test_a_failed_render_is_not_kept() -> None:
    cache: TtlCache[int] = TtlCache(30)
    release = asyncio.Event()

    async def fail() -> int:
        await release.wait()
        raise RuntimeError("database down")

    waiting = [asyncio.create_task(cache.get("k", fail)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)

    async def recover() -> int:
        return 7

    assert await cache.get("k", recover) == 7


async def test_the_oldest_entries_make_room_and_a_zero_ttl_keeps_nothing() -> None:
    cache: TtlCache[str] = TtlCache(30, max_entries=2)
    for key in ("a", "b", "c"):

        async def produce(key: str = key) -> str:
            return key

        await cache.get(key, produce)
    assert cache.renders == 3

    async def again() -> str:
        return "again"

    assert await cache.get("a", again) == "again"
    assert await cache.get("c", again) == "c"

    uncached: TtlCache[str] = TtlCache(0)
    await uncached.get("k", again)
    await uncached.get("k", again)
    assert uncached.renders == 2


@pytest.mark.parametrize(
    ("header", "matches"),
    [(None, False), ('"other"', False), ("*", True), ('W/"x", "{tag}"', True), ('"{tag}"', True)],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    rendered = Rendered.of(b"<html></html>", "text/html")
    given = header.format(tag=rendered.etag.strip('"')) if header else None
    assert etag_matches(given, rendered.etag) is matches
