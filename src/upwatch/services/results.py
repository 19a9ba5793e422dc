"""Recording check results in bulk and applying them to their monitors, idempotently."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.results import CheckResult
from upwatch.domain.state import FlapPolicy, apply_outcome
from upwatch.domain.status import Outcome
from upwatch.services.silencing import Silencing
from upwatch.services.transitions import Change, MonitorEvent, apply_to_monitors
from upwatch.store.database import insert_ignoring_conflicts
from upwatch.store.monitors import StateColumns, lock_monitor_states, mark_checked, state_of
from upwatch.store.tables import CheckResultRow, LateResultHourRow, MonitorRow

HOUR = timedelta(hours=1)
# The rollup job rolls an hour up two minutes after it ends (rollup_job.SETTLE); a result
# written more than a minute after its hour ended may have missed that, so its hour is marked
# for a re-roll. Results written on time cost nothing extra.
LATE_AFTER = timedelta(minutes=1)


async def record_results(
    *,
    session: AsyncSession,
    results: Sequence[CheckResult],
    flap: FlapPolicy,
    down_at_once: bool = False,
    silencing: Silencing | None = None,
    now: datetime | None = None,
) -> list[MonitorEvent]:
    """Store results (a repeated ``(monitor_id, scheduled_at)`` is ignored) and apply the new ones.

    Only results that were actually inserted change monitor state, so a redelivered batch never
    counts twice. Results for monitors deleted meanwhile are dropped. ``down_at_once`` ignores
    the monitors' retries (a missed heartbeat deadline already includes its grace time).
    Results inside a maintenance window are stored and applied as ``maintenance``; a caller
    that already resolved the batch's ``silencing`` passes it. ``now`` (default: the clock) is
    when the batch is written, which tells late results. The caller commits.
    """
    states = await lock_monitor_states(session, {r.monitor_id for r in results})
    if silencing is None:
        silencing = await Silencing.load(
            session, monitors=states, times=[r.scheduled_at for r in results]
        )
    results = [
        silencing.adjusted(r, states[r.monitor_id]) for r in results if r.monitor_id in states
    ]
    inserted = await insert_new_results(session, results, now=now)
    fresh: dict[tuple[int, datetime], CheckResult] = {}
    for result in results:
        if (key := (result.monitor_id, result.scheduled_at)) in inserted:
            fresh.setdefault(key, result)  # a key repeated in the batch was stored once
    eventful = await settle_quiet(
        session, sorted(fresh.values(), key=silencing.order), states, flap
    )
    if not eventful:
        return []
    # Only results that change their monitor pay for the transition work, all at once: a
    # fleet's first round or a mass outage shares its round trips. ``settle_quiet`` dropped
    # the results older than their monitor's last check and kept each monitor's in time
    # order, so none of these overwrites a newer verdict.
    changes = [
        Change(
            row=states[result.monitor_id],
            outcome=result.outcome,
            at=result.scheduled_at,
            cause=result.cause_snapshot(),
            retries=0 if down_at_once else states[result.monitor_id].retries,
        )
        for result in eventful
    ]
    return await apply_to_monitors(
        session=session, changes=changes, flap=flap, parent_down=silencing.parent_down
    )


async def settle_quiet(
    session: AsyncSession,
    results: Sequence[CheckResult],
    states: dict[int, MonitorRow],
    flap: FlapPolicy,
) -> list[CheckResult]:
    """Apply the results that change nothing but ``last_checked_at`` in one statement (see
    ``split_quiet``); return the others, in order."""
    checked, eventful = split_quiet(results, states, flap)
    await mark_checked(session, checked)
    return eventful


def split_quiet(
    results: Sequence[CheckResult],
    states: Mapping[int, StateColumns],
    flap: FlapPolicy,
    *,
    keep_older: bool = False,
) -> tuple[dict[int, datetime], list[CheckResult]]:
    """The results that change nothing but the last check time (an UP check of a monitor that
    is UP and steady: nearly all of them), as each monitor's new ``last_checked_at``, and the
    other results, in order. Once a monitor has a result that changes it, its later ones in the
    batch wait for it (quiet ones before it still count in the first part).

    A result older than its monitor's last check is dropped: an older check finishing late
    never overwrites a newer one. ``keep_older`` keeps it for what it changes (a ping received
    before its deadline still counts when the overdue sweep was written first)."""
    checked: dict[int, datetime] = {}
    eventful: list[CheckResult] = []
    changing: set[int] = set()
    for result in results:
        state = states[result.monitor_id]
        last = checked.get(result.monitor_id, state.last_checked_at)
        older = last is not None and result.scheduled_at < last
        if result.outcome is Outcome.NOT_RUN or (older and not keep_older):
            continue
        if result.monitor_id in changing or not _quiet(state, result, flap):
            changing.add(result.monitor_id)
            eventful.append(result)
        elif not older:
            checked[result.monitor_id] = result.scheduled_at
    return checked, eventful


def _quiet(state: StateColumns, result: CheckResult, flap: FlapPolicy) -> bool:
    """Whether ``result`` leaves the monitor as it is: no failure to count, no cause to clear,
    no transition. A DOWN result always counts a failure."""
    if result.outcome is Outcome.DOWN or state.pending_cause is not None:
        return False
    before = state_of(state)
    after, transition = apply_outcome(
        before, result.outcome, at=result.scheduled_at, retries=state.retries, flap=flap
    )
    return transition is None and after == before


async def insert_new_results(
    session: AsyncSession, results: Sequence[CheckResult], *, now: datetime | None = None
) -> set[tuple[int, datetime]]:
    """Insert results, ignoring ones already stored, and mark the hours that got a late one;
    returns the keys actually inserted."""
    if not results:
        return set()
    table = cast(Table, CheckResultRow.__table__)
    returning = insert_ignoring_conflicts(
        session, table, key=["monitor_id", "scheduled_at"]
    ).returning(table.c.monitor_id, table.c.scheduled_at)
    executed = await session.execute(returning, [_row(r) for r in results])
    inserted = {(row.monitor_id, row.scheduled_at) for row in executed}
    await _mark_late_hours(session, inserted, now or datetime.now(UTC))
    return inserted


async def _mark_late_hours(
    session: AsyncSession, inserted: set[tuple[int, datetime]], now: datetime
) -> None:
    late = {
        (monitor_id, hour)
        for monitor_id, scheduled_at in inserted
        if (hour := scheduled_at.replace(minute=0, second=0, microsecond=0)) + HOUR + LATE_AFTER
        <= now
    }
    if late:
        await session.execute(
            insert_ignoring_conflicts(session, LateResultHourRow, key=["monitor_id", "hour"]),
            [{"monitor_id": monitor_id, "hour": hour} for monitor_id, hour in sorted(late)],
        )


def _row(result: CheckResult) -> dict[str, Any]:
    return {
        "monitor_id": result.monitor_id,
        "scheduled_at": result.scheduled_at,
        "started_at": result.started_at,
        "outcome": result.outcome.value,
        "latency_ms": result.result.latency_ms,
        "status_code": result.result.status_code,
        "error": result.result.error,
        "details": result.stored_details(),
    }
