"""The delivery loop against a real HTTP receiver, on both databases."""

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import check_result, http_spec
from tests.receivers import Receiver
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.engine.notify import DeliveryLoop
from upwatch.notifiers.base import NotifyContext
from upwatch.notifiers.registry import parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.notifiers.webhook_signature import verify_signature
from upwatch.services.channels import create_channel
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results
from upwatch.store.tables import ChannelRow, DeliveryRow

BOX = SecretBox("test-secret-key")
SECRET = "a-webhook-secret-of-some-length"


async def _incident_for(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *urls: str
) -> None:
    async with sessions.begin() as session:
        ids = []
        for n, url in enumerate(urls):
            config = parse_channel({"kind": "webhook", "url": url, "secret": SECRET})
            channel = await create_channel(
                session=session, name=f"hook {n}", config=config, secrets=BOX, now=clock()
            )
            ids.append(channel.id)
        monitor = await create_monitor(session=session, spec=http_spec(channels=ids), now=clock())
        await record_results(
            session=session,
            results=[check_result(monitor.id, clock(), Outcome.DOWN, error="refused")],
            flap=FlapPolicy(),
        )


def _loop(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> DeliveryLoop:
    return DeliveryLoop(
        sessions=sessions,
        secrets=BOX,
        context=NotifyContext(timeout_seconds=0.5, now=clock),
        clock=clock,
    )


async def test_a_down_event_is_delivered_signed_once(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, receiver: Receiver
) -> None:
    await _incident_for(sessions, clock, receiver.url("/hook"))
    loop = _loop(sessions, clock)
    try:
        assert await loop.run_once() == 1
        assert await loop.run_once() == 0
    finally:
        await loop.aclose()

    (request,) = receiver.requests
    body = json.loads(request.body)
    assert (body["event"], body["monitor"]["name"]) == ("down", "web")
    assert verify_signature(
        SECRET,
        request.headers["X-Upwatch-Timestamp"],
        request.body,
        request.headers["X-Upwatch-Signature"],
        now=clock().timestamp(),
    )
    async with sessions() as session:
        delivery = await session.get_one(DeliveryRow, 1)
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("sent", 1, 200)


@pytest.mark.parametrize(
    ("path", "status", "retried"),
    [
        ("/status/500", "pending", True),
        ("/status/404", "failed", False),
        ("/hang", "pending", True),
    ],
)
async def test_failures_are_logged_retried_with_backoff_or_given_up(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    receiver: Receiver,
    path: str,
    status: str,
    retried: bool,
) -> None:
    await _incident_for(sessions, clock, receiver.url(path), receiver.url("/fine"))
    loop = _loop(sessions, clock)
    try:
        assert await loop.run_once() == 2
    finally:
        await loop.aclose()

    async with sessions() as session:
        broken = await session.get_one(DeliveryRow, 1)
        fine = await session.get_one(DeliveryRow, 2)
        channel = await session.get_one(ChannelRow, 1)
    assert fine.status == "sent"  # a broken channel never holds up another
    assert (broken.status, broken.attempts) == (status, 1)
    assert broken.last_error
    if retried:
        assert broken.next_attempt_at >= clock() + timedelta(seconds=10)
    assert channel.consecutive_failures == 1


async def test_twenty_monitors_down_in_one_minute_make_one_message_per_channel(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, receiver: Receiver
) -> None:
    async with sessions.begin() as session:
        ids = []
        for path in ("/a", "/b"):
            config = parse_channel({"kind": "webhook", "url": receiver.url(path), "secret": SECRET})
            channel = await create_channel(
                session=session, name=path, config=config, secrets=BOX, now=clock()
            )
            ids.append(channel.id)
        monitors = [
            await create_monitor(
                session=session, spec=http_spec(name=f"service-{n}", channels=ids), now=clock()
            )
            for n in range(20)
        ]
    start = clock()
    for n, monitor in enumerate(monitors):  # spread over the minute, as check phases are
        async with sessions.begin() as session:
            at = start + timedelta(seconds=3 * n)
            result = check_result(monitor.id, at, Outcome.DOWN, error="gateway down")
            await record_results(session=session, results=[result], flap=FlapPolicy())
    loop = DeliveryLoop(
        sessions=sessions,
        secrets=BOX,
        context=NotifyContext(timeout_seconds=2, now=clock),
        clock=clock,
        group_wait=timedelta(seconds=60),
    )
    try:
        clock.now = start + timedelta(seconds=59)
        assert await loop.run_once() == 0  # the first is still waiting for company
        clock.now = start + timedelta(seconds=60)
        assert await loop.run_once() == 2
        assert await loop.run_once() == 0
    finally:
        await loop.aclose()

    assert sorted(r.path for r in receiver.requests) == ["/a", "/b"]
    for request in receiver.requests:
        body = json.loads(request.body)
        assert (body["type"], body["event"], body["title"]) == (
            "group",
            "down",
            "20 monitors are down",
        )
        assert len({n["monitor"]["name"] for n in body["notifications"]}) == 20
        assert all(n["links"]["acknowledge"] is None for n in body["notifications"])
    async with sessions() as session:
        rows = (await session.scalars(select(DeliveryRow))).all()
    assert {r.status for r in rows} == {"sent"}
    assert sum(r.grouped_into is None for r in rows) == 2


async def test_the_loop_sends_reminders_while_down(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, receiver: Receiver
) -> None:
    async with sessions.begin() as session:
        config = parse_channel({"kind": "webhook", "url": receiver.url("/hook"), "secret": SECRET})
        channel = await create_channel(
            session=session, name="h", config=config, secrets=BOX, now=clock()
        )
        spec = http_spec(channels=[channel.id], alerts={"renotify_minutes": 30})
        monitor = await create_monitor(session=session, spec=spec, now=clock())
        result = check_result(monitor.id, clock(), Outcome.DOWN, error="refused")
        await record_results(session=session, results=[result], flap=FlapPolicy())
    loop = _loop(sessions, clock)
    try:
        assert await loop.run_once() == 1
        clock.advance(29 * 60)
        assert await loop.run_once() == 0
        clock.advance(60)
        assert await loop.run_once() == 1
    finally:
        await loop.aclose()

    events = [json.loads(r.body)["event"] for r in receiver.requests]
    assert events == ["down", "reminder"]
    assert json.loads(receiver.requests[1].body)["title"] == "web is still down"


async def test_a_channel_only_one_monitor_alerts_does_not_wait_for_company(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, receiver: Receiver
) -> None:
    await _incident_for(sessions, clock, receiver.url("/own"))
    loop = DeliveryLoop(
        sessions=sessions,
        secrets=BOX,
        context=NotifyContext(timeout_seconds=2, now=clock),
        clock=clock,
        group_wait=timedelta(seconds=60),
    )
    try:
        assert await loop.run_once() == 1
    finally:
        await loop.aclose()
    assert json.loads(receiver.requests[0].body)["type"] == "notification"


async def _until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` (bounded, so that a broken loop fails instead of hanging)."""
    for _ in range(600):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


async def test_a_batch_still_sending_does_not_hold_up_the_next(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, receiver: Receiver
) -> None:
    await _incident_for(sessions, clock, receiver.url("/hang"))
    loop = DeliveryLoop(
        sessions=sessions,
        secrets=BOX,
        context=NotifyContext(timeout_seconds=60, now=clock),
        clock=clock,
        tick_seconds=0.1,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(loop.run_forever(stop))
    try:
        await _until(lambda: [r.path for r in receiver.requests] == ["/hang"])
        await _incident_for(sessions, clock, receiver.url("/fine"))
        loop.wake()
        await _until(lambda: len(receiver.requests) == 2)
        async with sessions() as session:
            hanging = await session.get_one(DeliveryRow, 1)
        assert (hanging.status, hanging.attempts, hanging.status_code) == ("pending", 1, None)
        receiver.release.set()
    finally:
        receiver.release.set()
        stop.set()
        await running
        await loop.aclose()

    assert [r.path for r in receiver.requests] == ["/hang", "/fine"]
    async with sessions() as session:
        rows = (await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))).all()
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1), ("sent", 1)]
