"""The periodic maintenance jobs (rollup every minute, prune every hour) for ``serve`` and the
fleet's leading scheduler.

Each run happens on a thread with its own event loop and database engine: building sketches
for an hour of results takes CPU, and the scheduler's loop must stay punctual meanwhile.
Two processes running these at once is safe (the jobs lock their state), just wasted work.
"""

import asyncio
import contextlib
import threading
from collections.abc import Callable
from datetime import datetime

import structlog

from upwatch.services.retention import PruneRun, run_prune
from upwatch.services.rollup_job import RollupRun, run_rollup
from upwatch.settings import Settings
from upwatch.store.database import opened_sessions

log = structlog.get_logger(__name__)
ROLLUP_EVERY_SECONDS = 60.0
PRUNE_EVERY_SECONDS = 3600.0


class MaintenanceLoop:
    def __init__(
        self,
        *,
        settings: Settings,
        clock: Callable[[], datetime],
        active: Callable[[], bool] = lambda: True,
        rollup_every: float = ROLLUP_EVERY_SECONDS,
        prune_every: float = PRUNE_EVERY_SECONDS,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._active = active
        self._rollup_every = rollup_every
        self._prune_every = prune_every
        self._last_prune: float | None = None
        self._stopping = threading.Event()

    async def run_forever(self, stop: asyncio.Event) -> None:
        """The first run waits one period: start-up has enough to do."""
        loop = asyncio.get_running_loop()
        relay = asyncio.create_task(self._relay(stop))
        try:
            await self._loop(loop, stop)
        finally:
            self._stopping.set()
            relay.cancel()

    async def _relay(self, stop: asyncio.Event) -> None:
        """Tell a run in progress on its thread to stop at its next step."""
        await stop.wait()
        self._stopping.set()

    async def _loop(self, loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._rollup_every)
            if self._active() and not stop.is_set():
                started = loop.time()
                prune = self._last_prune is None or started - self._last_prune >= self._prune_every
                try:
                    await self.run_once(prune=prune)
                    if prune:
                        self._last_prune = started
                except Exception:
                    log.exception("maintenance run failed; trying again later")

    async def run_once(self, *, prune: bool) -> None:
        await asyncio.to_thread(asyncio.run, self._run(prune=prune))

    async def _run(self, *, prune: bool) -> None:
        async with opened_sessions(self._settings.async_database_url) as sessions:
            rolled = await run_rollup(
                sessions=sessions, now=self._clock(), should_stop=self._stopping.is_set
            )
            if rolled.hours or rolled.days or rolled.late_hours:
                log.info(
                    "rollups updated",
                    hours=rolled.hours,
                    days=rolled.days,
                    late_hours=rolled.late_hours,
                )
            if prune and not self._stopping.is_set():
                pruned = await run_prune(
                    sessions=sessions,
                    now=self._clock(),
                    raw_retention_days=self._settings.raw_retention_days,
                    hourly_retention_days=self._settings.hourly_rollup_retention_days,
                )
                log.info(
                    "pruned old data",
                    cutoff=pruned.cutoff.isoformat() if pruned.cutoff else None,
                    results=pruned.results_deleted,
                    partitions_dropped=len(pruned.partitions_dropped),
                    pings=pruned.pings_deleted,
                    deliveries=pruned.deliveries_deleted,
                )


async def rollup_now(settings: Settings, now: datetime) -> RollupRun:
    """``upwatch rollup``: one rollup run, as the periodic task does it."""
    async with opened_sessions(settings.async_database_url, migrate=settings.is_sqlite) as sessions:
        return await run_rollup(sessions=sessions, now=now)


async def prune_now(settings: Settings, now: datetime) -> PruneRun:
    """``upwatch prune``: roll up first, so nothing is pruned before it is summarised."""
    async with opened_sessions(settings.async_database_url, migrate=settings.is_sqlite) as sessions:
        await run_rollup(sessions=sessions, now=now)
        return await run_prune(
            sessions=sessions,
            now=now,
            raw_retention_days=settings.raw_retention_days,
            hourly_retention_days=settings.hourly_rollup_retention_days,
        )
