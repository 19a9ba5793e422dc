"""Monitors with a history of checks, and status pages over them, for the status page tests."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import check_result, http_spec
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.domain.status_pages import StatusPageSpec
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results
from upwatch.services.status_pages import create_page

Sessions = async_sessionmaker[AsyncSession]


async def monitor_with_history(
    sessions: Sessions,
    *,
    name: str,
    outcomes: Sequence[Outcome],
    start: datetime,
    every: timedelta = timedelta(minutes=15),
    latency_ms: float = 120.0,
) -> int:
    """A monitor the engine leaves alone (never scheduled) whose checks gave ``outcomes``, one
    every ``every`` from ``start``; its status and incidents follow from them as in production."""
    async with sessions.begin() as session:
        row = await create_monitor(
            session=session, spec=http_spec(name=name, paused=True), now=start - every
        )
        row.paused = False
        row.status = "pending"
        results = [
            check_result(row.id, start + n * every, outcome, latency_ms=latency_ms)
            for n, outcome in enumerate(outcomes)
        ]
        await record_results(session=session, results=results, flap=FlapPolicy())
        return row.id


async def status_page(sessions: Sessions, now: datetime, **fields: Any) -> int:
    async with sessions.begin() as session:
        row = await create_page(
            session=session, spec=StatusPageSpec.model_validate(fields), now=now
        )
        return row.id
