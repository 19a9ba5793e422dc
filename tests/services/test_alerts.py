from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import check_result, http_spec
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.notifiers.registry import parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.services.alerts import next_attempt
from upwatch.services.channels import create_channel
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results
from upwatch.store.tables import DeliveryRow

BOX = SecretBox("test-secret-key")
WEBHOOK = {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}


async def _setup(sessions: async_sessionmaker[AsyncSession], clock: Clock, channels: int) -> int:
    async with sessions.begin() as session:
        ids = [
            (
                await create_channel(
                    session=session,
                    name=f"c{n}",
                    config=parse_channel(WEBHOOK),
                    secrets=BOX,
                    now=clock(),
                )
            ).id
            for n in range(channels)
        ]
        return (await create_monitor(session=session, spec=http_spec(channels=ids), now=clock())).id


async def _record(sessions: async_sessionmaker[AsyncSession], *results: object) -> None:
    async with sessions.begin() as session:
        await record_results(session=session, results=results, flap=FlapPolicy())  # type: ignore[arg-type]


async def _outbox(sessions: async_sessionmaker[AsyncSession]) -> list[DeliveryRow]:
    async with sessions() as session:
        return list((await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))).all())


async def test_each_incident_event_reaches_each_channel_once_even_when_redelivered(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _setup(sessions, clock, channels=2)
    down = check_result(monitor_id, clock(), Outcome.DOWN, error="refused")
    await _record(sessions, down)
    await _record(sessions, down)  # the same batch delivered again

    outbox = await _outbox(sessions)
    assert [(d.event, d.channel_id, d.status) for d in outbox] == [
        ("down", 1, "pending"),
        ("down", 2, "pending"),
    ]
    assert outbox[0].message["monitor"]["target"] == "http://127.0.0.1:9/"
    assert outbox[0].message["incident"]["cause"]["error"] == "refused"

    up = check_result(monitor_id, clock() + timedelta(minutes=3), Outcome.UP)
    await _record(sessions, up)
    await _record(sessions, up)
    recovered = [d for d in await _outbox(sessions) if d.event == "up"]
    assert len(recovered) == 2
    assert recovered[0].message["downtime_seconds"] == 180.0
    assert len({d.idempotency_key for d in await _outbox(sessions)}) == 4


async def test_monitors_without_channels_queue_nothing(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    monitor_id = await _setup(sessions, clock, channels=0)
    await _record(sessions, check_result(monitor_id, clock(), Outcome.DOWN))
    assert await _outbox(sessions) == []


def test_retries_back_off_with_jitter_and_stop() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    delays = [next_attempt(n, start, 0.0) for n in range(1, 8)]
    seconds = [(d - start).total_seconds() for d in delays if d is not None]
    assert seconds == [10, 30, 60, 300, 900, 1800]
    assert delays[-1] is None
    jittered = next_attempt(1, start, 0.99)
    assert jittered is not None
    assert 10 < (jittered - start).total_seconds() < 12.5
