"""SNS publishing against moto's server on 127.0.0.1, read back through a subscribed SQS queue."""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import boto3
import pytest
from pydantic import ValidationError

from tests.conftest import Clock
from tests.notifiers.messages import notification
from upwatch.domain.notifications import EventKind
from upwatch.notifiers.base import NotifyContext
from upwatch.notifiers.sns import SnsChannel, SnsNotifier, sns_subject

REGION = "us-east-1"
MISSING_TOPIC = "arn:aws:sns:us-east-1:123456789012:no-such-topic"


class Topic:
    """A fresh SNS topic with an SQS queue subscribed to it."""

    def __init__(self, endpoint: str, *, fifo: bool = False) -> None:
        session = boto3.session.Session()
        self.sns = session.client("sns", region_name=REGION, endpoint_url=endpoint)
        self.sqs = session.client("sqs", region_name=REGION, endpoint_url=endpoint)
        suffix = ".fifo" if fifo else ""
        name = f"alerts-{uuid.uuid4().hex[:8]}{suffix}"
        attributes = {"FifoTopic": "true", "ContentBasedDeduplication": "false"} if fifo else {}
        self.arn = self.sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        self.queue_url = self.sqs.create_queue(
            QueueName=name, Attributes={"FifoQueue": "true"} if fifo else {}
        )["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=self.arn, Protocol="sqs", Endpoint=queue_arn)

    def received(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
        return [json.loads(message["Body"]) for message in answer.get("Messages", [])]


@pytest.fixture
async def sns_context(moto_endpoint: str, clock: Clock) -> AsyncIterator[NotifyContext]:
    async with NotifyContext(now=clock, sns_endpoint_url=moto_endpoint, timeout_seconds=5) as ctx:
        yield ctx


def channel(topic_arn: str) -> SnsChannel:
    return SnsChannel(kind="sns", topic_arn=topic_arn)


async def test_publishes_json_with_a_subject(
    moto_endpoint: str, sns_context: NotifyContext
) -> None:
    topic = Topic(moto_endpoint)
    message = notification(EventKind.DOWN)

    delivery = await SnsNotifier().send(channel(topic.arn), message, sns_context)

    assert (delivery.ok, delivery.error) == (True, None)
    [envelope] = topic.received()
    assert envelope["Subject"] == "Checkout API is down"
    assert envelope["MessageAttributes"]["event"]["Value"] == "down"
    body = json.loads(envelope["Message"])
    assert body["event"] == "down"
    assert body["monitor"]["name"] == "Checkout API"
    assert body["incident"]["id"] == 42
    assert body["idempotency_key"] == message.idempotency_key


async def test_fifo_topics_deduplicate_by_idempotency_key(
    moto_endpoint: str, sns_context: NotifyContext
) -> None:
    topic = Topic(moto_endpoint, fifo=True)
    message = notification(EventKind.DOWN)

    for _ in range(2):
        delivery = await SnsNotifier().send(channel(topic.arn), message, sns_context)
        assert delivery.ok

    assert len(topic.received()) == 1


async def test_a_missing_topic_is_permanent(sns_context: NotifyContext) -> None:
    delivery = await SnsNotifier().send(channel(MISSING_TOPIC), notification(), sns_context)

    assert (delivery.ok, delivery.permanent, delivery.status_code) == (False, True, 404)
    assert delivery.error is not None
    assert delivery.error.startswith("SNS NotFound")


async def test_an_unreachable_endpoint_is_transient(moto_endpoint: str, clock: Clock) -> None:
    async with NotifyContext(
        now=clock, sns_endpoint_url="http://127.0.0.1:9", timeout_seconds=1
    ) as context:
        delivery = await SnsNotifier().send(channel(MISSING_TOPIC), notification(), context)

    assert (delivery.ok, delivery.permanent) == (False, False)
    assert delivery.error is not None
    assert "127.0.0.1:9" in delivery.error


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        ("Checkout API is down", "Checkout API is down"),
        ("Café API\nis down", "Cafe API is down"),
        ("⚠ 🚨", "Upwatch"),
        ("x" * 150, "x" * 97 + "..."),
    ],
)
def test_subjects_fit_sns_rules(title: str, subject: str) -> None:
    assert sns_subject(title) == subject


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"topic_arn": "arn:aws:sqs:us-east-1:123456789012:queue"}, "topic_arn", "not an SNS"),
        ({"topic_arn": "arn:aws:sns:us-east-1:1234:alerts"}, "topic_arn", "not an SNS"),
        ({"topic_arn": "alerts"}, "topic_arn", "not an SNS"),
        (
            {"topic_arn": "arn:aws:sns:us-east-1:123456789012:alerts", "region": "eu-west-1"},
            "region",
            "the topic is in us-east-1, not eu-west-1",
        ),
    ],
)
def test_invalid_topics_name_the_field(fields: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SnsChannel.model_validate({"kind": "sns"} | fields)

    [error] = raised.value.errors()
    assert error["loc"] == (field,)
    assert message in error["msg"]


@pytest.mark.parametrize(
    ("topic_arn", "region"),
    [
        ("arn:aws:sns:eu-central-1:123456789012:alerts", "eu-central-1"),
        ("arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts.fifo", "us-gov-west-1"),
    ],
)
def test_the_region_comes_from_the_topic(topic_arn: str, region: str) -> None:
    assert channel(topic_arn).aws_region == region
