"""Real brokers for the fleet tests: Redis and RabbitMQ on this machine, SQS from moto."""

import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.e2e.conftest import free_port


@pytest.fixture
def redis_broker() -> Iterator[str]:
    # A database per test process, so two test runs on this machine never share queues.
    db = 1 + os.getpid() % 15
    client = redis.Redis(host="127.0.0.1", port=6379, db=db)
    client.flushdb()
    yield f"redis://127.0.0.1:6379/{db}"
    client.flushdb()


@pytest.fixture
def rabbitmq_broker() -> Iterator[str]:
    vhost = f"upwatch-{uuid.uuid4().hex[:8]}"
    for command in (
        ["add_vhost", vhost],
        ["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
    ):
        subprocess.run(["rabbitmqctl", "-q", *command], check=True, timeout=60)
    yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False, timeout=60)


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh moto server (SQS, S3, …) on 127.0.0.1, with fake credentials in the environment
    so nothing can reach AWS itself; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def sqs_broker(moto_server: str) -> str:
    return f"sqs://testing:testing@{moto_server.removeprefix('http://')}"
