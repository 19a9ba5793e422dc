"""The Celery app, built from Settings: Redis, RabbitMQ or SQS is a settings change."""

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from celery import Celery
from kombu.entity import Exchange, Queue

from upwatch.errors import ConfigurationError
from upwatch.settings import Settings

CHECKS, PINGS, NOTIFY, MAINTENANCE = "checks", "pings", "notify", "maintenance"
QUEUES = (CHECKS, PINGS, NOTIFY, MAINTENANCE)
TASK_RUN_CHECKS = "upwatch.checks.run"
TASK_RECORD_PINGS = "upwatch.pings.record"
TASK_SEND_NOTIFICATIONS = "upwatch.notify.send"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def dead_letter_queue(queue: str) -> str:
    return f"{queue}-dlq"


# Every queue the fleet sends to or reads from: the work queues and their dead-letter queues.
ALL_QUEUES = (*QUEUES, *(dead_letter_queue(queue) for queue in QUEUES))


def batch_reprs(
    args: Sequence[object], kwargs: Mapping[str, object] | None = None
) -> dict[str, str]:
    """What a batch message's headers say of its arguments, for logs and monitoring tools.

    Left to itself, Celery writes a repr of the arguments into the headers: for a batch of
    pings that costs as much CPU as the rest of sending it, and copies the pings' bodies (job
    output, which may hold secrets) into every log that prints a task's arguments. Any shape
    is summarised, a malformed message's included: the dead-letter path must not fail on it.
    """
    named = (f"{name!r}: {_summary(value)}" for name, value in (kwargs or {}).items())
    return {
        "argsrepr": f"[{', '.join(_summary(value) for value in args)}]",
        "kwargsrepr": f"{{{', '.join(named)}}}",
    }


def _summary(value: object) -> str:
    if isinstance(value, list | tuple):
        return f"<batch of {len(value)}>"
    return f"<{type(value).__name__}>"


def work_queue(name: str) -> Queue:
    """A queue with a direct exchange of its own: a message lands in exactly one queue."""
    return Queue(name, Exchange(name, type="direct"), routing_key=name)


def create_celery(settings: Settings) -> Celery:
    if not settings.broker_url:
        raise ConfigurationError("UPWATCH_BROKER_URL is required for the fleet roles")
    app = Celery("upwatch", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        # A message is acknowledged only after its batch is stored, and a worker killed
        # mid-batch gives it back: redelivery is safe because every write is idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_queues=[work_queue(name) for name in QUEUES],
        task_routes={
            TASK_RUN_CHECKS: {"queue": CHECKS},
            TASK_RECORD_PINGS: {"queue": PINGS},
            TASK_SEND_NOTIFICATIONS: {"queue": NOTIFY},
        },
        task_default_queue=MAINTENANCE,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_transport_options=transport_options(settings),
        broker_heartbeat=30,
        broker_connection_timeout=4,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
    )
    return app


def transport_options(settings: Settings) -> dict[str, Any]:
    url = settings.broker_url or ""
    if url.startswith("sqs://"):
        host = urlsplit(url).hostname
        return {
            # An SQS endpoint on loopback is a local emulator, which speaks plain HTTP.
            "is_secure": host not in LOOPBACK_HOSTS,
            "region": settings.sqs_region,
            "visibility_timeout": settings.broker_visibility_timeout,
            "wait_time_seconds": 10,
            "polling_interval": 0.5,
            **sqs_queue_addressing(settings),
        }
    if url.startswith(("redis://", "rediss://")):
        return {
            "visibility_timeout": settings.broker_visibility_timeout,
            # kombu sweeps for messages a dead worker held only every 10th call of a 10 s
            # timer by default; sweep every 5 s so they return soon after the timeout.
            "unacked_restore_interval": 5,
            "unacked_restore_throttle": 1,
        }
    return {}


def sqs_queue_addressing(settings: Settings) -> dict[str, Any]:
    """How kombu finds the SQS queues: by name (listing them, creating missing ones), or, with
    UPWATCH_SQS_QUEUE_URL_PREFIX, at known URLs, which needs no sqs:ListQueues, sqs:CreateQueue
    or sqs:GetQueueUrl (ECS task roles have none of them)."""
    if settings.sqs_queue_url_prefix is None:
        return {"queue_name_prefix": settings.sqs_queue_prefix}
    # kombu looks predefined queues up by their Celery name, so no queue_name_prefix here.
    return {
        "predefined_queues": {
            name: {"url": f"{settings.sqs_queue_url_prefix}{settings.sqs_queue_prefix}{name}"}
            for name in ALL_QUEUES
        }
    }
