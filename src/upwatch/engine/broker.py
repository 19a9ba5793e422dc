"""Publishing check, ping and notification batches to the Celery broker, one message per batch."""

import asyncio
import time

from celery import Celery

from upwatch.engine.jobs import CheckJob
from upwatch.engine.messages import (
    SpecMemo,
    delivery_to_message,
    job_to_message,
    ping_to_message,
)
from upwatch.services.deliveries import DueDelivery
from upwatch.services.pings import Ping
from upwatch.worker.celery_app import (
    CHECKS,
    NOTIFY,
    PINGS,
    TASK_RECORD_PINGS,
    TASK_RUN_CHECKS,
    TASK_SEND_NOTIFICATIONS,
    batch_reprs,
)


class BrokerPublisher:
    """kombu publishes synchronously, so each publish runs in a thread off the event loop."""

    def __init__(self, celery: Celery) -> None:
        self._celery = celery
        self._specs = SpecMemo()

    async def publish_checks(self, jobs: list[CheckJob]) -> None:
        batch = [job_to_message(job, self._specs) for job in jobs]
        await self._send(TASK_RUN_CHECKS, CHECKS, batch)

    async def publish_pings(self, pings: list[Ping]) -> None:
        await self._send(TASK_RECORD_PINGS, PINGS, [ping_to_message(ping) for ping in pings])

    async def publish_deliveries(self, deliveries: list[DueDelivery]) -> None:
        batch = [delivery_to_message(delivery) for delivery in deliveries]
        await self._send(TASK_SEND_NOTIFICATIONS, NOTIFY, batch)

    async def _send(self, task: str, queue: str, batch: list[dict[str, object]]) -> None:
        await asyncio.to_thread(
            self._celery.send_task,
            task,
            args=[batch],
            queue=queue,
            headers={"enqueued_at": time.time()},
            **batch_reprs([batch]),
            retry=True,
            retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
        )
