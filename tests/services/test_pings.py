import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import heartbeat_spec
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import MonitorStatus, PingKind
from upwatch.engine.specs import SpecCache
from upwatch.services.heartbeats import mark_overdue
from upwatch.services.monitors import create_monitor, set_paused, update_monitor
from upwatch.services.pings import PING_BODY_LIMIT, Ping, new_intake_id, ping_body, record_pings
from upwatch.services.silencing import Silencing
from upwatch.services.transitions import MonitorEvent
from upwatch.store.tables import CheckResultRow, IncidentRow, MonitorRow, PingRow

FLAP = FlapPolicy()


async def _heartbeat(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, **spec: object
) -> int:
    async with sessions.begin() as session:
        return (await create_monitor(session=session, spec=heartbeat_spec(**spec), now=clock())).id


async def _ping(
    sessions: async_sessionmaker[AsyncSession],
    monitor_id: int,
    clock: Clock,
    kind: PingKind,
    **kw: object,
) -> None:
    ping = Ping(
        intake_id=new_intake_id(),
        token="t",
        monitor_id=monitor_id,
        received_at=clock(),
        kind=kind,
        method="POST",
        **kw,  # type: ignore[arg-type]
    )
    async with sessions.begin() as session:
        await record_pings(session=session, pings=[ping], flap=FLAP, specs=SpecCache())


async def _overdue(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    async with sessions.begin() as session:
        return len(await mark_overdue(session=session, now=clock(), flap=FLAP))


async def test_a_pinged_heartbeat_is_up_and_its_deadline_is_period_plus_grace(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _heartbeat(sessions, clock, period=300, grace=60)
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)

    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
    assert row.status == MonitorStatus.UP
    assert row.deadline_at == clock() + timedelta(seconds=360)


async def test_silence_past_the_deadline_makes_it_down_once_and_a_ping_resolves_it(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _heartbeat(sessions, clock, period=300, grace=60, retries=3)
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)
    clock.advance(359)
    assert await _overdue(sessions, clock) == 0
    clock.advance(2)
    assert await _overdue(sessions, clock) == 1
    assert await _overdue(sessions, clock) == 0  # reported once, not every pass

    async with sessions() as session:
        assert (await session.get_one(MonitorRow, monitor_id)).status == MonitorStatus.DOWN
    clock.advance(10)
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)
    async with sessions() as session:
        assert (await session.get_one(MonitorRow, monitor_id)).status == MonitorStatus.UP
        (incident,) = (await session.scalars(select(IncidentRow))).all()
    assert incident.resolved_at == clock()
    assert "no ping received" in incident.cause["error"]


async def test_fail_ping_is_a_failure_and_start_then_success_records_the_duration(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _heartbeat(sessions, clock)
    await _ping(sessions, monitor_id, clock, PingKind.FAIL, exit_code=3, body="disk full")
    async with sessions() as session:
        assert (await session.get_one(MonitorRow, monitor_id)).status == MonitorStatus.DOWN
        (incident,) = (await session.scalars(select(IncidentRow))).all()
    assert incident.cause["error"] == "the job reported failure (exit code 3)"
    assert incident.cause["details"]["log"] == "disk full"

    await _ping(sessions, monitor_id, clock, PingKind.START)
    clock.advance(42.5)
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)
    async with sessions() as session:
        pings = (await session.scalars(select(PingRow).order_by(PingRow.id))).all()
        assert (await session.get_one(MonitorRow, monitor_id)).status == MonitorStatus.UP
    assert [p.kind for p in pings] == ["fail", "start", "success"]
    assert pings[2].duration_s == 42.5


async def test_cron_heartbeat_deadline_is_the_next_run_plus_grace(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _heartbeat(
        sessions, clock, period=None, cron="0 3 * * *", timezone="Europe/Berlin", grace=600
    )
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)  # 12:00 UTC = 13:00 in Berlin
    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
    assert row.deadline_at == clock().replace(hour=2, minute=10) + timedelta(days=1)


def test_ping_body_is_cut_at_10_kb_and_says_so() -> None:
    assert ping_body(b"x" * PING_BODY_LIMIT) == ("x" * PING_BODY_LIMIT, False)
    body, truncated = ping_body(b"y" * (PING_BODY_LIMIT + 1))
    assert (len(body), truncated) == (PING_BODY_LIMIT, True)


async def test_a_late_older_ping_is_logged_but_does_not_override_a_newer_one(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _heartbeat(sessions, clock)
    earlier = clock()
    clock.advance(10)
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)
    late = Ping(
        intake_id=new_intake_id(),
        token="t",
        monitor_id=monitor_id,
        received_at=earlier,
        kind=PingKind.FAIL,
        method="POST",
    )
    async with sessions.begin() as session:
        await record_pings(session=session, pings=[late], flap=FLAP, specs=SpecCache())
    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
        logged = (await session.scalars(select(PingRow.kind))).all()
    assert row.status == MonitorStatus.UP
    assert row.last_ping_at == clock()
    assert sorted(logged) == ["fail", "success"]


async def test_a_resumed_heartbeat_counts_its_deadline_from_the_resume(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _heartbeat(sessions, clock, period=300, grace=60)
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)
    async with sessions.begin() as session:
        await set_paused(session=session, monitor_id=monitor_id, paused=True, now=clock())
    clock.advance(3 * 86_400)
    async with sessions.begin() as session:
        row = await set_paused(session=session, monitor_id=monitor_id, paused=False, now=clock())
        assert row.deadline_at == clock() + timedelta(seconds=360)
    assert await _overdue(sessions, clock) == 0


def test_nul_bytes_in_a_ping_body_are_replaced() -> None:
    assert ping_body(b"ok\x00done") == ("ok\ufffddone", False)


async def _record_and_read(
    sessions: async_sessionmaker[AsyncSession], batch: list[Ping], monitor_id: int
) -> tuple[list[MonitorEvent], MonitorRow]:
    """Record ``batch`` as one; its events and the monitor's row afterwards."""
    async with sessions.begin() as session:
        events = await record_pings(session=session, pings=batch, flap=FLAP, specs=SpecCache())
    async with sessions() as session:
        return events, await session.get_one(MonitorRow, monitor_id)


def _at(monitor_id: int, clock: Clock, seconds: float, kind: PingKind) -> Ping:
    return Ping(
        intake_id=new_intake_id(),
        token="t",
        monitor_id=monitor_id,
        received_at=clock() + timedelta(seconds=seconds),
        kind=kind,
        method="POST",
    )


async def test_one_batch_moves_each_monitor_as_its_pings_one_at_a_time_would(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    timed = await _heartbeat(sessions, clock, period=300, grace=60)
    recovering = await _heartbeat(sessions, clock, period=300, grace=60)
    batch = [
        # Out of order on purpose: a batch is applied in time order.
        _at(timed, clock, 30, PingKind.SUCCESS),
        _at(timed, clock, 0, PingKind.START),
        _at(recovering, clock, 10, PingKind.SUCCESS),
        _at(recovering, clock, 0, PingKind.FAIL),
        # The same instant as the success before it: logged, but no second result.
        _at(recovering, clock, 10, PingKind.FAIL),
    ]
    async with sessions.begin() as session:
        events = await record_pings(session=session, pings=batch, flap=FLAP, specs=SpecCache())
    async with sessions() as session:
        timed_row = await session.get_one(MonitorRow, timed)
        recovering_row = await session.get_one(MonitorRow, recovering)
        durations = (
            await session.scalars(select(PingRow.duration_s).where(PingRow.monitor_id == timed))
        ).all()
        (incident,) = (await session.scalars(select(IncidentRow))).all()
        results = (await session.scalars(select(CheckResultRow.outcome))).all()
        logged = (await session.scalars(select(PingRow.id))).all()
    assert (timed_row.status, timed_row.last_start_at) == (MonitorStatus.UP, None)
    assert sorted(durations, key=lambda d: d is None) == [30.0, None]
    assert timed_row.deadline_at == clock() + timedelta(seconds=30 + 360)
    assert recovering_row.status == MonitorStatus.UP
    assert recovering_row.deadline_at == clock() + timedelta(seconds=10 + 360)
    assert incident.monitor_id == recovering
    assert incident.resolved_at == clock() + timedelta(seconds=10)
    assert [e.monitor_id for e in events if e.monitor_id == recovering] == [recovering] * 2
    assert sorted(results) == ["down", "up", "up"]
    assert len(logged) == 5


async def test_a_batch_delivered_twice_is_recorded_once(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _heartbeat(sessions, clock)
    batch = [_at(monitor_id, clock, 0, PingKind.FAIL), _at(monitor_id, clock, 5, PingKind.SUCCESS)]
    for _ in range(2):
        async with sessions.begin() as session:
            await record_pings(session=session, pings=batch, flap=FLAP, specs=SpecCache())
    async with sessions() as session:
        assert len((await session.scalars(select(PingRow.id))).all()) == 2
        assert len((await session.scalars(select(CheckResultRow.outcome))).all()) == 2
        assert len((await session.scalars(select(IncidentRow.id))).all()) == 1


async def test_a_ping_received_before_its_deadline_counts_when_written_after_the_sweep(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _heartbeat(sessions, clock, period=300, grace=60)
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)
    in_time = _at(monitor_id, clock, 359, PingKind.SUCCESS)
    clock.advance(361)
    assert await _overdue(sessions, clock) == 1  # the sweep ran before the ping was written

    async with sessions.begin() as session:
        await record_pings(session=session, pings=[in_time], flap=FLAP, specs=SpecCache())
    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
        (incident,) = (await session.scalars(select(IncidentRow))).all()
    assert row.status == MonitorStatus.UP
    assert row.deadline_at == in_time.received_at + timedelta(seconds=360)
    assert incident.resolved_at == incident.opened_at == clock() - timedelta(seconds=1)
    # The sweep's check stays the last one, and UP does not begin before the DOWN it ends.
    assert row.last_checked_at == row.status_changed_at == incident.opened_at


async def test_pings_of_a_steady_monitor_move_its_heartbeat_fields_and_last_check(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _heartbeat(sessions, clock, period=300, grace=60)
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)
    batch = [
        _at(monitor_id, clock, 100, PingKind.SUCCESS),
        _at(monitor_id, clock, 200, PingKind.START),
        _at(monitor_id, clock, 250, PingKind.SUCCESS),
        _at(monitor_id, clock, 260, PingKind.START),
    ]
    events, row = await _record_and_read(sessions, batch, monitor_id)
    assert events == []
    assert row.status == MonitorStatus.UP
    assert row.last_ping_at == row.last_checked_at == clock() + timedelta(seconds=250)
    assert row.last_start_at == clock() + timedelta(seconds=260)
    assert row.deadline_at == clock() + timedelta(seconds=250 + 360)


async def test_a_failure_after_a_quiet_ping_in_one_batch_leaves_the_failure_as_last_check(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _heartbeat(sessions, clock, period=300, grace=60, retries=0)
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)
    batch = [
        _at(monitor_id, clock, 100, PingKind.SUCCESS),
        _at(monitor_id, clock, 200, PingKind.FAIL),
    ]
    events, row = await _record_and_read(sessions, batch, monitor_id)
    assert [event.transition.current for event in events] == [MonitorStatus.DOWN]
    assert row.status == MonitorStatus.DOWN
    assert row.last_ping_at == row.last_checked_at == clock() + timedelta(seconds=200)


async def test_a_parent_and_its_child_failing_in_one_batch_alert_as_the_parent_alone(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    parent = await _heartbeat(sessions, clock, name="backup", retries=0)
    child = await _heartbeat(sessions, clock, name="report", retries=0, depends_on=[parent])
    await _ping(sessions, parent, clock, PingKind.SUCCESS)
    await _ping(sessions, child, clock, PingKind.SUCCESS)
    batch = [
        _at(parent, clock, 10, PingKind.SUCCESS),
        _at(parent, clock, 20, PingKind.FAIL),
        _at(child, clock, 30, PingKind.FAIL),
    ]
    events, parent_row = await _record_and_read(sessions, batch, parent)
    async with sessions() as session:
        child_row = await session.get_one(MonitorRow, child)
        (incident,) = (await session.scalars(select(IncidentRow))).all()
    assert [(e.monitor_id, e.transition.current) for e in events] == [
        (parent, MonitorStatus.DOWN),
        (child, MonitorStatus.DEPENDENCY_DOWN),
    ]
    assert incident.monitor_id == parent
    assert parent_row.last_ping_at == parent_row.last_checked_at == clock() + timedelta(seconds=20)
    assert child_row.last_ping_at == child_row.last_checked_at == clock() + timedelta(seconds=30)
    assert child_row.deadline_at == clock() + timedelta(seconds=30 + 360)


async def test_a_monitor_paused_while_its_pings_are_recorded_stays_paused_without_a_deadline(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monitor_id = await _heartbeat(sessions, clock, period=300, grace=60)
    await _ping(sessions, monitor_id, clock, PingKind.SUCCESS)
    clock.advance(10)

    async def pause() -> None:
        async with sessions.begin() as session:
            await set_paused(session=session, monitor_id=monitor_id, paused=True, now=clock())

    load_silencing = Silencing.load
    pausing: list[asyncio.Task[None]] = []

    async def pause_once_the_monitors_are_read(*args: Any, **kwargs: Any) -> Silencing:
        pausing.append(asyncio.create_task(pause()))
        # Unless the recording holds its monitors, the pause is stored meanwhile.
        await asyncio.wait(pausing, timeout=0.5)
        return await load_silencing(*args, **kwargs)

    monkeypatch.setattr(Silencing, "load", pause_once_the_monitors_are_read)
    await _ping(sessions, monitor_id, clock, PingKind.START)
    await asyncio.gather(*pausing)

    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
    assert row.paused
    assert row.deadline_at is None


async def _ping_with(
    specs: SpecCache, sessions: async_sessionmaker[AsyncSession], pings: list[Ping]
) -> None:
    async with sessions.begin() as session:
        await record_pings(session=session, pings=pings, flap=FLAP, specs=specs)


async def _cached_heartbeat(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> tuple[SpecCache, int]:
    """A heartbeat pinged once through a spec cache, which now holds its spec; a second on."""
    specs = SpecCache()
    monitor_id = await _heartbeat(sessions, clock, period=300, grace=60)
    await _ping_with(specs, sessions, [_at(monitor_id, clock, 0, PingKind.SUCCESS)])
    clock.advance(1)
    return specs, monitor_id


async def test_a_changed_heartbeat_is_applied_with_its_new_spec_despite_the_cache(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    specs, monitor_id = await _cached_heartbeat(sessions, clock)
    async with sessions.begin() as session:
        await update_monitor(
            session=session,
            monitor_id=monitor_id,
            spec=heartbeat_spec(period=3_600, grace=600),
            now=clock(),
        )
    await _ping_with(specs, sessions, [_at(monitor_id, clock, 1, PingKind.SUCCESS)])

    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
    assert row.deadline_at == clock() + timedelta(seconds=1 + 4_200)


async def test_a_heartbeat_paused_since_its_spec_was_cached_is_not_moved_by_a_ping(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    specs, monitor_id = await _cached_heartbeat(sessions, clock)
    async with sessions.begin() as session:
        await set_paused(session=session, monitor_id=monitor_id, paused=True, now=clock())
    await _ping_with(specs, sessions, [_at(monitor_id, clock, 5, PingKind.FAIL)])

    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
        logged = (await session.scalars(select(PingRow.kind))).all()
    assert (row.status, row.last_ping_at) == (MonitorStatus.PAUSED, clock() - timedelta(seconds=1))
    assert sorted(logged) == ["fail", "success"]


async def test_a_monitor_whose_stored_spec_no_longer_validates_holds_back_no_other_ping(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    broken = await _heartbeat(sessions, clock)
    healthy = await _heartbeat(sessions, clock, period=300, grace=60)
    async with sessions.begin() as session:
        await session.execute(
            update(MonitorRow).where(MonitorRow.id == broken).values(config={"period": -1})
        )

    await _ping_with(
        SpecCache(),
        sessions,
        [_at(broken, clock, 0, PingKind.SUCCESS), _at(healthy, clock, 0, PingKind.SUCCESS)],
    )

    async with sessions() as session:
        rows = {row.id: row for row in (await session.scalars(select(MonitorRow))).all()}
        logged = (await session.scalars(select(PingRow.monitor_id))).all()
    assert rows[healthy].status == MonitorStatus.UP
    assert rows[healthy].deadline_at == clock() + timedelta(seconds=360)
    assert rows[broken].status == MonitorStatus.PENDING
    assert sorted(logged) == sorted([broken, healthy])
