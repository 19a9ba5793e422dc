"""Runs a batch of checks concurrently on one event loop, bounded in flight and in time."""

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime

import structlog
from prometheus_client import Counter

from upwatch.domain.results import CheckResult, ProbeResult
from upwatch.domain.status import Outcome
from upwatch.engine.jobs import CheckJob
from upwatch.metrics import CHECKS_FAILED, CHECKS_RUN, IN_FLIGHT_PROBES, SCHEDULING_LATENESS
from upwatch.probes.base import ProbeContext
from upwatch.probes.registry import probe_for

log = structlog.get_logger(__name__)
TIMEOUT_GRACE_SECONDS = 1.0
# How often overrunning probes are looked for: they are cut off at most this late.
OVERRUN_SWEEP_SECONDS = 0.25


class Runner:
    def __init__(
        self, *, context: ProbeContext, max_in_flight: int, clock: Callable[[], datetime]
    ) -> None:
        self._context = context
        self._max_in_flight = max_in_flight
        self._slots = _Slots(max_in_flight)
        self._clock = clock
        self._running: set[asyncio.Task[None]] = set()
        self._overruns = _Overruns()
        self._counters: dict[tuple[str, Outcome], tuple[Counter, Counter | None]] = {}

    async def run_batch(self, jobs: list[CheckJob]) -> list[CheckResult]:
        """Run ``jobs`` and return every result once the slowest is done."""
        results: list[CheckResult | None] = [None] * len(jobs)
        queued = iter(enumerate(jobs))
        loop = asyncio.get_running_loop()

        async def work() -> None:
            for index, job in queued:
                results[index] = await self._run(job, loop)

        # As many workers as checks may run at once, each taking the next job: a task per job
        # would cost more than the slot it waits for.
        workers = min(len(jobs), self._max_in_flight)
        await asyncio.gather(*(work() for _ in range(workers)))
        return [result for result in results if result is not None]

    async def run_each(
        self, jobs: Iterable[CheckJob], deliver: Callable[[CheckResult], None]
    ) -> None:
        """Start each job as soon as a slot is free and ``deliver`` its result as soon as it is
        done, so a check that takes its whole timeout holds back no other. Returns once every
        job has started; ``drain`` waits for them to finish."""
        # The loop is looked up once per batch and handed down: on Python 3.11 each look-up
        # (``asyncio.create_task``, ``current_task()``) is a getpid() system call, three per check.
        loop = asyncio.get_running_loop()
        for job in jobs:
            await self._slots.acquire(loop)
            task = loop.create_task(self._run_in_slot(job, deliver, loop))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    @property
    def running(self) -> int:
        return len(self._running)

    async def drain(self) -> None:
        """Wait for every check ``run_each`` started."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _run_in_slot(
        self,
        job: CheckJob,
        deliver: Callable[[CheckResult], None],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        try:
            result = await self._check(job, loop)
        finally:
            self._slots.release()
        deliver(result)

    async def _run(self, job: CheckJob, loop: asyncio.AbstractEventLoop) -> CheckResult:
        await self._slots.acquire(loop)
        try:
            return await self._check(job, loop)
        finally:
            self._slots.release()

    async def _check(self, job: CheckJob, loop: asyncio.AbstractEventLoop) -> CheckResult:
        """One check, in a slot the caller holds."""
        started = self._clock()
        lateness = (started - job.scheduled_at).total_seconds()
        SCHEDULING_LATENESS.observe(max(lateness, 0.0))
        if lateness > job.spec.interval:
            # The next check is already due: this one says nothing about the target.
            result = ProbeResult(Outcome.NOT_RUN, error=f"started {lateness:.0f} s late")
        else:
            result = await self._probe(job, loop)
        run, failed = self._counters_for(job.spec.kind, result.outcome)
        run.inc()
        if failed is not None:
            failed.inc()
        return CheckResult(job.monitor_id, job.scheduled_at, started, result)

    def _counters_for(self, kind: str, outcome: Outcome) -> tuple[Counter, Counter | None]:
        # Looking a labelled child up takes a lock and a few microseconds: once per pair.
        counters = self._counters.get((kind, outcome))
        if counters is None:
            failed = CHECKS_FAILED.labels(kind) if outcome is Outcome.DOWN else None
            counters = self._counters[(kind, outcome)] = (
                CHECKS_RUN.labels(kind, outcome.value),
                failed,
            )
        return counters

    async def _probe(self, job: CheckJob, loop: asyncio.AbstractEventLoop) -> ProbeResult:
        # Probes honour the timeout themselves and say what they were waiting for; this outer
        # bound, a little later, only catches a probe that overran it.
        task = self._overruns.watch(loop, job.spec.timeout + TIMEOUT_GRACE_SECONDS)
        try:
            return await probe_for(job.spec.kind).check(job.spec, self._context)
        except asyncio.CancelledError:
            if not self._overruns.cut_off(task):
                raise
            # The probe did not honour its own timeout: the event loop was stalled, which
            # says nothing about the target.
            return ProbeResult(
                Outcome.NOT_RUN, error=f"probe overran its {job.spec.timeout:g} s timeout"
            )
        except Exception as exc:
            # A bug in Upwatch is never reported as the target being down.
            log.exception("probe crashed", monitor_id=job.monitor_id, kind=job.spec.kind)
            return ProbeResult(Outcome.NOT_RUN, error=f"internal error: {type(exc).__name__}")
        finally:
            self._overruns.forget(task)


class _Slots:
    """``count`` slots, a freed one handed straight to the longest waiter.

    asyncio.Semaphore (before Python 3.12) scans past every waiter it already woke on each
    release: with hundreds waiting, that scan cost more than the check.
    """

    def __init__(self, count: int) -> None:
        self._free = count
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._free and not self._waiters:
            self._free -= 1
            return
        waiter = loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed over as the waiter was cancelled
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


class _Overruns:
    """Cuts off probes that run past their bound, with one timer for all of them: a timer per
    check (``asyncio.timeout``) costs a tenth of an HTTP check. The same timer tells the
    in-flight gauge how many probes run, rather than every probe telling it twice."""

    def __init__(self) -> None:
        self._deadlines: dict[asyncio.Task[object], float] = {}
        self._cut: set[asyncio.Task[object]] = set()
        self._sweep: asyncio.TimerHandle | None = None
        self._reported = 0

    def watch(self, loop: asyncio.AbstractEventLoop, seconds: float) -> asyncio.Task[object]:
        """Watch ``loop``'s current task for ``seconds``; ``forget`` it when it is done."""
        task = asyncio.current_task(loop)
        if task is None:
            raise RuntimeError("probes run in tasks")
        self._deadlines[task] = loop.time() + seconds
        if self._sweep is None:
            self._sweep = loop.call_later(OVERRUN_SWEEP_SECONDS, self._cut_off_overruns, loop)
        return task

    def cut_off(self, task: asyncio.Task[object]) -> bool:
        """Whether ``task`` was cancelled for overrunning, and by nothing else."""
        if task not in self._cut:
            return False
        self._cut.discard(task)
        return task.uncancel() == 0

    def forget(self, task: asyncio.Task[object]) -> None:
        self._deadlines.pop(task, None)
        self._cut.discard(task)

    def _cut_off_overruns(self, loop: asyncio.AbstractEventLoop) -> None:
        IN_FLIGHT_PROBES.inc(len(self._deadlines) - self._reported)
        self._reported = len(self._deadlines)
        now = loop.time()
        for task, deadline in self._deadlines.items():
            if deadline <= now and task not in self._cut:
                self._cut.add(task)
                task.cancel()
        self._sweep = None
        if self._deadlines:
            self._sweep = loop.call_later(OVERRUN_SWEEP_SECONDS, self._cut_off_overruns, loop)
