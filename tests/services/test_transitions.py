"""Many outcomes applied at once: incidents and alerts as if applied one by one."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import http_spec
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import MonitorStatus, Outcome
from upwatch.notifiers.registry import parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.services.channels import create_channel
from upwatch.services.monitors import create_monitor
from upwatch.services.transitions import Change, apply_to_monitors
from upwatch.store.tables import DeliveryRow, IncidentRow, MonitorRow

BOX = SecretBox("test-secret-key")


async def test_an_outage_and_its_recovery_in_one_batch_alert_down_then_up(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    async with sessions.begin() as session:
        hook = {"kind": "webhook", "url": "http://127.0.0.1:9/", "secret": "s" * 16}
        config = parse_channel(hook)
        channel = await create_channel(
            session=session, name="hook", config=config, secrets=BOX, now=clock()
        )
        ids = [
            (await create_monitor(session=session, spec=spec, now=clock())).id
            for spec in (
                http_spec(name="a", channels=[channel.id], retries=0),
                http_spec(name="b", channels=[channel.id], retries=0),
            )
        ]
    down_at, up_at = clock(), clock() + timedelta(minutes=1)

    async with sessions.begin() as session:
        a, b = [await session.get_one(MonitorRow, monitor_id) for monitor_id in ids]
        events = await apply_to_monitors(
            session=session,
            changes=[
                Change(a, Outcome.DOWN, down_at, {"error": "refused"}, retries=0),
                Change(b, Outcome.DOWN, down_at, {"error": "refused"}, retries=0),
                Change(a, Outcome.UP, up_at, {}, retries=0),
            ],
            flap=FlapPolicy(),
        )

    assert [(e.monitor_id, e.transition.current) for e in events] == [
        (ids[0], MonitorStatus.DOWN),
        (ids[1], MonitorStatus.DOWN),
        (ids[0], MonitorStatus.UP),
    ]
    async with sessions() as session:
        incidents = (await session.scalars(select(IncidentRow).order_by(IncidentRow.id))).all()
        deliveries = (await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))).all()
    assert [(i.monitor_id, i.resolved_at) for i in incidents] == [(ids[0], up_at), (ids[1], None)]
    assert [(d.incident_id, d.event) for d in deliveries] == [
        (incidents[0].id, "down"),
        (incidents[1].id, "down"),
        (incidents[0].id, "up"),
    ]
