"""The delivery loop: send what the outbox holds, concurrently, without blocking the engine."""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from upwatch.domain.notifications import (
    Delivery,
    GroupedNotification,
    Links,
    Message,
    Notification,
)
from upwatch.notifiers.base import NotifyContext, SmtpOptions
from upwatch.notifiers.registry import send
from upwatch.notifiers.secrets import SecretBox
from upwatch.secret_key import secret_key_for
from upwatch.services.deliveries import (
    DueDelivery,
    claim_due,
    record_outcome,
    shared_channels,
    still_claimed,
)
from upwatch.services.followups import queue_follow_ups
from upwatch.services.incidents import acknowledge_signature
from upwatch.settings import Settings

log = structlog.get_logger(__name__)
BATCH = 100
SHARED_CHANNELS_TTL = 60.0


Dispatch = Callable[[list[DueDelivery]], Awaitable[object]]


class DeliveryLoop:
    """Claims what the outbox holds and sends it: here, or — given ``dispatch`` — through the
    broker's ``notify`` queue to whichever worker takes it (``deliver`` is the worker's half)."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        secrets: SecretBox,
        context: NotifyContext,
        clock: Callable[[], datetime],
        links: Callable[[Notification], Links] = lambda _: Links(),
        tick_seconds: float = 1.0,
        group_wait: timedelta = timedelta(0),
        dispatch: Dispatch | None = None,
    ) -> None:
        self._sessions = sessions
        self._secrets = secrets
        self._links = links
        self._context = context
        self._clock = clock
        self._tick = tick_seconds
        self._group_wait = group_wait
        self._dispatch = dispatch or self.deliver
        self._shared: tuple[float, set[int]] | None = None

    async def run_once(self) -> int:
        async with self._sessions.begin() as session:
            await queue_follow_ups(session=session, now=self._clock())
        async with self._sessions.begin() as session:
            due = await claim_due(
                session=session,
                now=self._clock(),
                limit=BATCH,
                group_wait=self._group_wait,
                shared_channels=await self._shared_channels(session),
            )
        if due:
            await self._dispatch(due)
        return len(due)

    async def _shared_channels(self, session: AsyncSession) -> set[int]:
        """Which channels may group, looked up again at most once per ``SHARED_CHANNELS_TTL``:
        it reads every monitor."""
        if not self._group_wait:
            return set()
        now = time.monotonic()
        if self._shared is None or now - self._shared[0] > SHARED_CHANNELS_TTL:
            self._shared = (now, await shared_channels(session=session))
        return self._shared[1]

    async def deliver(self, due: list[DueDelivery]) -> int:
        """Send claimed deliveries and record each outcome; returns how many were sent."""
        async with self._sessions() as session:
            mine = await still_claimed(session=session, due=due)
        due = [item for item in due if item.delivery_id in mine]
        # One slow or broken channel never holds up the others: each send is bounded alone.
        outcomes = await asyncio.gather(*(self._send(item) for item in due))
        async with self._sessions.begin() as session:
            for item, outcome in zip(due, outcomes, strict=True):
                await record_outcome(
                    session=session,
                    delivery_id=item.delivery_id,
                    outcome=outcome,
                    now=self._clock(),
                )
        return len(due)

    async def _send(self, item: DueDelivery) -> Delivery:
        try:
            channel = self._secrets.open(item.sealed_channel)
            message = with_links(item.message, self._links)
            async with asyncio.timeout(self._context.timeout_seconds + 5):
                return await send(channel, message, self._context)
        except Exception as exc:
            log.exception("delivery failed", delivery_id=item.delivery_id)
            return Delivery.failed(f"{type(exc).__name__}: {exc}", permanent=False, duration_ms=0.0)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Pass after pass until ``stop`` is set, checked between passes."""
        while not stop.is_set():
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("delivery pass failed; trying again")
                sent = 0
            if sent < BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._tick)

    async def aclose(self) -> None:
        await self._context.aclose()


def with_links(message: Message, links: Callable[[Notification], Links]) -> Message:
    if isinstance(message, GroupedNotification):
        inner = tuple(with_links(n, links) for n in message.notifications)
        return message.model_copy(update={"notifications": inner})
    return message.model_copy(update={"links": links(message)})


def notify_context_for(settings: Settings) -> NotifyContext:
    return NotifyContext(
        smtp=SmtpOptions(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            use_tls=settings.smtp_use_tls,
            from_address=settings.smtp_from,
        ),
        target_policy=settings.target_policy,
        sns_endpoint_url=settings.sns_endpoint_url,
    )


def delivery_loop_for(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    dispatch: Dispatch | None = None,
) -> DeliveryLoop:
    secret_key = secret_key_for(settings)
    base = settings.base_url

    def links(message: Notification) -> Links:
        monitor = f"{base}/api/v1/monitors/{message.monitor.id}"
        if message.incident is None:
            return Links(monitor=monitor)
        incident_id = message.incident.id
        signature = acknowledge_signature(secret_key, incident_id)
        return Links(acknowledge=f"{base}/ack/{incident_id}/{signature}", monitor=monitor)

    return DeliveryLoop(
        sessions=sessions,
        secrets=SecretBox(secret_key),
        context=notify_context_for(settings),
        clock=clock,
        links=links,
        group_wait=timedelta(seconds=settings.alert_group_wait_seconds),
        dispatch=dispatch,
    )
