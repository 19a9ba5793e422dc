"""Recording what became of a batch of sent deliveries."""

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import check_result, http_spec
from upwatch.domain.notifications import Delivery
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.notifiers.registry import parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.services.channels import create_channel
from upwatch.services.deliveries import claim_due, record_outcomes
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results
from upwatch.store.tables import ChannelRow, DeliveryRow

BOX = SecretBox("test-secret-key")


async def _outage(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, channels: int, monitors: int
) -> None:
    async with sessions.begin() as session:
        ids = []
        for n in range(channels):
            config = parse_channel(
                {"kind": "webhook", "url": f"http://127.0.0.1:9/{n}", "secret": "s" * 16}
            )
            channel = await create_channel(
                session=session, name=f"hook {n}", config=config, secrets=BOX, now=clock()
            )
            ids.append(channel.id)
        for n in range(monitors):
            spec = http_spec(name=f"web {n}", channels=ids, retries=0)
            monitor = await create_monitor(session=session, spec=spec, now=clock())
            await record_results(
                session=session,
                results=[check_result(monitor.id, clock(), Outcome.DOWN, error="refused")],
                flap=FlapPolicy(),
            )


async def test_outcomes_of_a_batch_are_recorded_and_a_deleted_delivery_is_skipped(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _outage(sessions, clock, channels=3, monitors=1)
    async with sessions.begin() as session:
        due = await claim_due(session=session, now=clock(), limit=10)
    async with sessions.begin() as session:
        await session.execute(delete(ChannelRow).where(ChannelRow.id == 1))

    ok = Delivery.delivered(status_code=200, duration_ms=1.0)
    broken = Delivery.failed("HTTP 500", permanent=False, status_code=500, duration_ms=1.0)
    async with sessions.begin() as session:
        await record_outcomes(
            session=session,
            outcomes=[(d.delivery_id, ok if d.channel_id != 3 else broken) for d in due],
            now=clock(),
        )

    async with sessions() as session:
        rows = (await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))).all()
        failing = await session.get_one(ChannelRow, 3)
    assert [(r.channel_id, r.status, r.status_code) for r in rows] == [
        (2, "sent", 200),
        (3, "pending", 500),
    ]
    assert rows[1].next_attempt_at >= clock() + timedelta(seconds=10)
    assert (failing.consecutive_failures, failing.last_error) == (1, "HTTP 500")


async def test_the_deliveries_inside_a_grouped_message_end_as_it_did(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _outage(sessions, clock, channels=1, monitors=3)
    async with sessions.begin() as session:
        (leader,) = await claim_due(session=session, now=clock(), limit=10)
    async with sessions.begin() as session:
        permanent = Delivery.failed("HTTP 404", permanent=True, status_code=404, duration_ms=1.0)
        await record_outcomes(
            session=session, outcomes=[(leader.delivery_id, permanent)], now=clock()
        )

    async with sessions() as session:
        rows = (await session.scalars(select(DeliveryRow))).all()
    assert [(r.status, r.attempts, r.status_code) for r in rows] == [("failed", 1, 404)] * 3
    assert sum(r.grouped_into == leader.delivery_id for r in rows) == 2
