"""AWS SNS: publish to a topic; machines get the JSON payload, e-mail and SMS get text."""

import asyncio
import hashlib
import json
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from pydantic import Field, ValidationInfo, field_validator

from upwatch.domain.notifications import Delivery, Message
from upwatch.notifiers.base import ChannelBase, NotifyContext, Stopwatch
from upwatch.notifiers.payload import payload
from upwatch.notifiers.render import one_line, render

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

_TOPIC_ARN = re.compile(
    r"^arn:aws(-[a-z]+)*:sns:(?P<region>[a-z]{2}(-[a-z]+)+-\d+):\d{12}:[A-Za-z0-9_-]{1,256}"
    r"(\.fifo)?$"
)
SUBJECT_LIMIT = 100
# Everything else is either throttling or AWS's own trouble: worth another try.
_PERMANENT_CODES = {
    "AuthorizationError",
    "AccessDenied",
    "AccessDeniedException",
    "InvalidClientTokenId",
    "InvalidParameter",
    "InvalidParameterValue",
    "InvalidSecurity",
    "KMSDisabled",
    "KMSInvalidState",
    "KMSNotFound",
    "NotFound",
    "NotFoundException",
    "UnrecognizedClientException",
}


class SnsChannel(ChannelBase):
    kind: Literal["sns"]
    topic_arn: str = Field(examples=["arn:aws:sns:us-east-1:123456789012:upwatch-alerts"])
    region: str | None = Field(None, description="The topic's region; read from the ARN if unset.")

    @field_validator("topic_arn")
    @classmethod
    def _topic_arn(cls, value: str) -> str:
        arn = value.strip()
        if not _TOPIC_ARN.match(arn):
            raise ValueError("not an SNS topic ARN: arn:aws:sns:<region>:<account id>:<topic>")
        return arn

    @field_validator("region")
    @classmethod
    def _topic_region(cls, region: str | None, info: ValidationInfo) -> str | None:
        found = _TOPIC_ARN.match(info.data.get("topic_arn", ""))
        if region is not None and found and found.group("region") != region:
            raise ValueError(f"the topic is in {found.group('region')}, not {region}")
        return region

    @property
    def aws_region(self) -> str:
        found = _TOPIC_ARN.match(self.topic_arn)
        assert found is not None  # validated
        return found.group("region")


class SnsNotifier:
    kind = "sns"

    async def send(self, channel: SnsChannel, message: Message, context: NotifyContext) -> Delivery:
        request = _publish_request(channel, message)
        stopwatch = Stopwatch()
        try:
            # boto3 blocks, from building the client (files, credentials) to the request itself.
            await asyncio.to_thread(
                _publish,
                channel.aws_region,
                context.sns_endpoint_url,
                context.timeout_seconds,
                request,
            )
        except ClientError as exc:
            return _refused(exc, stopwatch.elapsed_ms())
        except NoCredentialsError:
            error = "no AWS credentials found for SNS"
            return Delivery.failed(error, permanent=True, duration_ms=stopwatch.elapsed_ms())
        except BotoCoreError as exc:
            return Delivery.failed(str(exc), permanent=False, duration_ms=stopwatch.elapsed_ms())
        return Delivery.delivered(duration_ms=stopwatch.elapsed_ms())


def _publish_request(channel: SnsChannel, message: Message) -> dict[str, Any]:
    rendered = render(message)
    document = json.dumps(payload(message), ensure_ascii=False, separators=(",", ":"))
    request: dict[str, Any] = {
        "TopicArn": channel.topic_arn,
        "Subject": sns_subject(rendered.title),
        # One message per subscriber protocol: e-mail and SMS read text, the rest read JSON.
        "MessageStructure": "json",
        "Message": json.dumps({"default": document, "email": rendered.text, "sms": rendered.title}),
        "MessageAttributes": {
            "event": {"DataType": "String", "StringValue": message.event.value},
        },
    }
    if channel.topic_arn.endswith(".fifo"):
        key = message.idempotency_key.encode("utf-8")
        request["MessageGroupId"] = "upwatch"
        request["MessageDeduplicationId"] = hashlib.sha256(key).hexdigest()
    return request


def sns_subject(title: str) -> str:
    """``title`` as SNS accepts a subject: printable ASCII, one line, at most 100 characters."""
    ascii_title = unicodedata.normalize("NFKD", one_line(title)).encode("ascii", "ignore").decode()
    printable = "".join(char for char in ascii_title if char.isprintable()).strip() or "Upwatch"
    if len(printable) <= SUBJECT_LIMIT:
        return printable
    return printable[: SUBJECT_LIMIT - 3].rstrip() + "..."


def _publish(
    region: str, endpoint_url: str | None, timeout_seconds: float, request: dict[str, Any]
) -> None:
    _client(region, endpoint_url, timeout_seconds).publish(**request)


@lru_cache(maxsize=32)
def _client(region: str, endpoint_url: str | None, timeout_seconds: float) -> "SNSClient":
    # A session per client: boto3's default session is not safe to share between threads.
    session = boto3.session.Session()
    config = Config(
        connect_timeout=timeout_seconds,
        read_timeout=timeout_seconds,
        retries={"max_attempts": 1},
    )
    return session.client("sns", region_name=region, endpoint_url=endpoint_url, config=config)


def _refused(exc: ClientError, duration_ms: float) -> Delivery:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    reason = error.get("Message")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return Delivery.failed(
        f"SNS {code}: {reason}" if reason else f"SNS {code}",
        permanent=code in _PERMANENT_CODES,
        status_code=status,
        duration_ms=duration_ms,
    )
