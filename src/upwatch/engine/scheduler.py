"""Finding due checks and overdue heartbeats; one ``run_once`` and a thin loop around it."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import structlog
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from upwatch.domain.schedule import slots_for
from upwatch.domain.state import FlapPolicy
from upwatch.engine.jobs import CheckJob
from upwatch.metrics import CHECKS_DISPATCHED
from upwatch.services.heartbeats import mark_overdue
from upwatch.services.transitions import MonitorEvent
from upwatch.store.monitors import locked, spec_of
from upwatch.store.tables import MonitorRow

log = structlog.get_logger(__name__)
MIN_PAUSE_SECONDS = 0.05

Dispatch = Callable[[list[CheckJob]], Awaitable[None]]
EventSink = Callable[[Sequence[MonitorEvent]], Awaitable[None]]


async def claim_due(*, session: AsyncSession, now: datetime, limit: int) -> list[CheckJob]:
    """Claim due monitors in one statement and move each to its next slot.

    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets two schedulers never claim the same row.
    """
    statement = (
        select(MonitorRow)
        .where(MonitorRow.next_run_at <= now)
        .order_by(MonitorRow.next_run_at)
        .limit(limit)
    )
    jobs = []
    for row in (await session.scalars(locked(statement, session, skip_locked=True))).all():
        assert row.next_run_at is not None
        run_at, row.next_run_at = slots_for(row.id, row.interval).claim(row.next_run_at, now)
        try:
            spec = spec_of(row)
        except ValidationError:
            # One stored monitor that no longer validates must not stop every other check.
            log.error("monitor skipped: its stored configuration is invalid", monitor_id=row.id)
            continue
        jobs.append(CheckJob(monitor_id=row.id, scheduled_at=run_at, spec=spec))
    return jobs


class Scheduler:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        dispatch: Dispatch,
        on_events: EventSink,
        flap: FlapPolicy,
        clock: Callable[[], datetime],
        batch_size: int,
        tick_seconds: float,
    ) -> None:
        self._sessions = sessions
        self._dispatch = dispatch
        self._on_events = on_events
        self._flap = flap
        self._clock = clock
        self._batch_size = batch_size
        self._tick = tick_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due work now, e.g. right after a monitor was created."""
        self._wake.set()

    async def run_once(self) -> float:
        """Dispatch what is due and mark what is overdue; returns seconds until the next due."""
        now = self._clock()
        while True:
            # Dispatch before the claim commits: a failed publish leaves the checks due.
            async with self._sessions.begin() as session:
                jobs = await claim_due(session=session, now=now, limit=self._batch_size * 10)
                for start in range(0, len(jobs), self._batch_size):
                    await self._dispatch(jobs[start : start + self._batch_size])
            CHECKS_DISPATCHED.inc(len(jobs))
            if len(jobs) < self._batch_size * 10:
                break
        async with self._sessions.begin() as session:
            events = await mark_overdue(session=session, now=now, flap=self._flap)
        if events:
            await self._on_events(events)
        async with self._sessions() as session:
            next_due: datetime | None = await session.scalar(
                select(func.min(MonitorRow.next_run_at))
            )
        if next_due is None:
            return self._tick
        # A floor: a due row locked by another scheduler must not make this loop spin.
        return max(MIN_PAUSE_SECONDS, min(self._tick, (next_due - self._clock()).total_seconds()))

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Pass after pass until ``stop`` is set; it is checked between passes, so a stop never
        cuts a database transaction in half."""
        while not stop.is_set():
            self._wake.clear()
            try:
                pause = await self.run_once()
            except Exception:
                log.exception("scheduler pass failed; trying again")
                pause = self._tick
            await _sleep_until(pause, self._wake, stop)


async def _sleep_until(seconds: float, *events: asyncio.Event) -> None:
    """Sleep ``seconds`` or until any of ``events`` is set, whichever comes first."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
