"""Maintenance windows through the real result pipeline, on SQLite and PostgreSQL."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import check_result, heartbeat_spec, http_spec
from upwatch.domain.maintenance import parse_window
from upwatch.domain.monitors import MonitorSpec
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import MonitorStatus, Outcome, PingKind
from upwatch.engine.runner import Runner
from upwatch.engine.scheduler import claim_due
from upwatch.engine.specs import SpecCache
from upwatch.errors import ValidationFailedError
from upwatch.notifiers.registry import parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.probes.base import ProbeContext
from upwatch.services import maintenance
from upwatch.services.channels import create_channel
from upwatch.services.heartbeats import mark_overdue
from upwatch.services.monitors import create_monitor
from upwatch.services.pings import Ping, new_intake_id, record_pings
from upwatch.services.results import record_results
from upwatch.store.tables import CheckResultRow, DeliveryRow, IncidentRow, MonitorRow

FLAP = FlapPolicy()
BOX = SecretBox("test-secret-key")
WEBHOOK = {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}
Sessions = async_sessionmaker[AsyncSession]


async def _monitor(sessions: Sessions, clock: Clock, spec: MonitorSpec) -> int:
    """A monitor alerting one webhook channel, so that any alert would leave a delivery row."""
    async with sessions.begin() as session:
        channel = await create_channel(
            session=session, name="hook", config=parse_channel(WEBHOOK), secrets=BOX, now=clock()
        )
        spec = spec.model_copy(update={"channels": [channel.id]})
        return (await create_monitor(session=session, spec=spec, now=clock())).id


async def _window(sessions: Sessions, clock: Clock, **fields: Any) -> int:
    spec = parse_window({"name": "upgrade"} | fields, now=clock())
    async with sessions.begin() as session:
        return (await maintenance.create_window(session=session, spec=spec, now=clock())).id


async def _record(sessions: Sessions, *results: Any) -> None:
    async with sessions.begin() as session:
        await record_results(session=session, results=results, flap=FLAP)


async def _count(sessions: Sessions, table: type[Any]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def _status(sessions: Sessions, monitor_id: int) -> str:
    async with sessions() as session:
        return (await session.get_one(MonitorRow, monitor_id)).status


async def test_a_failure_inside_a_window_is_stored_as_maintenance_and_alerts_nothing(
    sessions: Sessions, clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, http_spec(tags=["db"]))
    await _window(sessions, clock, tags=["db"], starts_at=clock(), ends_at=clock().replace(hour=14))
    await _record(sessions, check_result(monitor_id, clock(), Outcome.DOWN, error="refused"))

    async with sessions() as session:
        stored = await session.scalar(select(CheckResultRow))
    assert stored is not None
    assert (stored.outcome, stored.details["verdict"], stored.error) == (
        "maintenance",
        "down",
        "refused",
    )
    assert await _status(sessions, monitor_id) == MonitorStatus.MAINTENANCE
    assert await _count(sessions, IncidentRow) == 0
    assert await _count(sessions, DeliveryRow) == 0


async def test_after_the_window_an_up_monitor_stays_quiet_and_a_down_one_alerts(
    sessions: Sessions, clock: Clock
) -> None:
    start = clock()
    quiet = await _monitor(sessions, clock, http_spec(name="quiet"))
    loud = await _monitor(sessions, clock, http_spec(name="loud"))
    await _record(
        sessions, check_result(quiet, start, Outcome.UP), check_result(loud, start, Outcome.UP)
    )
    await _window(
        sessions,
        clock,
        monitor_ids=[quiet, loud],
        starts_at=start + timedelta(minutes=1),
        ends_at=start + timedelta(minutes=10),
    )
    for minute in (2, 9):
        at = start + timedelta(minutes=minute)
        await _record(sessions, check_result(quiet, at, Outcome.DOWN), check_result(loud, at))

    after = start + timedelta(minutes=10)
    await _record(sessions, check_result(quiet, after), check_result(loud, after, Outcome.DOWN))

    assert await _status(sessions, quiet) == MonitorStatus.UP
    assert await _status(sessions, loud) == MonitorStatus.DOWN
    async with sessions() as session:
        incidents = (await session.scalars(select(IncidentRow))).all()
        deliveries = (await session.scalars(select(DeliveryRow))).all()
    assert [(i.monitor_id, i.opened_at) for i in incidents] == [(loud, after)]
    assert {(d.event, d.incident_id) for d in deliveries} == {("down", incidents[0].id)}


async def test_an_incident_open_before_the_window_stays_open_and_resolves_after_it(
    sessions: Sessions, clock: Clock
) -> None:
    start = clock()
    monitor_id = await _monitor(sessions, clock, http_spec())
    await _record(sessions, check_result(monitor_id, start, Outcome.DOWN))
    await _window(
        sessions,
        clock,
        monitor_ids=[monitor_id],
        starts_at=start + timedelta(minutes=1),
        ends_at=start + timedelta(minutes=5),
    )
    await _record(sessions, check_result(monitor_id, start + timedelta(minutes=2), Outcome.UP))
    async with sessions() as session:
        (incident,) = (await session.scalars(select(IncidentRow))).all()
    assert incident.resolved_at is None
    assert await _status(sessions, monitor_id) == MonitorStatus.MAINTENANCE

    await _record(sessions, check_result(monitor_id, start + timedelta(minutes=6), Outcome.DOWN))
    assert await _count(sessions, IncidentRow) == 1  # still the same one

    await _record(sessions, check_result(monitor_id, start + timedelta(minutes=7), Outcome.UP))
    async with sessions() as session:
        (incident,) = (await session.scalars(select(IncidentRow))).all()
        events = sorted((await session.scalars(select(DeliveryRow.event))).all())
    assert incident.resolved_at == start + timedelta(minutes=7)
    assert events == ["down", "up"]


async def test_a_heartbeat_overdue_inside_a_window_is_checked_again_when_it_ends(
    sessions: Sessions, clock: Clock
) -> None:
    start = clock()
    monitor_id = await _monitor(sessions, clock, heartbeat_spec(period=300, grace=60))
    await _window(
        sessions,
        clock,
        monitor_ids=[monitor_id],
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    clock.advance(400)
    async with sessions.begin() as session:
        await mark_overdue(session=session, now=clock(), flap=FLAP)
    async with sessions() as session:
        row = await session.get_one(MonitorRow, monitor_id)
        outcome = await session.scalar(select(CheckResultRow.outcome))
    assert (row.status, outcome) == (MonitorStatus.MAINTENANCE, "maintenance")
    assert row.deadline_at == start + timedelta(hours=1)
    assert await _count(sessions, DeliveryRow) == 0

    clock.advance(3600)
    async with sessions.begin() as session:
        await mark_overdue(session=session, now=clock(), flap=FLAP)
    assert await _status(sessions, monitor_id) == MonitorStatus.DOWN
    async with sessions() as session:
        (incident,) = (await session.scalars(select(IncidentRow))).all()
    assert incident.opened_at == start + timedelta(hours=1)
    assert await _count(sessions, DeliveryRow) == 1


async def test_a_failure_ping_inside_a_window_alerts_nothing(
    sessions: Sessions, clock: Clock
) -> None:
    monitor_id = await _monitor(sessions, clock, heartbeat_spec(tags=["batch"]))
    await _window(
        sessions, clock, tags=["batch"], cron="0 * * * *", duration=1800, timezone="Europe/Berlin"
    )
    ping = Ping(
        intake_id=new_intake_id(),
        token="t",
        monitor_id=monitor_id,
        received_at=clock() + timedelta(minutes=5),
        kind=PingKind.FAIL,
        method="POST",
        exit_code=3,
    )
    async with sessions.begin() as session:
        await record_pings(session=session, pings=[ping], flap=FLAP, specs=SpecCache())

    assert await _status(sessions, monitor_id) == MonitorStatus.MAINTENANCE
    assert await _count(sessions, IncidentRow) == 0
    assert await _count(sessions, DeliveryRow) == 0


async def test_monitors_in_maintenance_answers_for_a_batch(
    sessions: Sessions, clock: Clock
) -> None:
    ids = [
        await _monitor(sessions, clock, http_spec(name=f"m{n}", tags=[f"t{n}"])) for n in range(4)
    ]
    now = clock()
    await _window(
        sessions, clock, monitor_ids=[ids[0]], starts_at=now, ends_at=now + timedelta(hours=1)
    )
    await _window(sessions, clock, tags=["t1"], starts_at=now, ends_at=now + timedelta(hours=1))
    await _window(
        sessions, clock, monitor_ids=[ids[2]], starts_at=now - timedelta(hours=2), ends_at=now
    )
    await _window(sessions, clock, monitor_ids=[ids[3]], cron="0 3 * * *", duration=600)

    async with sessions() as session:
        covered = await maintenance.monitors_in_maintenance(
            session=session, monitor_ids=ids, at=now
        )
        later = await maintenance.monitors_in_maintenance(
            session=session, monitor_ids=ids, at=now.replace(hour=3, minute=5) + timedelta(days=1)
        )
    assert covered == {ids[0], ids[1]}
    assert later == {ids[3]}


async def test_unknown_monitors_are_refused_and_nothing_is_stored(
    sessions: Sessions, clock: Clock
) -> None:
    known = await _monitor(sessions, clock, http_spec())
    spec = parse_window(
        {"name": "x", "monitor_ids": [known, 999], "cron": "0 2 * * *", "duration": 600},
        now=clock(),
    )
    with pytest.raises(ValidationFailedError) as raised:
        async with sessions.begin() as session:
            await maintenance.create_window(session=session, spec=spec, now=clock())

    assert raised.value.problems == [("monitor_ids[1]", "monitor 999 does not exist")]
    async with sessions() as session:
        assert await maintenance.list_windows(session=session) == []


async def test_windows_are_changed_and_deleted(sessions: Sessions, clock: Clock) -> None:
    window_id = await _window(sessions, clock, tags=["a"], cron="0 2 * * *", duration=600)
    changed = parse_window(
        {"name": "renamed", "tags": ["b"], "rrule": "FREQ=WEEKLY", "duration": 60}, now=clock()
    )
    async with sessions.begin() as session:
        await maintenance.update_window(
            session=session, window_id=window_id, spec=changed, now=clock()
        )
    async with sessions() as session:
        row = await maintenance.get_window(session=session, window_id=window_id)
        assert maintenance.window_spec(row) == changed
    async with sessions.begin() as session:
        await maintenance.delete_window(session=session, window_id=window_id)
    async with sessions() as session:
        assert await maintenance.list_windows(session=session) == []


# The engine: scheduler → runner against a real local target → result sink ----------------------


@pytest.fixture
async def failing_target() -> AsyncIterator[str]:
    async def broken(_: web.Request) -> web.Response:
        return web.Response(status=503, text="upgrading")

    app = web.Application()
    app.router.add_get("/health", broken)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/health"
    await runner.cleanup()


async def test_the_engine_checks_a_target_under_maintenance_without_alerting(
    sessions: Sessions, clock: Clock, failing_target: str
) -> None:
    monitor_id = await _monitor(sessions, clock, http_spec(url=failing_target))
    window_ends = clock() + timedelta(minutes=3)
    await _window(
        sessions,
        clock,
        monitor_ids=[monitor_id],
        starts_at=clock() - timedelta(minutes=1),
        ends_at=window_ends,
    )
    context = ProbeContext()
    runner = Runner(context=context, max_in_flight=10, clock=clock)
    try:
        for _ in range(6):
            async with sessions.begin() as session:
                jobs = await claim_due(session=session, now=clock(), limit=100)
            results = await runner.run_batch(jobs)
            async with sessions.begin() as session:
                await record_results(session=session, results=results, flap=FLAP)
            clock.advance(60)
    finally:
        await context.aclose()

    async with sessions() as session:
        stored = (
            await session.scalars(select(CheckResultRow).order_by(CheckResultRow.scheduled_at))
        ).all()
        (incident,) = (await session.scalars(select(IncidentRow))).all()
    inside = [r for r in stored if r.scheduled_at < window_ends]
    outside = [r for r in stored if r.scheduled_at >= window_ends]
    assert inside
    assert outside
    assert {(r.outcome, r.details.get("verdict"), r.status_code) for r in inside} == {
        ("maintenance", "down", 503)
    }
    assert {r.outcome for r in outside} == {"down"}
    # The incident opened with the first failure after the window, not with one inside it.
    assert incident.opened_at == outside[0].scheduled_at
    assert incident.cause["scheduled_at"] == outside[0].scheduled_at.isoformat()
    assert await _status(sessions, monitor_id) == MonitorStatus.DOWN
    assert await _count(sessions, DeliveryRow) == 1
