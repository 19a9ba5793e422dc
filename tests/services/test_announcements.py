"""Many monitors' changes announced at once: each to the channels its own policy names."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import check_result, http_spec
from upwatch.domain.policies import TagPolicy
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.notifiers.registry import parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.services.alert_policies import put_policy
from upwatch.services.channels import create_channel
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results
from upwatch.store.tables import DeliveryRow

BOX = SecretBox("test-secret-key")
WEBHOOK = {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}


async def test_one_batch_announces_each_monitor_to_its_own_channels(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    async with sessions.begin() as session:
        for name in ("own", "team"):
            await create_channel(
                session=session, name=name, config=parse_channel(WEBHOOK), secrets=BOX, now=clock()
            )
        await put_policy(session=session, policy=TagPolicy(tag="team", channels=[2]), now=clock())
        specs = [
            http_spec(name="own", channels=[1], alerts={"events": ["degraded", "down", "up"]}),
            http_spec(name="tagged", tags=["team"]),
            http_spec(name="both", channels=[1], tags=["team"]),
            http_spec(name="silent"),
        ]
        own, tagged, both, silent = [
            (await create_monitor(session=session, spec=spec, now=clock())).id for spec in specs
        ]
    start = clock()

    async def record(minute: int, outcomes: dict[int, Outcome]) -> None:
        at = start + timedelta(minutes=minute)
        async with sessions.begin() as session:
            await record_results(
                session=session,
                results=[check_result(m, at, outcome) for m, outcome in outcomes.items()],
                flap=FlapPolicy(),
            )

    await record(0, dict.fromkeys((own, tagged, both, silent), Outcome.UP))
    await record(1, {own: Outcome.DEGRADED, tagged: Outcome.DOWN, both: Outcome.DOWN})
    await record(2, {tagged: Outcome.UP, both: Outcome.UP, silent: Outcome.DOWN})
    await record(3, {silent: Outcome.UP})

    async with sessions() as session:
        deliveries = await session.execute(
            select(DeliveryRow.event, DeliveryRow.channel_id, DeliveryRow.message).order_by(
                DeliveryRow.id
            )
        )
        told = sorted((m["monitor"]["name"], event, channel) for event, channel, m in deliveries)
    # A monitor's own channels come before its tags'; "silent" has none at all.
    assert told == [
        ("both", "down", 1),
        ("both", "up", 1),
        ("own", "degraded", 1),
        ("tagged", "down", 2),
        ("tagged", "up", 2),
    ]
