"""How much work waits in each broker queue, for autoscaling and `upwatch status`."""

import json
import time
from dataclasses import dataclass
from typing import Any

from celery import Celery

from upwatch.metrics import QUEUE_DEPTH, QUEUE_OLDEST_AGE
from upwatch.worker.celery_app import QUEUES, dead_letter_queue


@dataclass(frozen=True, slots=True)
class QueueBacklog:
    queue: str
    depth: int
    oldest_age_seconds: float | None


def measure_backlog(celery: Celery) -> list[QueueBacklog]:
    """Depth of every work queue and dead-letter queue; blocking, so call it in a thread.

    The oldest message's age is known where the broker lets us peek without taking the message
    (Redis); on SQS, CloudWatch's ApproximateAgeOfOldestMessage gives it.
    """
    names = [*QUEUES, *(dead_letter_queue(q) for q in QUEUES)]
    backlog = []
    with celery.connection_for_read() as connection:
        channel = connection.default_channel
        for name in names:
            try:
                depth = channel.queue_declare(queue=name, passive=True).message_count
            except Exception:  # a queue nobody has declared yet holds nothing
                connection.close()
                channel = connection.default_channel
                depth = 0
            backlog.append(QueueBacklog(name, depth, _oldest_age(channel, name, depth)))
    for entry in backlog:
        QUEUE_DEPTH.labels(entry.queue).set(entry.depth)
        if entry.oldest_age_seconds is not None:
            QUEUE_OLDEST_AGE.labels(entry.queue).set(entry.oldest_age_seconds)
    return backlog


def _oldest_age(channel: Any, queue: str, depth: int) -> float | None:
    client = getattr(channel, "client", None)
    if depth == 0 or client is None or not hasattr(client, "lindex"):
        return 0.0 if depth == 0 else None
    # kombu's Redis transport pushes on the left and pops on the right: the oldest is last.
    raw = client.lindex(queue, -1)
    if raw is None:
        return None
    enqueued_at = json.loads(raw).get("headers", {}).get("enqueued_at")
    return max(0.0, time.time() - float(enqueued_at)) if enqueued_at else None
