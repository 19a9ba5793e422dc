"""What one worker process keeps for its life: an event loop, a database pool, a probe runner.

Celery tasks are plain functions: an ``async def`` task is never awaited (its body silently never
runs), so each task runs its batch on this process's own loop, made once, not per task.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from sqlalchemy.exc import SQLAlchemyError

from upwatch.domain.results import CheckResult
from upwatch.engine.batching import log_refused_item, write_isolating_refusals
from upwatch.engine.embedded import report_events
from upwatch.engine.item_labels import ping_label, result_label
from upwatch.engine.jobs import CheckJob
from upwatch.engine.messages import SpecMemo
from upwatch.engine.notify import delivery_loop_for
from upwatch.engine.runner import Runner
from upwatch.engine.specs import SpecCache
from upwatch.errors import StoreUnavailableError
from upwatch.metrics import RESULTS_WRITTEN
from upwatch.probes.base import ProbeContext
from upwatch.services.deliveries import DueDelivery
from upwatch.services.pings import Ping, record_pings
from upwatch.services.results import record_results
from upwatch.services.transitions import MonitorEvent
from upwatch.settings import Settings
from upwatch.store.database import create_engine, session_factory
from upwatch.store.write_failures import write_failure_is_permanent

T = TypeVar("T")
log = structlog.get_logger(__name__)
STORE_ATTEMPTS = 5
# How long the first finished result of a message waits for others to share its write.
GATHER_SECONDS = 0.2


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is installed wherever it builds
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class WorkerRuntime:
    def __init__(self, settings: Settings) -> None:
        self.loop = new_event_loop()
        self._database = create_engine(settings.async_database_url)
        self._sessions = session_factory(self._database)
        self._flap = settings.flap_policy
        self._heartbeat_specs = SpecCache()
        self._context = ProbeContext(policy=settings.target_policy)
        self._runner = Runner(
            context=self._context, max_in_flight=settings.max_in_flight_probes, clock=utc_now
        )
        self._deliveries = delivery_loop_for(settings, self._sessions, utc_now)
        self.specs = SpecMemo()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    async def run_checks(self, jobs: list[CheckJob]) -> int:
        """Run a message's checks and store their results while slower ones still run: a
        check that takes its whole timeout holds back no other's result. Results that finish
        within ``GATHER_SECONDS`` of the first are written together (a message of quick checks
        is one write). Returns once all are stored; the message is acknowledged only then, and
        a redelivered one is stored once (every write is idempotent)."""
        finished: list[CheckResult] = []
        arrived = asyncio.Event()

        def deliver(result: CheckResult) -> None:
            finished.append(result)
            arrived.set()

        probing = asyncio.ensure_future(self._probe_all(jobs, deliver))
        probing.add_done_callback(lambda _: arrived.set())
        written = 0
        try:
            while not (probing.done() and not finished):
                await arrived.wait()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(probing), GATHER_SECONDS)
                arrived.clear()
                batch, finished[:] = finished[:], []
                await self._write_results(batch)
                written += len(batch)
            await probing  # a runner that failed fails the message
        finally:
            probing.cancel()  # only if a write failed: the message is tried again
            await asyncio.gather(probing, return_exceptions=True)
        return written

    async def _probe_all(
        self, jobs: list[CheckJob], deliver: Callable[[CheckResult], None]
    ) -> None:
        await self._runner.run_each(jobs, deliver)
        await self._runner.drain()

    async def _write_results(self, results: list[CheckResult]) -> None:
        if not results:
            return

        async def write(part: list[CheckResult]) -> Sequence[MonitorEvent]:
            async with self._sessions.begin() as session:
                return await record_results(session=session, results=part, flap=self._flap)

        await report_events(await self._store(results, write, "results", result_label))
        RESULTS_WRITTEN.inc(len(results))

    async def record_pings(self, pings: list[Ping]) -> None:
        async def write(part: list[Ping]) -> Sequence[MonitorEvent]:
            async with self._sessions.begin() as session:
                return await record_pings(
                    session=session, pings=part, flap=self._flap, specs=self._heartbeat_specs
                )

        await report_events(await self._store(pings, write, "pings", ping_label))

    async def send_notifications(self, deliveries: list[DueDelivery]) -> int:
        return await self._deliveries.deliver(deliveries)

    async def _store(
        self,
        items: list[T],
        write: Callable[[list[T]], Awaitable[Sequence[MonitorEvent]]],
        writer: str,
        describe: Callable[[T], Mapping[str, object]],
    ) -> list[MonitorEvent]:
        """Write ``items``; an item the database refuses for good is logged and dropped, the
        others are written (retrying an item would only send the message to the dead letters,
        with every good item of it). A write that keeps failing hands the message back to the
        broker."""
        events: list[MonitorEvent] = []

        async def settle(part: list[T]) -> BaseException | None:
            try:
                events.extend(await self._retrying(lambda: write(part)))
            except Exception as exc:
                if write_failure_is_permanent(exc):
                    return exc
                raise
            return None

        def reject(item: T, refusal: BaseException) -> None:
            log_refused_item(writer, describe(item), refusal)

        await write_isolating_refusals(items, settle, reject, writer=writer)
        return events

    async def _retrying(self, write: Callable[[], Awaitable[T]]) -> T:
        """Retry a write briefly, then hand the message back to the broker for a later try.
        A permanent refusal is raised at once."""
        delay = 0.5
        for attempt in range(1, STORE_ATTEMPTS + 1):
            try:
                return await write()
            except (SQLAlchemyError, OSError) as exc:
                if write_failure_is_permanent(exc):
                    raise
                if attempt == STORE_ATTEMPTS:
                    raise StoreUnavailableError(f"database write failed: {exc}") from exc
                log.warning("database write failed; retrying", attempt=attempt, error=str(exc))
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.run(self._context.aclose())
            self.run(self._deliveries.aclose())
            self.run(self._database.dispose())
        self.loop.close()
