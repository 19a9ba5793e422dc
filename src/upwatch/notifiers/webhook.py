"""Signed JSON webhooks: POST the payload, signed with the channel's secret (docs/webhooks.md)."""

import json
import re
from typing import ClassVar, Literal

import aiohttp
from pydantic import AnyHttpUrl, Field, SecretStr, field_validator

from upwatch.domain.notifications import Delivery, Message
from upwatch.domain.targets import literal_address
from upwatch.errors import TargetRefusedError
from upwatch.notifiers.base import (
    ChannelBase,
    NotifyContext,
    Stopwatch,
    permanent_http_failure,
)
from upwatch.notifiers.payload import payload
from upwatch.notifiers.render import one_line
from upwatch.notifiers.webhook_signature import (
    EVENT_HEADER,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)
from upwatch.probes.guard import ensure_allowed

MIN_SECRET_LENGTH = 16
REPLY_EXCERPT_BYTES = 512
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")
_RESERVED_HEADERS = {"content-type", "content-length", "host", "transfer-encoding"}


class WebhookChannel(ChannelBase):
    kind: Literal["webhook"]
    url: AnyHttpUrl
    secret: SecretStr = Field(description=f"At least {MIN_SECRET_LENGTH} characters.")
    headers: dict[str, str] = Field(
        default_factory=dict, max_length=20, description="Extra request headers."
    )

    secret_fields: ClassVar[tuple[str, ...]] = ("url", "secret", "headers")

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, secret: SecretStr) -> SecretStr:
        if len(secret.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"the secret must be at least {MIN_SECRET_LENGTH} characters")
        return secret

    @field_validator("headers")
    @classmethod
    def _plain_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid header name")
            lowered = name.lower()
            if lowered in _RESERVED_HEADERS or lowered.startswith("x-upwatch-"):
                raise ValueError(f"{name} is set by Upwatch and cannot be overridden")
            if any(char in value for char in "\r\n\0"):
                raise ValueError(f"the value of {name} must be a single line")
        return headers


class WebhookNotifier:
    kind = "webhook"

    async def send(
        self, channel: WebhookChannel, message: Message, context: NotifyContext
    ) -> Delivery:
        body = json.dumps(payload(message), ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(context.now().timestamp()))
        headers = {
            **channel.headers,
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(channel.secret.get_secret_value(), timestamp, body),
            IDEMPOTENCY_HEADER: message.idempotency_key,
            EVENT_HEADER: message.event.value,
        }
        url = str(channel.url)
        stopwatch = Stopwatch()
        try:
            literal = literal_address(channel.url.host or "")
            if literal is not None:
                ensure_allowed(literal, context.target_policy)
            async with context.http_session().post(
                url,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=context.timeout_seconds),
            ) as response:
                reply = await response.content.read(REPLY_EXCERPT_BYTES)
                status, location = response.status, response.headers.get("Location")
        except TargetRefusedError as exc:
            return Delivery.failed(
                f"target refused: {exc}", permanent=True, duration_ms=stopwatch.elapsed_ms()
            )
        except TimeoutError:
            error = f"no answer within {context.timeout_seconds:g} s"
            return Delivery.failed(error, permanent=False, duration_ms=stopwatch.elapsed_ms())
        except aiohttp.ClientError as exc:
            error = f"connection failed: {exc or type(exc).__name__}"
            return Delivery.failed(error, permanent=False, duration_ms=stopwatch.elapsed_ms())
        return _judge(status, reply, location, stopwatch.elapsed_ms())


def _judge(status: int, reply: bytes, location: str | None, duration_ms: float) -> Delivery:
    if 200 <= status < 300:
        return Delivery.delivered(status_code=status, duration_ms=duration_ms)
    if 300 <= status < 400:
        # Following a redirect would re-send the signed body to an address nobody configured.
        error = f"HTTP {status}: redirected to {location}; configure the final URL"
        return Delivery.failed(error, permanent=True, status_code=status, duration_ms=duration_ms)
    excerpt = one_line(reply.decode("utf-8", errors="replace"))[:200]
    error = f"HTTP {status}: {excerpt}" if excerpt else f"HTTP {status}"
    return Delivery.failed(
        error, permanent=permanent_http_failure(status), status_code=status, duration_ms=duration_ms
    )
