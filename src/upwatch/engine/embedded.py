"""Every engine part in one process for ``upwatch serve``: asyncio queues instead of a broker."""

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from upwatch.domain.results import CheckResult
from upwatch.engine.batching import BatchWriter
from upwatch.engine.item_labels import ping_label, result_label
from upwatch.engine.jobs import CheckJob
from upwatch.engine.maintenance import MaintenanceLoop
from upwatch.engine.notify import delivery_loop_for
from upwatch.engine.runner import Runner
from upwatch.engine.scheduler import Scheduler
from upwatch.engine.specs import SpecCache
from upwatch.metrics import PINGS_RECEIVED, RESULTS_WRITTEN, STATUS_CHANGES
from upwatch.probes.base import ProbeContext
from upwatch.services.pings import Ping, record_pings
from upwatch.services.results import record_results
from upwatch.services.transitions import MonitorEvent
from upwatch.settings import Settings

log = structlog.get_logger(__name__)
STOP_GRACE_SECONDS = 20.0
# Checks claimed ahead of the runners, in multiples of the probes they may run at once: enough
# to keep every slot busy between scheduler passes, few enough that none waits long in memory.
CLAIM_AHEAD = 2
# Routine status changes in one batch beyond which they are logged as counts (debug: each one).
FEW_EVENTS = 5
# Pings held while the database is away, at most ~10 KB each; past it, intake answers 503.
PING_BACKLOG_LIMIT = 50_000
PING_LINGER_SECONDS = 0.005
PING_QUIET_GAP_SECONDS = 0.001


def utc_now() -> datetime:
    return datetime.now(UTC)


async def report_events(events: Sequence[MonitorEvent]) -> None:
    """One info line per status change; a batch of more than a few routine ones (a new fleet's
    first round, many monitors entering maintenance) logs them as counts, one by one at debug.
    Changes that open or resolve an incident or start or end flapping always get their line."""
    routine = [event for event in events if not _notable(event)]
    summed = len(routine) > FEW_EVENTS
    for event in events:
        transition = event.transition
        if transition.status_changed:
            STATUS_CHANGES.labels(transition.current.value).inc()
        if not summed or _notable(event):
            _log_event(log.info, event)
    if summed:
        changes = Counter(
            f"{e.transition.previous.value}->{e.transition.current.value}" for e in routine
        )
        log.info("monitor statuses changed", monitors=len(routine), changes=dict(changes))
        if logging.getLogger(__name__).isEnabledFor(logging.DEBUG):
            for event in routine:
                _log_event(log.debug, event)


def _notable(event: MonitorEvent) -> bool:
    transition = event.transition
    return event.incident_id is not None or transition.flapping_started or transition.flapping_ended


def _log_event(write: Callable[..., object], event: MonitorEvent) -> None:
    transition = event.transition
    write(
        "monitor status changed",
        monitor_id=event.monitor_id,
        monitor=event.monitor_name,
        previous=transition.previous.value,
        current=transition.current.value,
        incident_id=event.incident_id,
        flapping_started=transition.flapping_started,
        flapping_ended=transition.flapping_ended,
    )


class EmbeddedEngine:
    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._flap = settings.flap_policy
        self._batches: asyncio.Queue[list[CheckJob]] = asyncio.Queue()
        self._waiting = 0  # checks dispatched to ``_batches`` and not started yet
        self._claim_ahead = CLAIM_AHEAD * settings.max_in_flight_probes
        self._context = ProbeContext(policy=settings.target_policy)
        self._runner = Runner(
            context=self._context, max_in_flight=settings.max_in_flight_probes, clock=clock
        )
        self.scheduler = Scheduler(
            sessions=sessions,
            dispatch=self._enqueue,
            on_events=self._announce,
            flap=self._flap,
            clock=clock,
            batch_size=settings.dispatch_batch_size,
            tick_seconds=settings.scheduler_tick_seconds,
            room=self._room,
        )
        self._results = BatchWriter(
            self._write_results, name="results", max_delay=0.2, describe=result_label
        )
        # A batch costs some milliseconds whatever its size. Without waiting, busy senders split
        # into two halves taking turns (one half's answers go out while the other's batch is
        # written): 64 senders made batches of 32. Waiting while pings keep arriving makes one
        # batch of them, and a lone ping waits only for the quiet gap.
        self.pings = BatchWriter(
            self._write_pings,
            name="pings",
            max_delay=PING_LINGER_SECONDS,
            quiet_after=PING_QUIET_GAP_SECONDS,
            max_backlog=PING_BACKLOG_LIMIT,
            describe=ping_label,
        )
        self._heartbeat_specs = SpecCache()
        self._deliveries = delivery_loop_for(settings, sessions, clock)
        self._maintenance = MaintenanceLoop(settings=settings, clock=clock)
        self._stopping = asyncio.Event()
        self._writers: list[asyncio.Task[None]] = []
        self._passes: list[asyncio.Task[None]] = []
        self._consumer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._writers = [
            asyncio.create_task(self._results.run(), name="result-sink"),
            asyncio.create_task(self.pings.run(), name="ping-writer"),
        ]
        self._passes = [
            asyncio.create_task(self.scheduler.run_forever(self._stopping), name="scheduler"),
            asyncio.create_task(self._deliveries.run_forever(self._stopping), name="deliveries"),
            asyncio.create_task(self._maintenance.run_forever(self._stopping), name="maintenance"),
        ]
        self._consumer = asyncio.create_task(self._consume(), name="runner")

    async def stop(self) -> None:
        """Stop claiming at a pass boundary, let dispatched batches finish, flush what is left.

        Loops that use the database are never cancelled mid-transaction: a task cut inside one
        can wait forever on a connection that is disposed under it.
        """
        self._stopping.set()
        await _finish(self._passes)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._batches.join(), timeout=STOP_GRACE_SECONDS)
            await asyncio.wait_for(self._runner.drain(), timeout=STOP_GRACE_SECONDS)
        if self._consumer is not None:
            self._consumer.cancel()  # idle: waiting on the batch queue
            await asyncio.gather(self._consumer, return_exceptions=True)
        await self._results.close()
        await self.pings.close()
        await _finish(self._writers)
        await self._context.aclose()
        await self._deliveries.aclose()

    def _room(self) -> int:
        return self._claim_ahead - self._waiting - self._runner.running

    async def _enqueue(self, jobs: list[CheckJob]) -> None:
        self._waiting += len(jobs)
        await self._batches.put(jobs)

    async def _consume(self) -> None:
        while True:
            batch = await self._batches.get()
            try:
                await self._runner.run_each(batch, self._deliver)
            except Exception:
                log.exception("runner failed on a batch", checks=len(batch))
            finally:
                self._waiting -= len(batch)
                self._batches.task_done()

    def _deliver(self, result: CheckResult) -> None:
        self._results.submit_many((result,))

    async def _announce(self, events: Sequence[MonitorEvent]) -> None:
        await report_events(events)
        if events:
            self._deliveries.wake()  # their alerts are in the outbox now: no tick's wait

    async def _write_results(self, results: list[CheckResult]) -> None:
        async with self._sessions.begin() as session:
            events = await record_results(session=session, results=results, flap=self._flap)
        RESULTS_WRITTEN.inc(len(results))
        await self._announce(events)

    async def _write_pings(self, pings: list[Ping]) -> None:
        async with self._sessions.begin() as session:
            events = await record_pings(
                session=session, pings=pings, flap=self._flap, specs=self._heartbeat_specs
            )
        for ping in pings:
            PINGS_RECEIVED.labels(ping.kind.value).inc()
        await self._announce(events)


async def _finish(tasks: list[asyncio.Task[None]]) -> None:
    """Let ``tasks`` end by themselves; cancel only what overstays the grace period."""
    if not tasks:
        return
    _, overstaying = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
    for task in overstaying:
        log.warning("engine task did not stop in time; cancelling it", task=task.get_name())
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
