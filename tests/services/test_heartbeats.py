"""Overdue heartbeats swept in bulk: one incident and one alert each, once."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import heartbeat_spec
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import MonitorStatus, PingKind
from upwatch.engine.specs import SpecCache
from upwatch.notifiers.registry import parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.services.channels import create_channel
from upwatch.services.heartbeats import mark_overdue
from upwatch.services.monitors import create_monitor
from upwatch.services.pings import Ping, new_intake_id, record_pings
from upwatch.services.transitions import MonitorEvent
from upwatch.store.tables import DeliveryRow, IncidentRow, MonitorRow

FLAP = FlapPolicy()
BOX = SecretBox("test-secret-key")
COUNT = 30


async def _heartbeats_with_own_channels(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> dict[int, int]:
    """``COUNT`` heartbeats, each alerting a webhook of its own, pinged once; monitor → channel."""
    channel_of = {}
    async with sessions.begin() as session:
        for n in range(COUNT):
            config = parse_channel(
                {"kind": "webhook", "url": f"http://127.0.0.1:9/{n}", "secret": "s" * 16}
            )
            channel = await create_channel(
                session=session, name=f"hook {n}", config=config, secrets=BOX, now=clock()
            )
            spec = heartbeat_spec(name=f"job {n}", period=300, grace=60, channels=[channel.id])
            monitor = await create_monitor(session=session, spec=spec, now=clock())
            channel_of[monitor.id] = channel.id
    pings = [
        Ping(
            intake_id=new_intake_id(),
            token="t",
            monitor_id=monitor_id,
            received_at=clock(),
            kind=PingKind.SUCCESS,
            method="POST",
        )
        for monitor_id in channel_of
    ]
    async with sessions.begin() as session:
        await record_pings(session=session, pings=pings, flap=FLAP, specs=SpecCache())
    return channel_of


async def test_heartbeats_missing_one_deadline_together_each_alert_their_own_channel_once(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    channel_of = await _heartbeats_with_own_channels(sessions, clock)
    clock.advance(361)

    async with sessions.begin() as session:
        events = await mark_overdue(session=session, now=clock(), flap=FLAP)
    async with sessions.begin() as session:
        assert await mark_overdue(session=session, now=clock(), flap=FLAP) == []

    assert sorted(e.monitor_id for e in events) == sorted(channel_of)
    async with sessions() as session:
        monitors = (await session.scalars(select(MonitorRow))).all()
        incidents = {i.id: i for i in await session.scalars(select(IncidentRow))}
        deliveries = (await session.scalars(select(DeliveryRow))).all()
    assert {m.status for m in monitors} == {MonitorStatus.DOWN}
    assert all(m.deadline_at is None for m in monitors)
    assert sorted(i.monitor_id for i in incidents.values()) == sorted(channel_of)
    assert {e.incident_id for e in events} == set(incidents)
    assert len(deliveries) == COUNT
    for delivery in deliveries:
        monitor_id = incidents[delivery.incident_id or 0].monitor_id
        assert delivery.channel_id == channel_of[monitor_id]
        assert delivery.event == "heartbeat_late"
        assert delivery.message["monitor"]["id"] == monitor_id
        assert delivery.message["incident"]["id"] == delivery.incident_id


async def test_a_sweep_limited_below_the_overdue_count_leaves_the_rest_for_the_next(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _heartbeats_with_own_channels(sessions, clock)
    clock.advance(361)

    async with sessions.begin() as session:
        first = await mark_overdue(session=session, now=clock(), flap=FLAP, limit=COUNT - 5)
    async with sessions.begin() as session:
        rest = await mark_overdue(session=session, now=clock(), flap=FLAP, limit=COUNT)

    assert (len(first), len(rest)) == (COUNT - 5, 5)
    async with sessions() as session:
        assert len((await session.scalars(select(DeliveryRow))).all()) == COUNT


class _CountingSpecs(SpecCache):
    """A spec cache that counts the monitors it had to parse."""

    def __init__(self) -> None:
        super().__init__()
        self.parsed = 0

    def _parse(self, rows: Sequence[MonitorRow]) -> None:
        self.parsed += len(rows)
        super()._parse(rows)


async def test_failing_pings_to_cached_heartbeats_alert_each_its_own_channel(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    """With every spec cached, the rows are locked with their state only: what announcing the
    incidents reads (kind, channels, alert settings) is loaded for the changed monitors."""
    channel_of = await _heartbeats_with_own_channels(sessions, clock)
    specs = _CountingSpecs()

    async def ping_all(kind: PingKind) -> list[MonitorEvent]:
        clock.advance(10)
        pings = [
            Ping(new_intake_id(), "t", monitor_id, clock(), kind, "POST")
            for monitor_id in channel_of
        ]
        async with sessions.begin() as session:
            return await record_pings(session=session, pings=pings, flap=FLAP, specs=specs)

    await ping_all(PingKind.SUCCESS)
    events = await ping_all(PingKind.FAIL)

    assert specs.parsed == COUNT  # the first batch's, none since
    async with sessions() as session:
        incidents = {i.id: i for i in await session.scalars(select(IncidentRow))}
        deliveries = (await session.scalars(select(DeliveryRow))).all()
    assert sorted(e.monitor_id for e in events) == sorted(channel_of)
    assert sorted(i.monitor_id for i in incidents.values()) == sorted(channel_of)
    assert len(deliveries) == COUNT
    for delivery in deliveries:
        monitor_id = incidents[delivery.incident_id or 0].monitor_id
        assert delivery.channel_id == channel_of[monitor_id]
        assert delivery.message["monitor"]["id"] == monitor_id
        assert delivery.message["monitor"]["kind"] == "heartbeat"
