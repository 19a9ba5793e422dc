from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import check_result, http_spec
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import MonitorStatus, Outcome
from upwatch.services.monitors import create_monitor, delete_monitor
from upwatch.services.results import record_results
from upwatch.store.tables import CheckResultRow, IncidentRow, LateResultHourRow, MonitorRow

FLAP = FlapPolicy(threshold=5, window=timedelta(minutes=10))


async def _monitor(sessions: async_sessionmaker[AsyncSession], clock: Clock, retries: int) -> int:
    async with sessions.begin() as session:
        row = await create_monitor(session=session, spec=http_spec(retries=retries), now=clock())
        return row.id


async def _record(sessions: async_sessionmaker[AsyncSession], *results: object) -> list[object]:
    async with sessions.begin() as session:
        return list(await record_results(session=session, results=results, flap=FLAP))  # type: ignore[arg-type]


async def test_down_only_after_retries_plus_one_failures_and_cause_is_the_first(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, retries=2)
    start = clock()
    await _record(sessions, check_result(monitor_id, start, Outcome.UP))
    for n in range(1, 3):
        failed = check_result(
            monitor_id, start + timedelta(minutes=n), Outcome.DOWN, error=f"failure {n}"
        )
        assert await _record(sessions, failed) == []
    async with sessions() as session:
        assert (await session.get_one(MonitorRow, monitor_id)).status == "up"

    events = await _record(
        sessions, check_result(monitor_id, start + timedelta(minutes=3), Outcome.DOWN, error="3")
    )

    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
        incidents = (await session.scalars(select(IncidentRow))).all()
    assert row.status == MonitorStatus.DOWN
    assert len(events) == 1
    assert len(incidents) == 1
    assert incidents[0].opened_at == start + timedelta(minutes=3)
    assert incidents[0].cause["error"] == "failure 1"
    assert incidents[0].resolved_at is None


async def test_first_success_resolves_the_incident(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, retries=0)
    start = clock()
    await _record(sessions, check_result(monitor_id, start, Outcome.DOWN, error="refused"))
    await _record(sessions, check_result(monitor_id, start + timedelta(minutes=1), Outcome.UP))

    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
        (incident,) = (await session.scalars(select(IncidentRow))).all()
    assert row.status == MonitorStatus.UP
    assert incident.resolved_at == start + timedelta(minutes=1)


async def test_a_redelivered_batch_is_stored_and_applied_once(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, retries=1)
    batch = [
        check_result(monitor_id, clock() + timedelta(minutes=n), Outcome.DOWN) for n in range(2)
    ]
    await _record(sessions, *batch)
    await _record(sessions, *batch)

    async with sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(CheckResultRow))
        opened = await session.scalar(select(func.count()).select_from(IncidentRow))
        row = await session.get_one(MonitorRow, monitor_id)
    assert stored == 2
    assert opened == 1
    assert row.consecutive_failures == 2


async def test_results_of_a_deleted_monitor_are_dropped(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, retries=0)
    kept_id = await _monitor(sessions, clock, retries=0)
    async with sessions.begin() as session:
        await delete_monitor(session=session, monitor_id=monitor_id)

    await _record(
        sessions, check_result(monitor_id, clock()), check_result(kept_id, clock(), Outcome.UP)
    )

    async with sessions() as session:
        stored = (await session.scalars(select(CheckResultRow.monitor_id))).all()
    assert stored == [kept_id]


async def test_an_older_result_arriving_late_does_not_override_a_newer_verdict(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, retries=0)
    await _record(sessions, check_result(monitor_id, clock() + timedelta(minutes=1), Outcome.UP))
    await _record(sessions, check_result(monitor_id, clock(), Outcome.DOWN))

    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
    assert row.status == MonitorStatus.UP


async def test_not_run_is_stored_but_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, retries=0)
    await _record(sessions, check_result(monitor_id, clock(), Outcome.NOT_RUN, error="late"))

    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
        outcome = await session.scalar(select(CheckResultRow.outcome))
    assert row.status == MonitorStatus.PENDING
    assert outcome == "not_run"


async def test_flapping_is_reported(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, retries=0)
    outcomes = [Outcome.UP, Outcome.DOWN] * 3
    events = []
    for n, outcome in enumerate(outcomes):
        events += await _record(
            sessions, check_result(monitor_id, clock() + timedelta(seconds=30 * n), outcome)
        )

    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
    assert row.flapping is True
    assert [e.transition.flapping_started for e in events].count(True) == 1  # type: ignore[attr-defined]


async def test_a_passing_check_stores_no_routine_details_but_the_cause_keeps_all(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, retries=0)
    details = {"final_url": "http://127.0.0.1:9/", "redirects": 0, "timings": {"dns_ms": 1.5}}
    start = clock().replace(minute=5)
    await _record(sessions, check_result(monitor_id, start, Outcome.UP, details=details))
    failed = check_result(
        monitor_id, start + timedelta(minutes=1), Outcome.DOWN, error="HTTP 503", details=details
    )
    await _record(sessions, failed)

    async with sessions() as session:
        stored = (
            await session.scalars(select(CheckResultRow).order_by(CheckResultRow.scheduled_at))
        ).all()
        incident = await session.scalar(select(IncidentRow))
        empty = await session.scalar(
            select(func.count()).where(CheckResultRow.details.is_(None)).select_from(CheckResultRow)
        )
    assert [row.details for row in stored] == [{}, details]
    assert empty == 1
    assert incident is not None
    assert incident.cause["details"] == details


async def test_only_results_written_after_their_hour_ended_mark_it_for_a_re_roll(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, retries=0)
    hour = clock().replace(minute=0)
    on_time = check_result(monitor_id, hour + timedelta(minutes=59), Outcome.UP)
    late = check_result(monitor_id, hour - timedelta(minutes=30), Outcome.UP)
    async with sessions.begin() as session:
        await record_results(
            session=session, results=[on_time], flap=FLAP, now=hour + timedelta(minutes=60.5)
        )
        await record_results(
            session=session, results=[late], flap=FLAP, now=hour + timedelta(minutes=60.5)
        )

    async with sessions() as session:
        marks = (
            await session.execute(select(LateResultHourRow.monitor_id, LateResultHourRow.hour))
        ).all()
    assert [tuple(mark) for mark in marks] == [(monitor_id, hour - timedelta(hours=1))]
