"""A message that fails for good goes to its queue's dead-letter queue, whatever its shape."""

import base64
import json

import redis

from upwatch.settings import Settings
from upwatch.worker.celery_app import (
    PINGS,
    TASK_RECORD_PINGS,
    create_celery,
    dead_letter_queue,
)
from upwatch.worker.tasks import register_tasks

# Not a batch at all, or no arguments: what a dead-letter queue is for.
MESSAGES = [
    ([[{"intake_id": "a", "body": "secret output"}]], "[<batch of 1>]"),
    ([5], "[<int>]"),
    ([], "[]"),
]


def test_a_failed_message_is_dead_lettered_with_its_arguments_intact(redis_broker: str) -> None:
    # One app for every case: Celery warns when a task name is registered twice.
    settings = Settings(broker_url=redis_broker)
    app = create_celery(settings)
    register_tasks(app, settings)
    task = app.tasks[TASK_RECORD_PINGS]
    client = redis.Redis.from_url(redis_broker)
    for args, argsrepr in MESSAGES:
        task.push_request(delivery_info={"routing_key": PINGS})
        try:
            task.on_failure(ValueError("bad message"), "task-1", args, {}, None)
        finally:
            task.pop_request()

        raw = client.lpop(dead_letter_queue(PINGS))
        assert isinstance(raw, bytes), args
        message = json.loads(raw)
        assert message["headers"]["task"] == TASK_RECORD_PINGS
        assert message["headers"]["argsrepr"] == argsrepr
        assert "secret output" not in json.dumps(message["headers"])
        sent_args, sent_kwargs, _ = json.loads(base64.b64decode(message["body"]))
        assert (sent_args, sent_kwargs) == (args, {})
