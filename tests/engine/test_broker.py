"""Publishing batches to a real Redis broker: one message per batch, headers without payloads."""

import base64
import json
from datetime import UTC, datetime

import redis

from upwatch.domain.status import PingKind
from upwatch.engine.broker import BrokerPublisher
from upwatch.engine.messages import ping_from_message
from upwatch.services.pings import Ping
from upwatch.settings import Settings
from upwatch.worker.celery_app import PINGS, TASK_RECORD_PINGS, create_celery

SECRET_OUTPUT = "backup done; token=s3cr3t-value"


def _ping(n: int) -> Ping:
    return Ping(
        intake_id=f"intake-{n}",
        token="token-abc",
        monitor_id=n,
        received_at=datetime(2026, 12, 7, 1, 30, n, tzinfo=UTC),
        kind=PingKind.SUCCESS,
        method="POST",
        body=SECRET_OUTPUT,
        remote_addr="127.0.0.1",
        user_agent="cron",
    )


async def test_a_ping_batch_is_one_message_whose_headers_name_its_size_not_its_pings(
    redis_broker: str,
) -> None:
    publisher = BrokerPublisher(create_celery(Settings(broker_url=redis_broker)))
    pings = [_ping(n) for n in range(3)]

    await publisher.publish_pings(pings)

    client = redis.Redis.from_url(redis_broker)
    assert client.llen(PINGS) == 1
    message = json.loads(client.lpop(PINGS))  # type: ignore[arg-type]
    headers = message["headers"]
    assert headers["task"] == TASK_RECORD_PINGS
    assert headers["argsrepr"] == "[<batch of 3>]"
    assert headers["kwargsrepr"] == "{}"
    assert SECRET_OUTPUT not in json.dumps(headers)
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    assert kwargs == {}
    assert [ping_from_message(entry) for entry in args[0]] == pings
