"""Raw results written straight into the table, and the figures computed from them directly."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import http_spec
from upwatch.domain.results import CheckResult, ProbeResult
from upwatch.domain.status import Outcome
from upwatch.services.monitors import create_monitor
from upwatch.services.results import insert_new_results
from upwatch.store.tables import CheckResultRow

OUTCOMES = ("up", "up", "up", "up", "degraded", "down", "maintenance", "not_run")


@dataclass(frozen=True, slots=True)
class Raw:
    monitor_id: int
    scheduled_at: datetime
    outcome: str
    latency_ms: float | None


async def make_monitors(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, count: int
) -> list[int]:
    async with sessions.begin() as session:
        rows = [
            await create_monitor(
                session=session, spec=http_spec(name=f"m{n}"), now=clock() - timedelta(days=3)
            )
            for n in range(count)
        ]
        return [row.id for row in rows]


def random_results(
    monitor_ids: Sequence[int], start: datetime, minutes: int, *, seed: int = 7
) -> list[Raw]:
    rng = random.Random(seed)
    results = []
    for monitor_id in monitor_ids:
        for minute in range(minutes):
            outcome = rng.choice(OUTCOMES)
            latency = None if outcome == "not_run" else round(rng.lognormvariate(4, 0.6), 3)
            at = start + timedelta(minutes=minute, seconds=monitor_id % 50)
            results.append(Raw(monitor_id, at, outcome, latency))
    return results


async def store(
    sessions: async_sessionmaker[AsyncSession],
    results: Sequence[Raw],
    *,
    written_at: datetime | None = None,
) -> None:
    """Straight into the table, as if written on time; ``written_at`` writes them through the
    result path at that time instead, which marks late ones for the rollup job."""
    if written_at is not None:
        async with sessions.begin() as session:
            await insert_new_results(session, [_checked(r) for r in results], now=written_at)
        return
    async with sessions.begin() as session:
        await session.execute(
            insert(CheckResultRow),
            [
                {
                    "monitor_id": r.monitor_id,
                    "scheduled_at": r.scheduled_at,
                    "started_at": r.scheduled_at,
                    "outcome": r.outcome,
                    "latency_ms": r.latency_ms,
                    "details": {},
                }
                for r in results
            ],
        )


def _checked(raw: Raw) -> CheckResult:
    probed = ProbeResult(outcome=Outcome(raw.outcome), latency_ms=raw.latency_ms)
    return CheckResult(raw.monitor_id, raw.scheduled_at, raw.scheduled_at, probed)


@dataclass(frozen=True, slots=True)
class Expected:
    checks: int
    failures: int
    degraded: int
    maintenance: int
    not_run: int
    latencies: list[float]

    @property
    def uptime_percent(self) -> float | None:
        if not self.checks:
            return None
        return round(100 * (self.checks - self.failures) / self.checks, 4)

    def quantile(self, q: float) -> float:
        """The sample at the lower rank, which the sketch promises to be within 1 % of."""
        ordered = sorted(self.latencies)
        return ordered[int(q * (len(ordered) - 1))]


def expected(results: Sequence[Raw], monitor_id: int, since: datetime, until: datetime) -> Expected:
    picked = [r for r in results if r.monitor_id == monitor_id and since <= r.scheduled_at < until]
    checks = [r for r in picked if r.outcome in ("up", "degraded", "down")]
    return Expected(
        checks=len(checks),
        failures=sum(r.outcome == "down" for r in picked),
        degraded=sum(r.outcome == "degraded" for r in picked),
        maintenance=sum(r.outcome == "maintenance" for r in picked),
        not_run=sum(r.outcome == "not_run" for r in picked),
        latencies=[r.latency_ms for r in checks if r.latency_ms is not None],
    )


def within_one_percent(value: float | None, exact: float) -> bool:
    return value is not None and abs(value - exact) <= 0.0101 * exact + 0.01
