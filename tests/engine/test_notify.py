"""The delivery loop against a real HTTP receiver, on both databases."""

import json
from datetime import timedelta

import pytest
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
