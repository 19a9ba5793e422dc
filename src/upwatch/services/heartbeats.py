"""Finding heartbeat monitors whose deadline passed, through the deadline index."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.results import CheckResult, ProbeResult
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.services.results import insert_new_results
from upwatch.services.silencing import Silencing
from upwatch.services.transitions import Change, MonitorEvent, apply_to_monitors
from upwatch.store.monitors import locked
from upwatch.store.tables import MonitorRow


async def mark_overdue(
    *, session: AsyncSession, now: datetime, flap: FlapPolicy, limit: int = 1000
) -> list[MonitorEvent]:
    """Record a DOWN result for each heartbeat past its deadline and clear the deadline.

    The deadline comes back with the next ping, so an overdue monitor is reported once. A
    deadline that passes inside a maintenance window is recorded as maintenance and moves to
    the window's end: a job still silent then is reported after all.
    """
    statement = (
        select(MonitorRow)
        .where(MonitorRow.deadline_at <= now)
        .order_by(MonitorRow.deadline_at)
        .limit(limit)
    )
    rows = (await session.scalars(await locked(statement, session, skip_locked=True))).all()
    results = [
        CheckResult(
            monitor_id=row.id,
            scheduled_at=row.deadline_at,
            started_at=now,
            result=ProbeResult(
                outcome=Outcome.DOWN,
                error=f"no ping received by {row.deadline_at.isoformat(timespec='seconds')}",
                details={"overdue": True},
            ),
        )
        for row in rows
        if row.deadline_at is not None
    ]
    monitors = {row.id: row for row in rows}
    silencing = await Silencing.load(
        session, monitors=monitors, times=[r.scheduled_at for r in results]
    )
    results = [silencing.adjusted(r, monitors[r.monitor_id]) for r in results]
    inserted = await insert_new_results(session, results)
    # All at once: a thousand heartbeats missing one deadline open their incidents in one
    # statement and queue their alerts in one. A parent going down earlier in the batch
    # silences its children (``parent_down`` is asked as each change is applied).
    changes = [
        Change(
            row=monitors[result.monitor_id],
            outcome=result.outcome,
            at=result.scheduled_at,
            cause=result.cause_snapshot(),
            retries=0,  # the deadline already includes the grace time
        )
        for result in sorted(results, key=silencing.order)
        if (result.monitor_id, result.scheduled_at) in inserted
        and not _older_than_last_check(monitors[result.monitor_id], result.scheduled_at)
    ]
    events = await apply_to_monitors(
        session=session, changes=changes, flap=flap, parent_down=silencing.parent_down
    )
    for row in rows:
        missed = row.deadline_at
        if missed is not None:
            row.deadline_at = silencing.calendar.covered_until(row.id, row.tags, missed)
    return events


def _older_than_last_check(row: MonitorRow, at: datetime) -> bool:
    """A newer verdict already stands, which an older deadline must not overwrite."""
    return row.last_checked_at is not None and at < row.last_checked_at
