"""Group commit: many producers, one writer that flushes in bulk.

A producer may wait for its item to be durably written (ping intake answers only then) or not
(the result sink). A write that fails for a transient reason (database away, lock timeout) is
retried with backoff, the items staying queued meanwhile. A write the database refuses for
good (a constraint, a value it rejects, a bug) is split in halves until the refused items are
alone: the others are written, each refused one is logged, counted and dropped, and its
producer's wait fails with ``ItemRejectedError``.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

import structlog
from sqlalchemy.exc import StatementError

from upwatch.errors import UpwatchError
from upwatch.metrics import ITEMS_REJECTED, STORE_WRITE_ERRORS
from upwatch.store.write_failures import write_failure_is_permanent

T = TypeVar("T")
U = TypeVar("U")
Pending = list[tuple[T, asyncio.Future[None]]]
log = structlog.get_logger(__name__)
ERROR_TEXT_LIMIT = 500


class ItemRejectedError(UpwatchError):
    """The store refused this item for good; it was dropped (and logged)."""


class BacklogFullError(UpwatchError):
    """The writer holds as many items as it may; the caller should shed the load."""


def _no_description(_: Any) -> Mapping[str, object]:
    return {}


class BatchWriter(Generic[T]):
    """``max_delay`` is the longest a batch waits for more items once the writer is free to
    take it (an item that arrived during a write has waited for that write too); with
    ``quiet_after``, it stops waiting as soon as that long passes with no new item (a lone item
    waits only that long, a stream of them makes one batch). ``describe`` names an item in the
    log of its rejection: ids and times, never secrets. ``max_backlog`` bounds the items held
    (memory while the store is away); ``None`` for producers that are bounded upstream."""

    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[None]],
        *,
        name: str,
        max_items: int = 500,
        max_delay: float = 0.005,
        quiet_after: float | None = None,
        max_backoff: float = 5.0,
        max_backlog: int | None = None,
        describe: Callable[[T], Mapping[str, object]] = _no_description,
    ) -> None:
        self._write = write
        self._name = name
        self._max_items = max_items
        self._max_delay = max_delay
        self._quiet_after = quiet_after
        self._max_backoff = max_backoff
        self._max_backlog = max_backlog
        self._describe = describe
        self._pending: Pending[T] = []
        self._writing = 0
        self._arrived = asyncio.Event()
        self._closing = False

    def submit_many(self, items: Iterable[T]) -> list[asyncio.Future[None]]:
        """Queue ``items``; each future fails with ``ItemRejectedError`` if its item is refused.
        Raises ``BacklogFullError`` (queueing none of them) when they would exceed the bound."""
        batch = list(items)
        if self._max_backlog is not None and self.backlog + len(batch) > self._max_backlog:
            raise BacklogFullError(f"{self._name} writer holds {self.backlog} items already")
        loop = asyncio.get_running_loop()
        futures = []
        for item in batch:
            future: asyncio.Future[None] = loop.create_future()
            self._pending.append((item, future))
            futures.append(future)
        if futures:
            self._arrived.set()
        return futures

    async def submit(self, item: T) -> None:
        """Return once ``item`` is written; raise ``ItemRejectedError`` if it never will be."""
        (future,) = self.submit_many([item])
        await asyncio.shield(future)

    @property
    def backlog(self) -> int:
        """Items queued or being written."""
        return len(self._pending) + self._writing

    async def run(self) -> None:
        """Flush until closed; on close, flush what is left."""
        while not (self._closing and not self._pending):
            await self._arrived.wait()
            await self._wait_for_company()
            await self._flush_once()

    async def _wait_for_company(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._max_delay
        seen = -1
        while (
            len(self._pending) != seen
            and len(self._pending) < self._max_items
            and not self._closing
            and (left := deadline - loop.time()) > 0
        ):
            seen = len(self._pending)
            await asyncio.sleep(left if self._quiet_after is None else min(self._quiet_after, left))

    async def close(self) -> None:
        self._closing = True
        self._arrived.set()

    async def _flush_once(self) -> None:
        batch, self._pending = self._pending[: self._max_items], self._pending[self._max_items :]
        if not self._pending and not self._closing:
            self._arrived.clear()
        if not batch:
            return
        self._writing = len(batch)
        try:
            await self._write_isolating_rejects(batch)
        finally:
            self._writing = 0

    async def _write_isolating_rejects(self, batch: Pending[T]) -> None:
        async def settle(part: Pending[T]) -> BaseException | None:
            refusal = await self._write_until_settled(part)
            if refusal is None:
                self._writing -= len(part)
                for _, future in part:
                    if not future.done():
                        future.set_result(None)
            return refusal

        def reject(entry: tuple[T, asyncio.Future[None]], refusal: BaseException) -> None:
            self._writing -= 1
            self._reject(*entry, refusal)

        await write_isolating_refusals(batch, settle, reject, writer=self._name)

    async def _write_until_settled(self, part: Pending[T]) -> BaseException | None:
        """Write ``part``, retrying transient failures; the permanent failure, if any."""
        delay = 0.1
        while True:
            try:
                await self._write([item for item, _ in part])
            except Exception as exc:
                if write_failure_is_permanent(exc):
                    return exc
                STORE_WRITE_ERRORS.labels(self._name).inc()
                log.warning(
                    "bulk write failed, retrying",
                    writer=self._name,
                    items=len(part),
                    retry_in=delay,
                    error=_error_text(exc),
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_backoff)
                continue
            return None

    def _reject(self, item: T, future: asyncio.Future[None], refusal: BaseException) -> None:
        log_refused_item(self._name, self._describe(item), refusal)
        if not future.done():
            future.set_exception(ItemRejectedError(f"{self._name}: {_error_text(refusal)}"))
            # Marks it seen for producers that never wait (the result sink); waiters still get it.
            future.exception()


async def write_isolating_refusals(
    items: list[U],
    settle: Callable[[list[U]], Awaitable[BaseException | None]],
    reject: Callable[[U, BaseException], None],
    *,
    writer: str,
) -> None:
    """Write ``items`` in parts: ``settle`` writes a part (retrying what may pass later) and
    returns the store's permanent refusal of it, if any. A refused part is split in halves until
    each refused item is alone and handed to ``reject``; the others are written, in order."""
    parts = [items]
    while parts:
        part = parts.pop()
        refusal = await settle(part)
        if refusal is None:
            continue
        if len(part) == 1:
            reject(part[0], refusal)
            continue
        log.warning(
            "bulk write refused; splitting it to find the bad items",
            writer=writer,
            items=len(part),
            error=_error_text(refusal),
        )
        middle = len(part) // 2
        parts += [part[middle:], part[:middle]]  # the first half is written first


def log_refused_item(writer: str, item: Mapping[str, object], refusal: BaseException) -> None:
    """Count and log an item the store refused for good and that is dropped."""
    ITEMS_REJECTED.labels(writer).inc()
    log.error(
        "item refused by the store; dropped",
        writer=writer,
        item=dict(item),
        error=_error_text(refusal),
        # A bug's traceback helps; a database error's would repeat the row's values.
        exc_info=None if isinstance(refusal, StatementError) else refusal,
    )


def _error_text(exc: BaseException) -> str:
    """The error without the statement's parameters, which may hold ping bodies or secrets."""
    source = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    return f"{type(source).__name__}: {source}"[:ERROR_TEXT_LIMIT]
