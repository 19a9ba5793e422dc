from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import check_result, http_spec
from upwatch.domain.results import CheckResult
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import MonitorStatus, Outcome
from upwatch.domain.status import MonitorStatus as S
from upwatch.notifiers.registry import parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.services.channels import create_channel
from upwatch.services.monitors import create_monitor, delete_monitor
from upwatch.services.results import record_results
from upwatch.store.tables import (
    CheckResultRow,
    DeliveryRow,
    IncidentRow,
    LateResultHourRow,
    MonitorRow,
)

BOX = SecretBox("test-secret-key")
HOOK = {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}

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
        await delete_monitor(session=session, monitor_id=monitor_id, now=clock())

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


# One of each kind of result a batch can mix: (role, retries, results before the batch).
ROLES = {
    "first": (0, []),
    "goes down": (0, [Outcome.UP]),
    "recovers": (0, [Outcome.DOWN]),
    "down and back": (0, [Outcome.UP]),
    "late": (0, [Outcome.UP]),
    "duplicate": (1, [Outcome.UP]),
}


async def _mixed_batch_set(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, channel_ids: list[int]
) -> dict[str, int]:
    """One monitor per role (each role its own channel set), brought to where it starts."""
    async with sessions.begin() as session:
        ids = {
            role: (
                await create_monitor(
                    session=session,
                    spec=http_spec(name=role, retries=retries, channels=channel_ids[: n % 2 + 1]),
                    now=clock(),
                )
            ).id
            for n, (role, (retries, _)) in enumerate(ROLES.items())
        }
    before = clock() - timedelta(minutes=10)
    for role, (_, outcomes) in ROLES.items():
        for n, outcome in enumerate(outcomes):
            await _record(sessions, check_result(ids[role], before + timedelta(minutes=n), outcome))
    # A check newer than the batch's, which the batch's older one must not overwrite.
    await _record(sessions, check_result(ids["late"], clock() + timedelta(minutes=1)))
    return ids


def _mixed_batch(ids: dict[str, int], at: datetime) -> list[CheckResult]:
    failed = {"error": "connection refused"}
    return [
        check_result(ids["first"], at, Outcome.UP),
        check_result(ids["goes down"], at, Outcome.DOWN, **failed),
        check_result(ids["recovers"], at, Outcome.UP),
        check_result(ids["down and back"], at, Outcome.DOWN, **failed),
        check_result(ids["down and back"], at + timedelta(seconds=30), Outcome.UP),
        check_result(ids["duplicate"], at, Outcome.DOWN, **failed),
        check_result(ids["duplicate"], at, Outcome.DOWN, **failed),
        check_result(ids["late"], at, Outcome.DOWN, **failed),
    ]


class _Standing(NamedTuple):
    """Where a monitor stands after a batch, and what it told whom."""

    status: str
    failures: int
    checked_at: datetime | None
    incidents: list[tuple[datetime, datetime | None, object]]
    deliveries: list[tuple[str, int]]


async def _standing_by_role(
    sessions: async_sessionmaker[AsyncSession], ids: dict[str, int]
) -> dict[str, _Standing]:
    async with sessions() as session:
        found = {}
        for role, monitor_id in ids.items():
            row = await session.get_one(MonitorRow, monitor_id)
            incidents = (
                await session.scalars(
                    select(IncidentRow)
                    .where(IncidentRow.monitor_id == monitor_id)
                    .order_by(IncidentRow.id)
                )
            ).all()
            deliveries = await session.execute(
                select(DeliveryRow.event, DeliveryRow.channel_id)
                .join(IncidentRow, IncidentRow.id == DeliveryRow.incident_id)
                .where(IncidentRow.monitor_id == monitor_id)
                .order_by(DeliveryRow.id)
            )
            found[role] = _Standing(
                row.status,
                row.consecutive_failures,
                row.last_checked_at,
                [(i.opened_at, i.resolved_at, i.cause.get("error")) for i in incidents],
                [(event, channel_id) for event, channel_id in deliveries],
            )
        return found


async def _events(
    sessions: async_sessionmaker[AsyncSession], results: list[CheckResult]
) -> list[tuple[str, MonitorStatus, MonitorStatus, bool]]:
    """What the batch reported: each change's monitor name, statuses and whether it had an
    incident."""
    async with sessions.begin() as session:
        events = await record_results(session=session, results=results, flap=FLAP)
    return [
        (e.monitor_name, e.transition.previous, e.transition.current, e.incident_id is not None)
        for e in events
    ]


async def test_a_mixed_batch_moves_monitors_and_alerts_as_its_results_one_by_one_would(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    async with sessions.begin() as session:
        channel_ids = [
            (
                await create_channel(
                    session=session, name=name, config=parse_channel(HOOK), secrets=BOX, now=clock()
                )
            ).id
            for name in ("a", "b")
        ]
    batched = await _mixed_batch_set(sessions, clock, channel_ids)
    one_by_one = await _mixed_batch_set(sessions, clock, channel_ids)
    at = clock()

    events = await _events(sessions, _mixed_batch(batched, at))
    singles = [
        event
        for result in _mixed_batch(one_by_one, at)
        for event in await _events(sessions, [result])
    ]

    assert sorted(events) == sorted(singles)
    found = await _standing_by_role(sessions, batched)
    assert found == await _standing_by_role(sessions, one_by_one)
    opened = (at, None, "connection refused")
    assert found["first"] == (S.UP, 0, at, [], [])
    assert found["goes down"][:4] == (S.DOWN, 1, at, [opened])
    assert found["down and back"].incidents == [(at, at + timedelta(seconds=30), opened[2])]
    assert found["down and back"].deliveries == [
        ("down", channel_ids[0]),
        ("down", channel_ids[1]),
        ("up", channel_ids[0]),
        ("up", channel_ids[1]),
    ]
    assert [event for event, _ in found["recovers"].deliveries] == ["down", "up"]
    assert found["late"][:3] == (S.UP, 0, at + timedelta(minutes=1))
    assert found["duplicate"][:2] == (S.UP, 1)
