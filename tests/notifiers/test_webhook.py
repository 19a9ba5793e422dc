"""Signed webhooks delivered to a real local receiver."""

import json
from typing import Any

import pytest
from pydantic import ValidationError

from tests.conftest import Clock
from tests.notifiers.conftest import FAST_TIMEOUT
from tests.notifiers.messages import grouped, notification
from tests.receivers import Receiver
from upwatch.domain.notifications import EventKind
from upwatch.domain.targets import TargetPolicy
from upwatch.notifiers.base import NotifyContext
from upwatch.notifiers.webhook import WebhookChannel, WebhookNotifier
from upwatch.notifiers.webhook_signature import verify_signature

SECRET = "whsec-0123456789abcdef"


def channel(url: str, **fields: Any) -> WebhookChannel:
    return WebhookChannel.model_validate({"kind": "webhook", "url": url, "secret": SECRET} | fields)


async def test_delivers_a_signed_json_body(
    receiver: Receiver, context: NotifyContext, clock: Clock
) -> None:
    message = notification(EventKind.DOWN)
    target = channel(receiver.url("/hooks/upwatch"), headers={"Authorization": "Bearer t0k"})

    delivery = await WebhookNotifier().send(target, message, context)

    assert (delivery.ok, delivery.status_code, delivery.error) == (True, 200, None)
    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/hooks/upwatch")
    headers = request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Authorization"] == "Bearer t0k"
    assert headers["X-Upwatch-Idempotency-Key"] == message.idempotency_key
    assert headers["X-Upwatch-Event"] == "down"
    assert headers["X-Upwatch-Timestamp"] == str(int(clock.now.timestamp()))
    assert headers["X-Upwatch-Signature"].startswith("sha256=")
    body = json.loads(request.body)
    assert body["version"] == 1
    assert body["type"] == "notification"
    assert body["event"] == "down"
    assert body["idempotency_key"] == message.idempotency_key
    assert body["occurred_at"] == "2026-11-23T11:56:48Z"
    assert body["monitor"] == {
        "id": 7,
        "name": "Checkout API",
        "kind": "http",
        "target": "https://shop.example.com/health",
    }
    assert body["incident"]["id"] == 42
    assert body["incident"]["cause"]["status_code"] == 503
    assert body["links"]["acknowledge"] == "https://upwatch.example.com/ack/7?sig=abc"
    assert body["title"] == "Checkout API is down"


async def test_signature_verifies_and_tampering_fails(
    receiver: Receiver, context: NotifyContext, clock: Clock
) -> None:
    await WebhookNotifier().send(channel(receiver.url("/hook")), notification(), context)
    [request] = receiver.requests
    timestamp = request.headers["X-Upwatch-Timestamp"]
    signature = request.headers["X-Upwatch-Signature"]
    now = clock.now.timestamp() + 5

    assert verify_signature(SECRET, timestamp, request.body, signature, now)
    tampered = request.body.replace(b"Checkout API", b"Checkout APX")
    assert not verify_signature(SECRET, timestamp, tampered, signature, now)
    assert not verify_signature(
        "another-secret-of-some-length", timestamp, request.body, signature, now
    )
    assert not verify_signature(SECRET, timestamp, request.body, signature, now + 301)


async def test_grouped_message_lists_every_monitor(
    receiver: Receiver, context: NotifyContext
) -> None:
    delivery = await WebhookNotifier().send(channel(receiver.url("/hook")), grouped(3), context)

    assert delivery.ok
    body = json.loads(receiver.requests[0].body)
    assert body["type"] == "group"
    assert body["title"] == "3 monitors are down"
    assert [item["monitor"]["name"] for item in body["notifications"]] == [
        "service-1",
        "service-2",
        "service-3",
    ]


@pytest.mark.parametrize(
    ("path", "status_code", "permanent", "error_start"),
    [
        ("/status/204", 204, False, None),
        ("/status/302", 302, True, "HTTP 302: redirected"),
        ("/status/404", 404, True, "HTTP 404: answered 404 on purpose"),
        ("/status/401", 401, True, "HTTP 401"),
        ("/status/410", 410, True, "HTTP 410"),
        ("/status/429", 429, False, "HTTP 429"),
        ("/status/408", 408, False, "HTTP 408"),
        ("/status/500", 500, False, "HTTP 500: answered 500 on purpose"),
        ("/status/503", 503, False, "HTTP 503"),
    ],
)
async def test_status_codes_decide_retry(
    receiver: Receiver,
    context: NotifyContext,
    path: str,
    status_code: int,
    permanent: bool,
    error_start: str | None,
) -> None:
    delivery = await WebhookNotifier().send(channel(receiver.url(path)), notification(), context)

    assert delivery.ok is (error_start is None)
    assert (delivery.status_code, delivery.permanent) == (status_code, permanent)
    if error_start is None:
        assert delivery.error is None
    else:
        assert delivery.error is not None
        assert delivery.error.startswith(error_start)


async def test_a_hanging_receiver_times_out_as_transient(
    receiver: Receiver, context: NotifyContext
) -> None:
    delivery = await WebhookNotifier().send(channel(receiver.url("/hang")), notification(), context)

    assert (delivery.ok, delivery.permanent, delivery.status_code) == (False, False, None)
    assert delivery.error == f"no answer within {FAST_TIMEOUT:g} s"
    assert FAST_TIMEOUT * 1000 <= delivery.duration_ms < FAST_TIMEOUT * 1000 + 1500


async def test_a_closed_port_is_transient(context: NotifyContext) -> None:
    delivery = await WebhookNotifier().send(
        channel("http://127.0.0.1:9/hook"), notification(), context
    )

    assert (delivery.ok, delivery.permanent) == (False, False)
    assert delivery.error is not None
    assert delivery.error.startswith("connection failed")


async def test_a_metadata_address_is_refused_without_contact(clock: Clock) -> None:
    async with NotifyContext(now=clock, target_policy=TargetPolicy()) as context:
        delivery = await WebhookNotifier().send(
            channel("http://169.254.170.2/v2/credentials"), notification(), context
        )

    assert (delivery.ok, delivery.permanent) == (False, True)
    assert delivery.error is not None
    assert "link-local or cloud metadata" in delivery.error


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"secret": "too-short"}, "secret", "at least 16 characters"),
        ({"url": "ftp://example.com/hook"}, "url", "URL scheme should be 'http' or 'https'"),
        ({"headers": {"Content-Type": "text/plain"}}, "headers", "set by Upwatch"),
        ({"headers": {"X-Upwatch-Signature": "x"}}, "headers", "set by Upwatch"),
        ({"headers": {"X-Evil": "a\r\nHost: b"}}, "headers", "single line"),
        ({"headers": {"Bad Name": "x"}}, "headers", "not a valid header name"),
    ],
)
def test_invalid_channels_name_the_field(fields: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        WebhookChannel.model_validate(
            {"kind": "webhook", "url": "https://hooks.example.com/upwatch", "secret": SECRET}
            | fields
        )

    [error] = raised.value.errors()
    assert error["loc"] == (field,)
    assert message in error["msg"]
