"""In-process caching of public pages, so that a burst of visitors costs one render.

Each entry lives for a few seconds; concurrent requests for an entry being rendered wait for
that one render instead of starting their own. Changes made through the API clear the cache of
the process that made them; other processes catch up when their entries expire.
"""

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Request, Response

from upwatch.services.status_history import FinishedDaysCache

Value = TypeVar("Value")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A response body ready to send, with its entity tag."""

    body: bytes
    media_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> "Rendered":
        return cls(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


class TtlCache(Generic[Value]):
    """Values by key for ``ttl`` seconds, at most ``max_entries`` of them (oldest go first)."""

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 2000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self.renders = 0
        self._entries: OrderedDict[Hashable, tuple[float, Value]] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Future[Value]] = {}

    async def get(self, key: Hashable, produce: Callable[[], Awaitable[Value]]) -> Value:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > self.clock():
            return entry[1]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Value] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            self.renders += 1
            value = await produce()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            # Waiters re-raise it; retrieving it here keeps asyncio from warning when none wait.
            future.exception()
            raise
        finally:
            del self._pending[key]
        future.set_result(value)
        self._store(key, value)
        return value

    def clear(self) -> None:
        self._entries.clear()

    def _store(self, key: Hashable, value: Value) -> None:
        if self.ttl <= 0:
            return
        self._entries[key] = (self.clock() + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class PublicCache:
    """The caches behind status pages, their JSON, custom domains and badges; and, under them,
    the bars of rolled-up days, which the database says when to read again (so even with
    ``ttl`` 0)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.pages: TtlCache[Rendered | None] = TtlCache(ttl)
        self.finished_days = FinishedDaysCache()
        self.domains: TtlCache[dict[str, str]] = TtlCache(ttl, max_entries=1)
        self.badges: TtlCache[Rendered | None] = TtlCache(ttl, max_entries=10_000)

    def forget_pages(self) -> None:
        """A page was changed: what it shows, where, and which badges are public may differ."""
        for cache in (self.pages, self.domains, self.badges):
            cache.clear()

    def respond(
        self, request: Request, rendered: Rendered, headers: Mapping[str, str] | None = None
    ) -> Response:
        return conditional(
            request,
            rendered,
            cache_control=f"public, max-age={int(self.ttl)}",
            headers=headers or {},
        )


def conditional(
    request: Request, rendered: Rendered, *, cache_control: str, headers: Mapping[str, str]
) -> Response:
    """The body, or 304 when the client already holds this version."""
    validators = {"ETag": rendered.etag, "Cache-Control": cache_control}
    if etag_matches(request.headers.get("if-none-match"), rendered.etag):
        return Response(status_code=304, headers=validators)
    return Response(
        rendered.body,
        media_type=rendered.media_type,
        headers={**validators, "X-Content-Type-Options": "nosniff", **headers},
    )


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def get_public_cache(request: Request) -> PublicCache:
    cache: PublicCache = request.app.state.public_cache
    return cache


PublicCacheDep = Annotated[PublicCache, Depends(get_public_cache)]
