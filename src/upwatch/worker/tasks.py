"""Celery tasks: thin, idempotent, each taking a batch. Failures past retrying are dead-lettered."""

import time
from typing import Any

import structlog
from celery import Celery, Task
from celery.signals import worker_process_shutdown

from upwatch.engine.messages import delivery_from_message, job_from_message, ping_from_message
from upwatch.errors import StoreUnavailableError
from upwatch.metrics import DEAD_LETTERED
from upwatch.settings import Settings
from upwatch.worker.celery_app import (
    TASK_RECORD_PINGS,
    TASK_RUN_CHECKS,
    TASK_SEND_NOTIFICATIONS,
    batch_reprs,
    dead_letter_queue,
)
from upwatch.worker.runtime import WorkerRuntime

log = structlog.get_logger(__name__)
_runtime: WorkerRuntime | None = None
_settings: Settings | None = None


def worker_runtime() -> WorkerRuntime:
    """The calling process's runtime, made on first use: after the fork, never before it."""
    global _runtime
    if _runtime is None:
        assert _settings is not None, "register_tasks() was not called"
        _runtime = WorkerRuntime(_settings)
    return _runtime


@worker_process_shutdown.connect
def _close_runtime(**_: Any) -> None:
    global _runtime
    if _runtime is not None:
        _runtime.close()
        _runtime = None


class BatchTask(Task):
    """Retries while the database is away; a message that still fails goes to its queue's DLQ."""

    autoretry_for = (StoreUnavailableError,)
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 30
    acks_late = True
    reject_on_worker_lost = True

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        queue = (self.request.delivery_info or {}).get("routing_key") or "unknown"
        dead_letters = dead_letter_queue(queue)
        self.app.send_task(
            self.name,
            args=args,
            kwargs=kwargs,
            queue=dead_letters,
            headers={"enqueued_at": time.time()},
            **batch_reprs(args or (), kwargs),
        )
        DEAD_LETTERED.labels(queue).inc()
        log.error("message dead-lettered", task=self.name, queue=dead_letters, error=repr(exc))


def register_tasks(app: Celery, settings: Settings) -> None:
    global _settings
    _settings = settings

    @app.task(name=TASK_RUN_CHECKS, base=BatchTask)
    def run_checks(jobs: list[dict[str, Any]]) -> int:
        runtime = worker_runtime()
        parsed = [job_from_message(job, runtime.specs) for job in jobs]
        return runtime.run(runtime.run_checks(parsed))

    @app.task(name=TASK_RECORD_PINGS, base=BatchTask)
    def record_pings(pings: list[dict[str, Any]]) -> int:
        runtime = worker_runtime()
        runtime.run(runtime.record_pings([ping_from_message(ping) for ping in pings]))
        return len(pings)

    @app.task(name=TASK_SEND_NOTIFICATIONS, base=BatchTask)
    def send_notifications(deliveries: list[dict[str, Any]]) -> int:
        runtime = worker_runtime()
        claimed = [delivery_from_message(delivery) for delivery in deliveries]
        return runtime.run(runtime.send_notifications(claimed))
