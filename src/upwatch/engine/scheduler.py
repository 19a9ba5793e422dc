"""Finding due checks and overdue heartbeats; one ``run_once`` and a thin loop around it."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from upwatch.domain.schedule import slots_for
from upwatch.domain.state import FlapPolicy
from upwatch.engine.jobs import CheckJob
from upwatch.engine.specs import SpecCache
from upwatch.metrics import CHECKS_DISPATCHED
from upwatch.services.heartbeats import mark_overdue
from upwatch.services.transitions import MonitorEvent
from upwatch.store.monitors import locked
from upwatch.store.tables import MonitorRow

log = structlog.get_logger(__name__)
MIN_PAUSE_SECONDS = 0.05

Dispatch = Callable[[list[CheckJob]], Awaitable[None]]
EventSink = Callable[[Sequence[MonitorEvent]], Awaitable[None]]
# How many more checks the runners can take now; None: no bound (a broker queues them).
Room = Callable[[], int]
# Two subqueries, not two aggregates in one: SQLite reads a min() off its index only alone.
_NEXT_TIMES = (
    select(func.min(MonitorRow.next_run_at)).scalar_subquery(),
    select(func.min(MonitorRow.deadline_at)).scalar_subquery(),
)


async def claim_due(
    *, session: AsyncSession, now: datetime, limit: int, specs: SpecCache | None = None
) -> list[CheckJob]:
    """Claim due monitors and move each to its next slot, in two statements and a bulk update.

    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets two schedulers never claim the same row. Only
    the columns that place the slots are read; specs come from ``specs`` (parsed again only for
    monitors changed since), so a claim costs little more than its rows' bytes.
    """
    statement = (
        select(MonitorRow.id, MonitorRow.interval, MonitorRow.next_run_at, MonitorRow.updated_at)
        .where(MonitorRow.next_run_at <= now)
        .order_by(MonitorRow.next_run_at)
        .limit(limit)
    )
    due = (await session.execute(await locked(statement, session, skip_locked=True))).all()
    if not due:
        return []
    parsed = await (specs or SpecCache()).load(session, ((row.id, row.updated_at) for row in due))
    jobs, moves = [], []
    for row in due:
        run_at, next_at = slots_for(row.id, row.interval).claim(row.next_run_at, now)
        moves.append({"id": row.id, "next_run_at": next_at})
        if (spec := parsed[row.id]) is not None:
            jobs.append(CheckJob(monitor_id=row.id, scheduled_at=run_at, spec=spec))
    await session.execute(update(MonitorRow), moves)
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
        room: Room | None = None,
    ) -> None:
        self._sessions = sessions
        self._dispatch = dispatch
        self._on_events = on_events
        self._flap = flap
        self._clock = clock
        self._batch_size = batch_size
        self._tick = tick_seconds
        self._room = room
        self._specs = SpecCache()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due work now, e.g. right after a monitor was created."""
        self._wake.set()

    async def run_once(self) -> float:
        """Dispatch what is due and mark what is overdue; returns seconds until the next due."""
        now = self._clock()
        while (limit := self._claim_limit()) > 0:
            # Dispatch before the claim commits: a failed publish leaves the checks due.
            async with self._sessions.begin() as session:
                jobs = await claim_due(session=session, now=now, limit=limit, specs=self._specs)
                for start in range(0, len(jobs), self._batch_size):
                    await self._dispatch(jobs[start : start + self._batch_size])
            CHECKS_DISPATCHED.inc(len(jobs))
            if len(jobs) < limit:
                break
        async with self._sessions.begin() as session:
            events = await mark_overdue(session=session, now=now, flap=self._flap)
        if events:
            await self._on_events(events)
        async with self._sessions() as session:
            # The next heartbeat deadline counts too: it is swept when due, not up to a tick late.
            next_due: datetime | None = min(
                filter(None, (await session.execute(select(*_NEXT_TIMES))).one()), default=None
            )
        if next_due is None:
            return self._tick
        # A floor: a due row locked by another scheduler must not make this loop spin.
        return max(MIN_PAUSE_SECONDS, min(self._tick, (next_due - self._clock()).total_seconds()))

    def _claim_limit(self) -> int:
        """Claim no more than the runners can start soon: what is left due stays in the
        database, where a later claim collapses slots missed meanwhile instead of queueing
        work that would only start too late to count."""
        limit = self._batch_size * 10
        return limit if self._room is None else min(limit, self._room())

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
