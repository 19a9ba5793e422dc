"""Runs a batch of checks concurrently on one event loop, bounded in flight and in time."""

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import structlog

from upwatch.domain.results import CheckResult, ProbeResult
from upwatch.domain.status import Outcome
from upwatch.engine.jobs import CheckJob
from upwatch.metrics import CHECKS_FAILED, CHECKS_RUN, IN_FLIGHT_PROBES, SCHEDULING_LATENESS
from upwatch.probes.base import ProbeContext
from upwatch.probes.registry import probe_for

log = structlog.get_logger(__name__)
TIMEOUT_GRACE_SECONDS = 1.0


class Runner:
    def __init__(
        self, *, context: ProbeContext, max_in_flight: int, clock: Callable[[], datetime]
    ) -> None:
        self._context = context
        self._slots = asyncio.Semaphore(max_in_flight)
        self._clock = clock
        self._running: set[asyncio.Task[None]] = set()

    async def run_batch(self, jobs: list[CheckJob]) -> list[CheckResult]:
        """Run ``jobs`` and return every result once the slowest is done."""
        return list(await asyncio.gather(*(self._run(job) for job in jobs)))

    async def run_each(
        self, jobs: Iterable[CheckJob], deliver: Callable[[CheckResult], None]
    ) -> None:
        """Start each job as soon as a slot is free and ``deliver`` its result as soon as it is
        done, so a check that takes its whole timeout holds back no other. Returns once every
        job has started; ``drain`` waits for them to finish."""
        for job in jobs:
            await self._slots.acquire()
            task = asyncio.create_task(self._run_in_slot(job, deliver))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    @property
    def running(self) -> int:
        return len(self._running)

    async def drain(self) -> None:
        """Wait for every check ``run_each`` started."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _run_in_slot(self, job: CheckJob, deliver: Callable[[CheckResult], None]) -> None:
        try:
            result = await self._check(job)
        finally:
            self._slots.release()
        deliver(result)

    async def _run(self, job: CheckJob) -> CheckResult:
        async with self._slots:
            return await self._check(job)

    async def _check(self, job: CheckJob) -> CheckResult:
        """One check, in a slot the caller holds."""
        started = self._clock()
        lateness = (started - job.scheduled_at).total_seconds()
        SCHEDULING_LATENESS.observe(max(lateness, 0.0))
        if started - job.scheduled_at > timedelta(seconds=job.spec.interval):
            # The next check is already due: this one says nothing about the target.
            result = ProbeResult(Outcome.NOT_RUN, error=f"started {lateness:.0f} s late")
        else:
            result = await self._probe(job)
        CHECKS_RUN.labels(job.spec.kind, result.outcome.value).inc()
        if result.outcome is Outcome.DOWN:
            CHECKS_FAILED.labels(job.spec.kind).inc()
        return CheckResult(job.monitor_id, job.scheduled_at, started, result)

    async def _probe(self, job: CheckJob) -> ProbeResult:
        IN_FLIGHT_PROBES.inc()
        try:
            # Probes honour the timeout themselves and say what they were waiting for; this
            # outer bound, a little later, only catches a probe that overran it.
            async with asyncio.timeout(job.spec.timeout + TIMEOUT_GRACE_SECONDS):
                return await probe_for(job.spec.kind).check(job.spec, self._context)
        except TimeoutError:
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
            IN_FLIGHT_PROBES.dec()
