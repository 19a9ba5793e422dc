"""The fleet on SQS with the permissions ECS task roles have: no sqs:ListQueues, sqs:CreateQueue
or sqs:GetQueueUrl. moto's server enforces IAM here, with the actions the Terraform stacks grant,
and the roles find every queue at its URL (UPWATCH_SQS_QUEUE_URL_PREFIX)."""

import asyncio
import json
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import asyncpg
import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from tests.deploy.tfconfig import MODULES, load
from tests.e2e.fleet import Fleet, fleet
from upwatch.settings import Settings
from upwatch.worker.celery_app import ALL_QUEUES, transport_options

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"  # moto's default account


def test_with_a_url_prefix_every_queue_and_dlq_is_predefined() -> None:
    settings = Settings(
        broker_url="sqs://",
        sqs_queue_prefix="upwatch-prod-",
        sqs_queue_url_prefix="https://sqs.eu-west-1.amazonaws.com/123456789012",
    )
    options = transport_options(settings)
    assert "queue_name_prefix" not in options
    assert options["predefined_queues"]["checks-dlq"] == {
        "url": "https://sqs.eu-west-1.amazonaws.com/123456789012/upwatch-prod-checks-dlq"
    }
    assert set(options["predefined_queues"]) == set(ALL_QUEUES)


def test_the_url_prefix_must_be_a_url() -> None:
    with pytest.raises(ValueError, match="sqs_queue_url_prefix"):
        Settings(sqs_queue_url_prefix="upwatch-prod-")


class Aws:
    """moto with this test's queues and one IAM user per role, each allowed what Terraform
    grants that role (on every resource: moto matches actions, the policy tests check ARNs)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.prefix = f"upwatch-{uuid.uuid4().hex[:6]}-"
        session = boto3.session.Session()
        self.sqs = session.client("sqs", endpoint_url=endpoint)
        self.iam = session.client("iam", endpoint_url=endpoint)
        for name in ALL_QUEUES:
            self.sqs.create_queue(QueueName=self.prefix + name)
        self.queues_before = self.queue_urls()
        self.keys: dict[str, tuple[str, str]] = {}
        granted = load(MODULES / "upwatch").locals
        self.producer = self._user("producer", granted["queue_producer"]["actions"])
        self.consumer = self._user("consumer", granted["queue_consumer"]["actions"])

    def queue_urls(self) -> list[str]:
        return sorted(self.sqs.list_queues(QueueNamePrefix=self.prefix).get("QueueUrls", []))

    def _user(self, role: str, actions: list[str]) -> str:
        """A broker URL that signs as a new IAM user allowed ``actions``."""
        name = f"{self.prefix}{role}"
        self.iam.create_user(UserName=name)
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
        self.iam.put_user_policy(UserName=name, PolicyName=role, PolicyDocument=json.dumps(policy))
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.keys[role] = (key["AccessKeyId"], key["SecretAccessKey"])
        host = self.endpoint.removeprefix("http://")
        secret = quote(key["SecretAccessKey"], safe="")
        return f"sqs://{key['AccessKeyId']}:{secret}@{host}"

    def may_list_queues(self, role: str) -> bool:
        key_id, secret = self.keys[role]
        client = boto3.session.Session(
            aws_access_key_id=key_id, aws_secret_access_key=secret
        ).client("sqs", endpoint_url=self.endpoint)
        try:
            client.list_queues()
        except ClientError as exc:
            # moto answers JSON-protocol requests with an XML error: match its text.
            return "not authorized to perform: sqs:ListQueues" not in str(exc)
        return True

    def enforce_iam(self, enforce: bool) -> None:
        count = "0" if enforce else "inf"
        httpx.post(f"{self.endpoint}/moto-api/reset-auth", content=count).raise_for_status()


@pytest.fixture
def aws(moto_server: str) -> Iterator[Aws]:
    aws = Aws(moto_server)
    aws.enforce_iam(True)
    try:
        yield aws
    finally:
        aws.enforce_iam(False)


@pytest.fixture
def tcp_target() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


def test_the_fleet_runs_checks_without_listing_or_creating_queues(
    aws: Aws, tcp_target: int, tmp_path: Path
) -> None:
    monitors = tmp_path / "monitors.yaml"
    monitors.write_text(
        "monitors:\n  - {name: port, kind: tcp, host: 127.0.0.1, "
        f"port: {tcp_target}, interval: 10, timeout: 2}}\n"
    )
    settings = {
        "UPWATCH_SQS_QUEUE_PREFIX": aws.prefix,
        "UPWATCH_SQS_QUEUE_URL_PREFIX": f"{aws.endpoint}/{ACCOUNT}/",
        "UPWATCH_SQS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    assert not aws.may_list_queues("consumer")  # moto enforces the policy
    with fleet(tmp_path, aws.producer, **settings) as running:
        imported = running.cli("monitors", "import", str(monitors))
        assert imported.returncode == 0, imported.stderr
        running.start("scheduler", "scheduler")
        running.env["UPWATCH_BROKER_URL"] = aws.consumer
        running.start("worker", "worker", "--concurrency=1")
        try:
            _wait_for_results(running)
        except AssertionError:
            for name in running.processes:
                print(f"===== {name}\n{running.log(name)[-4000:]}")
            raise
        running.env["UPWATCH_BROKER_URL"] = aws.producer
        status = running.cli("status")
        assert status.returncode == 0, status.stderr
        for name in ALL_QUEUES:
            assert name in status.stdout
        for name in list(running.processes):
            running.stop(name)
        logs = running.log("scheduler") + running.log("worker")
    assert "AccessDenied" not in logs
    assert "must be defined in 'predefined_queues'" not in logs
    aws.enforce_iam(False)
    assert aws.queue_urls() == aws.queues_before


def _wait_for_results(running: Fleet) -> None:
    async def count() -> int:
        connection = await asyncpg.connect(running.database_url)
        try:
            return int(await connection.fetchval("SELECT count(*) FROM check_results"))
        finally:
            await connection.close()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if asyncio.run(count()) > 0:
            return
        time.sleep(1)
    raise AssertionError("no check result arrived through SQS within 60 s")
