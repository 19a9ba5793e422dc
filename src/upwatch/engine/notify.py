"""The delivery loop: send what the outbox holds, concurrently, without blocking the engine."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection
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
    record_outcomes,
    shared_channels,
    still_claimed,
)
from upwatch.services.followups import queue_follow_ups
from upwatch.services.incidents import acknowledge_signature
from upwatch.settings import Settings

log = structlog.get_logger(__name__)
BATCH = 100
SHARED_CHANNELS_TTL = 60.0
# aiohttp's default connection limit per session: more sends at once would only queue there,
# inside their timeouts.
SENDS_AT_ONCE = 100
# Claimed but not yet sent, at most: each waits for a free send slot, well within its lease.
CLAIMED_AHEAD = 2 * SENDS_AT_ONCE
# Reminders and escalations are due by the minute; looking for them on every pass would read
# every open incident several times a second during a mass outage.
FOLLOW_UP_EVERY = timedelta(seconds=5)


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
        self._follow_ups_checked: datetime | None = None
        self._wake = asyncio.Event()
        self._send_slots = asyncio.Semaphore(SENDS_AT_ONCE)

    def wake(self) -> None:
        """Claim now rather than at the next tick, e.g. right after alerts were queued."""
        self._wake.set()

    async def run_once(self) -> int:
        """One claim of up to ``BATCH`` due deliveries, dispatched; returns how many."""
        due = await self._claim(BATCH)
        if due:
            await self._dispatch(due)
        return len(due)

    async def _claim(self, limit: int) -> list[DueDelivery]:
        now = self._clock()
        checked = self._follow_ups_checked
        if checked is None or not timedelta(0) <= now - checked < FOLLOW_UP_EVERY:
            async with self._sessions.begin() as session:
                await queue_follow_ups(session=session, now=now)
            self._follow_ups_checked = now
        async with self._sessions.begin() as session:
            return await claim_due(
                session=session,
                now=self._clock(),
                limit=limit,
                group_wait=self._group_wait,
                shared_channels=await self._shared_channels(session),
            )

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
            await record_outcomes(
                session=session,
                outcomes=[(item.delivery_id, o) for item, o in zip(due, outcomes, strict=True)],
                now=self._clock(),
            )
        return len(due)

    async def _send(self, item: DueDelivery) -> Delivery:
        async with self._send_slots:
            try:
                channel = self._secrets.open(item.sealed_channel)
                message = with_links(item.message, self._links)
                async with asyncio.timeout(self._context.timeout_seconds + 5):
                    return await send(channel, message, self._context)
            except Exception as exc:
                log.exception("delivery failed", delivery_id=item.delivery_id)
                error = f"{type(exc).__name__}: {exc}"
                return Delivery.failed(error, permanent=False, duration_ms=0.0)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Claim and dispatch until ``stop`` is set, without waiting for earlier batches: up to
        ``CLAIMED_AHEAD`` deliveries are on their way at once, so a batch with a slow channel
        never holds up the next. Batches under way when ``stop`` is set are let finish."""
        batches: dict[asyncio.Task[None], int] = {}
        while not stop.is_set():
            self._wake.clear()
            room = CLAIMED_AHEAD - sum(batches.values())
            claimed = 0
            if room > 0:
                try:
                    due = await self._claim(min(BATCH, room))
                except Exception:
                    log.exception("delivery pass failed; trying again")
                    due = []
                claimed = len(due)
                if due:
                    batch = asyncio.create_task(self._dispatch_logged(due), name="delivery-batch")
                    batches[batch] = len(due)
                    batch.add_done_callback(batches.pop)
                if claimed == BATCH and claimed < room:
                    continue  # more may be due, and there is room for them
            # At capacity: until a batch finishes; otherwise until the tick or a wake-up.
            full = room <= 0 or claimed == room
            await _first_of(self._tick, stop, self._wake, tasks=list(batches) if full else ())
        if batches:
            await asyncio.wait(list(batches))

    async def _dispatch_logged(self, due: list[DueDelivery]) -> None:
        try:
            await self._dispatch(due)
        except Exception:
            log.exception(
                "delivery batch failed; its claims expire and are retried", count=len(due)
            )

    async def aclose(self) -> None:
        await self._context.aclose()


async def _first_of(
    seconds: float, *events: asyncio.Event, tasks: Collection[asyncio.Task[None]] = ()
) -> None:
    """Wait ``seconds`` or until one of ``events`` is set or one of ``tasks`` ends."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait([*waiters, *tasks], timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


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
