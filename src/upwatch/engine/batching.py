"""Group commit: many producers, one writer that flushes in bulk.

A producer may wait for its item to be durably written (ping intake answers only then) or not
(the result sink). A failed write is retried with backoff; the items stay queued meanwhile.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

import structlog

from upwatch.metrics import STORE_WRITE_ERRORS

T = TypeVar("T")
log = structlog.get_logger(__name__)


class BatchWriter(Generic[T]):
    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[None]],
        *,
        name: str,
        max_items: int = 500,
        max_delay: float = 0.005,
        max_backoff: float = 5.0,
    ) -> None:
        self._write = write
        self._name = name
        self._max_items = max_items
        self._max_delay = max_delay
        self._max_backoff = max_backoff
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._arrived = asyncio.Event()
        self._closing = False

    def submit_many(self, items: Iterable[T]) -> list[asyncio.Future[None]]:
        loop = asyncio.get_running_loop()
        futures = []
        for item in items:
            future: asyncio.Future[None] = loop.create_future()
            self._pending.append((item, future))
            futures.append(future)
        if futures:
            self._arrived.set()
        return futures

    async def submit(self, item: T) -> None:
        """Return once ``item`` is written."""
        (future,) = self.submit_many([item])
        await asyncio.shield(future)

    @property
    def backlog(self) -> int:
        return len(self._pending)

    async def run(self) -> None:
        """Flush until closed; on close, flush what is left."""
        while not (self._closing and not self._pending):
            await self._arrived.wait()
            if len(self._pending) < self._max_items and not self._closing:
                await asyncio.sleep(self._max_delay)
            await self._flush_once()

    async def close(self) -> None:
        self._closing = True
        self._arrived.set()

    async def _flush_once(self) -> None:
        batch, self._pending = self._pending[: self._max_items], self._pending[self._max_items :]
        if not self._pending and not self._closing:
            self._arrived.clear()
        if not batch:
            return
        delay = 0.1
        while True:
            try:
                await self._write([item for item, _ in batch])
            except Exception:
                STORE_WRITE_ERRORS.labels(self._name).inc()
                log.exception("bulk write failed, retrying", writer=self._name, items=len(batch))
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_backoff)
                continue
            break
        for _, future in batch:
            if not future.done():
                future.set_result(None)
