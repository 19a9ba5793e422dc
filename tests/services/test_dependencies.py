"""Monitor dependencies through the real result pipeline, on SQLite and PostgreSQL."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import check_result, http_spec
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import MonitorStatus, Outcome
from upwatch.engine.runner import Runner
from upwatch.engine.scheduler import claim_due
from upwatch.errors import ValidationFailedError
from upwatch.notifiers.registry import parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.probes.base import ProbeContext
from upwatch.services.channels import create_channel
from upwatch.services.dependencies import ensure_valid_dependencies
from upwatch.services.monitors import create_monitor, delete_monitor, get_monitor
from upwatch.services.results import record_results
from upwatch.store.tables import DeliveryRow, IncidentRow, MonitorRow

FLAP = FlapPolicy()
BOX = SecretBox("test-secret-key")
WEBHOOK = {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}
Sessions = async_sessionmaker[AsyncSession]
S = MonitorStatus


async def _monitor(sessions: Sessions, clock: Clock, **spec: Any) -> int:
    async with sessions.begin() as session:
        channel = await create_channel(
            session=session, name="hook", config=parse_channel(WEBHOOK), secrets=BOX, now=clock()
        )
        created = await create_monitor(
            session=session, spec=http_spec(channels=[channel.id], **spec), now=clock()
        )
        return created.id


async def _gateway_and_service(sessions: Sessions, clock: Clock, **service: Any) -> tuple[int, int]:
    gateway = await _monitor(sessions, clock, name="gateway")
    return gateway, await _monitor(sessions, clock, name="service", depends_on=[gateway], **service)


async def _record(sessions: Sessions, *results: Any) -> None:
    async with sessions.begin() as session:
        await record_results(session=session, results=results, flap=FLAP)


async def _statuses(sessions: Sessions, *ids: int) -> list[str]:
    async with sessions() as session:
        return [(await session.get_one(MonitorRow, i)).status for i in ids]


async def _alerts(sessions: Sessions) -> list[tuple[int, str]]:
    """(monitor, event) of every delivery queued."""
    async with sessions() as session:
        rows = await session.execute(
            select(IncidentRow.monitor_id, DeliveryRow.event)
            .join(IncidentRow, IncidentRow.id == DeliveryRow.incident_id)
            .order_by(DeliveryRow.id)
        )
        return [(monitor_id, event) for monitor_id, event in rows]


async def test_a_failing_child_of_a_down_parent_shows_dependency_down_and_alerts_nothing(
    sessions: Sessions, clock: Clock
) -> None:
    gateway, service = await _gateway_and_service(sessions, clock)
    start = clock()
    await _record(sessions, check_result(gateway, start, Outcome.DOWN))
    await _record(sessions, check_result(service, start + timedelta(seconds=5), Outcome.DOWN))

    assert await _statuses(sessions, gateway, service) == [S.DOWN, S.DEPENDENCY_DOWN]
    assert await _alerts(sessions) == [(gateway, "down")]

    # The gateway recovers; the service's next result decides on its own.
    await _record(sessions, check_result(gateway, start + timedelta(minutes=1), Outcome.UP))
    await _record(
        sessions, check_result(service, start + timedelta(minutes=1, seconds=5), Outcome.DOWN)
    )

    assert await _statuses(sessions, gateway, service) == [S.UP, S.DOWN]
    assert await _alerts(sessions) == [(gateway, "down"), (gateway, "up"), (service, "down")]


async def test_a_child_that_recovers_behind_its_parent_announces_nothing(
    sessions: Sessions, clock: Clock
) -> None:
    gateway, service = await _gateway_and_service(sessions, clock)
    start = clock()
    await _record(sessions, check_result(gateway, start, Outcome.DOWN))
    await _record(sessions, check_result(service, start, Outcome.DOWN))
    await _record(sessions, check_result(service, start + timedelta(minutes=1), Outcome.UP))

    assert await _statuses(sessions, gateway, service) == [S.DOWN, S.UP]
    assert await _alerts(sessions) == [(gateway, "down")]


async def test_parent_and_child_failing_in_one_batch_alert_as_the_parent_alone(
    sessions: Sessions, clock: Clock
) -> None:
    gateway, service = await _gateway_and_service(sessions, clock)
    at = clock()
    # The child's check even ran a moment earlier than the parent's.
    await _record(
        sessions,
        check_result(service, at - timedelta(seconds=1), Outcome.DOWN),
        check_result(gateway, at, Outcome.DOWN),
    )

    assert await _statuses(sessions, gateway, service) == [S.DOWN, S.DEPENDENCY_DOWN]
    assert await _alerts(sessions) == [(gateway, "down")]


async def test_a_parent_still_within_its_retries_holds_its_children_back(
    sessions: Sessions, clock: Clock
) -> None:
    gateway = await _monitor(sessions, clock, name="gateway", retries=2)
    service = await _monitor(sessions, clock, name="service", depends_on=[gateway])
    start = clock()
    await _record(sessions, check_result(gateway, start, Outcome.UP))
    await _record(sessions, check_result(gateway, start + timedelta(minutes=1), Outcome.DOWN))
    await _record(sessions, check_result(service, start + timedelta(minutes=1), Outcome.DOWN))

    assert await _statuses(sessions, gateway, service) == [S.UP, S.DEPENDENCY_DOWN]
    assert await _alerts(sessions) == []


async def test_a_child_already_down_keeps_its_incident_when_the_parent_fails(
    sessions: Sessions, clock: Clock
) -> None:
    gateway, service = await _gateway_and_service(sessions, clock)
    start = clock()
    await _record(sessions, check_result(service, start, Outcome.DOWN))
    await _record(sessions, check_result(gateway, start + timedelta(minutes=1), Outcome.DOWN))
    await _record(sessions, check_result(service, start + timedelta(minutes=1), Outcome.DOWN))

    assert await _statuses(sessions, gateway, service) == [S.DOWN, S.DOWN]
    await _record(sessions, check_result(service, start + timedelta(minutes=2), Outcome.UP))
    async with sessions() as session:
        (incident,) = (
            await session.scalars(select(IncidentRow).where(IncidentRow.monitor_id == service))
        ).all()
    assert incident.resolved_at == start + timedelta(minutes=2)
    assert await _alerts(sessions) == [
        (service, "down"),
        (gateway, "down"),
        (service, "up"),
    ]


async def test_grandchildren_are_held_back_too(sessions: Sessions, clock: Clock) -> None:
    gateway, service = await _gateway_and_service(sessions, clock)
    worker = await _monitor(sessions, clock, name="worker", depends_on=[service])
    at = clock()
    await _record(
        sessions,
        check_result(worker, at, Outcome.DOWN),
        check_result(service, at, Outcome.DOWN),
        check_result(gateway, at, Outcome.DOWN),
    )

    assert await _statuses(sessions, gateway, service, worker) == [
        S.DOWN,
        S.DEPENDENCY_DOWN,
        S.DEPENDENCY_DOWN,
    ]
    assert await _alerts(sessions) == [(gateway, "down")]


@pytest.mark.parametrize(
    ("depends_on", "problem"),
    [
        ([99], ("depends_on[0]", "monitor 99 does not exist")),
        (["self"], ("depends_on[0]", "a monitor cannot depend on itself")),
        (
            ["worker"],
            ("depends_on[0]", "monitor 3 depends on this one, so this would make a cycle"),
        ),
    ],
)
async def test_unknown_parents_and_cycles_are_refused(
    sessions: Sessions, clock: Clock, depends_on: list[Any], problem: tuple[str, str]
) -> None:
    gateway, service = await _gateway_and_service(sessions, clock)
    worker = await _monitor(sessions, clock, name="worker", depends_on=[service])
    assert worker == 3
    named = {"self": gateway, "worker": worker}
    parents = [named.get(p, p) for p in depends_on]

    with pytest.raises(ValidationFailedError) as raised:
        async with sessions() as session:
            await ensure_valid_dependencies(session=session, monitor_id=gateway, depends_on=parents)

    assert raised.value.problems == [problem]


async def test_deleting_a_parent_takes_it_out_of_its_children(
    sessions: Sessions, clock: Clock
) -> None:
    gateway, service = await _gateway_and_service(sessions, clock)
    clock.advance(5)
    async with sessions.begin() as session:
        await delete_monitor(session=session, monitor_id=gateway, now=clock())
    async with sessions() as session:
        child = await get_monitor(session=session, monitor_id=service)
    assert child.depends_on == []
    assert child.updated_at == clock()  # its cached spec is parsed again


# The engine: scheduler → runner against real local targets → result sink ---------------------


@pytest.fixture
async def unavailable() -> AsyncIterator[str]:
    async def broken(_: web.Request) -> web.Response:
        return web.Response(status=502, text="bad gateway")

    app = web.Application()
    app.router.add_get("/{name}", broken)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_the_engine_holds_back_services_behind_a_failing_gateway(
    sessions: Sessions, clock: Clock, unavailable: str
) -> None:
    gateway = await _monitor(sessions, clock, name="gateway", url=f"{unavailable}/gateway")
    services = [
        await _monitor(
            sessions, clock, name=f"service {n}", url=f"{unavailable}/s{n}", depends_on=[gateway]
        )
        for n in range(3)
    ]
    context = ProbeContext()
    runner = Runner(context=context, max_in_flight=10, clock=clock)
    try:
        for _ in range(2):
            async with sessions.begin() as session:
                jobs = await claim_due(session=session, now=clock(), limit=100)
            results = await runner.run_batch(jobs)
            async with sessions.begin() as session:
                await record_results(session=session, results=results, flap=FLAP)
            clock.advance(60)
    finally:
        await context.aclose()

    assert await _statuses(sessions, gateway, *services) == [S.DOWN] + [S.DEPENDENCY_DOWN] * 3
    assert await _alerts(sessions) == [(gateway, "down")]
    async with sessions() as session:
        assert len((await session.scalars(select(DeliveryRow))).all()) == 1
