"""Which channels hear about which events: policies, flapping, reminders and escalation."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import check_result, heartbeat_spec, http_spec
from upwatch.domain.policies import AlertSettings, TagPolicy
from upwatch.domain.results import CheckResult
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.notifiers.registry import parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.services.alert_policies import put_policy
from upwatch.services.channels import create_channel
from upwatch.services.followups import queue_follow_ups
from upwatch.services.heartbeats import mark_overdue
from upwatch.services.incidents import acknowledge
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results
from upwatch.store.tables import DeliveryRow

BOX = SecretBox("test-secret-key")
WEBHOOK = {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}


async def _channels(sessions: async_sessionmaker[AsyncSession], clock: Clock, count: int) -> None:
    async with sessions.begin() as session:
        for n in range(count):
            config = parse_channel(WEBHOOK)
            await create_channel(
                session=session, name=f"c{n}", config=config, secrets=BOX, now=clock()
            )


async def _monitor(sessions: async_sessionmaker[AsyncSession], clock: Clock, **spec: Any) -> int:
    async with sessions.begin() as session:
        return (await create_monitor(session=session, spec=http_spec(**spec), now=clock())).id


async def _record(
    sessions: async_sessionmaker[AsyncSession],
    *results: CheckResult,
    flap: FlapPolicy | None = None,
) -> None:
    async with sessions.begin() as session:
        await record_results(session=session, results=results, flap=flap or FlapPolicy())


async def _outbox(
    sessions: async_sessionmaker[AsyncSession],
) -> list[tuple[int | None, str, int, str]]:
    async with sessions() as session:
        rows = await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))
        return [(d.incident_id, d.event, d.channel_id, d.status) for d in rows]


async def test_events_left_out_of_the_policy_are_not_announced_nor_their_recovery(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _channels(sessions, clock, 1)
    quiet = await _monitor(sessions, clock, channels=[1], alerts={"events": ["flapping"]})
    await _record(sessions, check_result(quiet, clock(), Outcome.DOWN))
    await _record(sessions, check_result(quiet, clock.advance(60), Outcome.UP))

    assert await _outbox(sessions) == []


async def test_a_monitor_without_channels_alerts_the_channels_of_its_tags_policies(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _channels(sessions, clock, 3)
    async with sessions.begin() as session:
        await put_policy(
            session=session, policy=TagPolicy(tag="prod", channels=[2, 3]), now=clock()
        )
        await put_policy(
            session=session,
            policy=TagPolicy(tag="web", channels=[3], settings=AlertSettings(events=["up"])),
            now=clock(),
        )
    tagged = await _monitor(sessions, clock, tags=["prod"])
    both = await _monitor(sessions, clock, name="other", tags=["prod", "web"])
    await _record(
        sessions,
        check_result(tagged, clock(), Outcome.DOWN),
        check_result(both, clock(), Outcome.DOWN),
    )

    assert await _outbox(sessions) == [
        (1, "down", 2, "pending"),
        (1, "down", 3, "pending"),
        # "other" also carries "web", the only tag that chooses events, and it wants only "up".
    ]


async def test_a_late_heartbeat_is_announced_as_such(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _channels(sessions, clock, 1)
    async with sessions.begin() as session:
        monitor = await create_monitor(
            session=session, spec=heartbeat_spec(channels=[1]), now=clock()
        )
        monitor.deadline_at = clock()
    async with sessions.begin() as session:
        await mark_overdue(session=session, now=clock.advance(1), flap=FlapPolicy())

    assert await _outbox(sessions) == [(1, "heartbeat_late", 1, "pending")]


async def test_a_flapping_monitor_alerts_once_then_again_when_it_settles_down(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _channels(sessions, clock, 1)
    monitor = await _monitor(sessions, clock, channels=[1])
    flap = FlapPolicy(threshold=4, window=timedelta(minutes=10))
    start = clock()
    for minute, outcome in enumerate([Outcome.DOWN, Outcome.UP] * 3 + [Outcome.DOWN]):
        at = start + timedelta(minutes=minute)
        await _record(sessions, check_result(monitor, at, outcome), flap=flap)
    assert await _outbox(sessions) == [
        (1, "down", 1, "pending"),
        (1, "up", 1, "pending"),
        (2, "down", 1, "pending"),
        (2, "flapping", 1, "pending"),  # flapping starts as incident 2 resolves: said once
    ]

    # Still down once the window has emptied: flapping ends and the open incident is announced.
    await _record(
        sessions, check_result(monitor, start + timedelta(minutes=14), Outcome.DOWN), flap=flap
    )
    await _record(
        sessions, check_result(monitor, start + timedelta(minutes=15), Outcome.UP), flap=flap
    )
    assert (await _outbox(sessions))[4:] == [(4, "down", 1, "pending"), (4, "up", 1, "pending")]


async def test_reminders_and_escalation_come_at_their_times_until_acknowledged(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _channels(sessions, clock, 2)
    alerts = {"renotify_minutes": 10, "escalation": [{"after_minutes": 15, "channels": [2]}]}
    monitor = await _monitor(sessions, clock, channels=[1], alerts=alerts)
    opened = clock()
    await _record(sessions, check_result(monitor, opened, Outcome.DOWN))

    async def follow_ups_at(minutes: int) -> int:
        async with sessions.begin() as session:
            return await queue_follow_ups(session=session, now=opened + timedelta(minutes=minutes))

    assert await follow_ups_at(9) == 0
    assert await follow_ups_at(10) == 1
    assert await follow_ups_at(12) == 0  # the same reminder is not queued twice
    assert await follow_ups_at(15) == 1
    assert await follow_ups_at(16) == 0
    assert [row[1:3] for row in await _outbox(sessions)] == [
        ("down", 1),
        ("reminder", 1),
        ("escalation", 2),
    ]

    async with sessions.begin() as session:
        await queue_follow_ups(session=session, now=opened + timedelta(minutes=20))
        await acknowledge(
            session=session, incident_id=1, by="alice", now=opened + timedelta(minutes=20)
        )
    assert (await _outbox(sessions))[-1] == (1, "reminder", 1, "cancelled")
    assert await follow_ups_at(60) == 0

    # The recovery reaches everyone who was told: the escalation channel too.
    await _record(sessions, check_result(monitor, opened + timedelta(minutes=61), Outcome.UP))
    assert [row[1:3] for row in (await _outbox(sessions))[-2:]] == [("up", 1), ("up", 2)]


async def test_degraded_is_announced_only_when_chosen_and_carries_its_check(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _channels(sessions, clock, 1)
    chosen = await _monitor(sessions, clock, channels=[1], alerts={"events": ["degraded", "down"]})
    default = await _monitor(sessions, clock, name="default", channels=[1])
    for monitor in (chosen, default):
        await _record(sessions, check_result(monitor, clock(), Outcome.UP))
        slow = check_result(monitor, clock.advance(60), Outcome.DEGRADED, error="slow: 900 ms")
        await _record(sessions, slow)

    assert await _outbox(sessions) == [(None, "degraded", 1, "pending")]
    async with sessions() as session:
        message = (await session.scalars(select(DeliveryRow))).one().message
    assert message["incident"] is None
    assert message["check"]["error"] == "slow: 900 ms"
