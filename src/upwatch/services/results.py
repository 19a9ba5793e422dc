"""Recording check results in bulk and applying them to their monitors, idempotently."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.results import CheckResult
from upwatch.domain.state import FlapPolicy
from upwatch.services.silencing import Silencing
from upwatch.services.transitions import MonitorEvent, apply_to_monitor
from upwatch.store.database import insert_ignoring_conflicts
from upwatch.store.monitors import lock_monitors
from upwatch.store.tables import CheckResultRow


async def record_results(
    *,
    session: AsyncSession,
    results: Sequence[CheckResult],
    flap: FlapPolicy,
    down_at_once: bool = False,
    silencing: Silencing | None = None,
) -> list[MonitorEvent]:
    """Store results (a repeated ``(monitor_id, scheduled_at)`` is ignored) and apply the new ones.

    Only results that were actually inserted change monitor state, so a redelivered batch never
    counts twice. Results for monitors deleted meanwhile are dropped. ``down_at_once`` ignores
    the monitors' retries (a missed heartbeat deadline already includes its grace time).
    Results inside a maintenance window are stored and applied as ``maintenance``; a caller
    that already resolved the batch's ``silencing`` passes it. The caller commits.
    """
    monitors = await lock_monitors(session, {r.monitor_id for r in results})
    if silencing is None:
        silencing = await Silencing.load(
            session, monitors=monitors, times=[r.scheduled_at for r in results]
        )
    results = [
        silencing.adjusted(r, monitors[r.monitor_id]) for r in results if r.monitor_id in monitors
    ]
    inserted = await insert_new_results(session, results)
    events = []
    for result in sorted(results, key=silencing.order):
        if (result.monitor_id, result.scheduled_at) not in inserted:
            continue
        monitor = monitors[result.monitor_id]
        if monitor.last_checked_at and result.scheduled_at < monitor.last_checked_at:
            continue  # an older check finishing late must not overwrite a newer verdict
        event = await apply_to_monitor(
            session=session,
            row=monitor,
            outcome=result.outcome,
            at=result.scheduled_at,
            cause=result.cause_snapshot(),
            retries=0 if down_at_once else monitor.retries,
            flap=flap,
            parent_down=silencing.parent_down(monitor),
        )
        if event:
            events.append(event)
    return events


async def insert_new_results(
    session: AsyncSession, results: Sequence[CheckResult]
) -> set[tuple[int, datetime]]:
    """Insert results, ignoring ones already stored; returns the keys actually inserted."""
    if not results:
        return set()
    table = cast(Table, CheckResultRow.__table__)
    returning = insert_ignoring_conflicts(
        session, table, key=["monitor_id", "scheduled_at"]
    ).returning(table.c.monitor_id, table.c.scheduled_at)
    inserted = await session.execute(returning, [_row(r) for r in results])
    return {(row.monitor_id, row.scheduled_at) for row in inserted}


def _row(result: CheckResult) -> dict[str, Any]:
    return {
        "monitor_id": result.monitor_id,
        "scheduled_at": result.scheduled_at,
        "started_at": result.started_at,
        "outcome": result.outcome.value,
        "latency_ms": result.result.latency_ms,
        "status_code": result.result.status_code,
        "error": result.result.error,
        "details": result.result.details,
    }
