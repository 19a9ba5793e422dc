"""The fleet's scheduler role: any number may run, one leads, the others stand by."""

import asyncio
import contextlib

import structlog

from upwatch.engine.broker import BrokerPublisher
from upwatch.engine.embedded import report_events, utc_now
from upwatch.engine.leader import Leadership
from upwatch.engine.maintenance import MaintenanceLoop
from upwatch.engine.notify import delivery_loop_for
from upwatch.engine.scheduler import Scheduler
from upwatch.metrics import SCHEDULER_LEADER
from upwatch.settings import Settings
from upwatch.store.database import create_engine, session_factory
from upwatch.worker.celery_app import create_celery

log = structlog.get_logger(__name__)
STANDBY_RETRY_SECONDS = 1.0


async def run_scheduler_role(settings: Settings, stop: asyncio.Event) -> None:
    database = create_engine(settings.async_database_url)
    publisher = BrokerPublisher(create_celery(settings))
    scheduler = Scheduler(
        sessions=session_factory(database),
        dispatch=publisher.publish_checks,
        on_events=report_events,
        flap=settings.flap_policy,
        clock=utc_now,
        batch_size=settings.dispatch_batch_size,
        tick_seconds=settings.scheduler_tick_seconds,
    )
    leadership = Leadership(database)
    # Claims skip locked rows, so every scheduler may claim: the outbox needs no leader. The
    # sending happens on the workers, from the notify queue.
    deliveries = delivery_loop_for(
        settings, session_factory(database), utc_now, dispatch=publisher.publish_deliveries
    )
    sending = asyncio.create_task(deliveries.run_forever(stop), name="deliveries")
    # Rollup and prune run beside the leader only, on a thread of their own.
    maintenance = MaintenanceLoop(
        settings=settings, clock=utc_now, active=lambda: leadership.leading
    )
    maintaining = asyncio.create_task(maintenance.run_forever(stop), name="maintenance")
    try:
        while not stop.is_set():
            pause = await _lead_once(scheduler, leadership)
            SCHEDULER_LEADER.set(1 if leadership.leading else 0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
    finally:
        # Hand over at once on SIGTERM instead of making the standby wait for a timeout.
        with contextlib.suppress(Exception):
            await leadership.release()
        SCHEDULER_LEADER.set(0)
        await asyncio.gather(sending, maintaining, return_exceptions=True)
        await deliveries.aclose()
        await database.dispose()
        log.info("scheduler stopped")


async def _lead_once(scheduler: Scheduler, leadership: Leadership) -> float:
    try:
        if not leadership.leading:
            if not await leadership.try_acquire():
                return STANDBY_RETRY_SECONDS
            log.info("this scheduler leads now")
        elif not await leadership.confirm():
            log.warning("lost scheduler leadership")
            return STANDBY_RETRY_SECONDS
        return await scheduler.run_once()
    except Exception:
        log.exception("scheduler pass failed; standing by")
        with contextlib.suppress(Exception):
            await leadership.release()
        return STANDBY_RETRY_SECONDS
