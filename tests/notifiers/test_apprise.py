"""Apprise's generic JSON and form schemes, delivered to a real local receiver."""

import json
from urllib.parse import parse_qs

import pytest
from pydantic import SecretStr, ValidationError

from tests.notifiers.messages import grouped, notification
from tests.receivers import Receiver
from upwatch.domain.notifications import EventKind
from upwatch.notifiers.apprise import AppriseChannel, AppriseNotifier
from upwatch.notifiers.base import NotifyContext


def channel(url: str) -> AppriseChannel:
    return AppriseChannel(kind="apprise", url=SecretStr(url))


@pytest.mark.parametrize(
    ("event", "apprise_type"),
    [(EventKind.DOWN, "failure"), (EventKind.UP, "success"), (EventKind.DEGRADED, "warning")],
)
async def test_json_scheme_posts_title_body_and_type(
    receiver: Receiver, context: NotifyContext, event: EventKind, apprise_type: str
) -> None:
    message = notification(event, downtime_seconds=192 if event is EventKind.UP else None)

    delivery = await AppriseNotifier().send(
        channel(receiver.url("/apprise", "json")), message, context
    )

    assert (delivery.ok, delivery.error) == (True, None)
    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/apprise")
    body = json.loads(request.body)
    assert body["type"] == apprise_type
    assert body["title"].startswith("Checkout API is")
    assert "Monitor: Checkout API (http)" in body["message"]
    assert "Acknowledge: https://upwatch.example.com/ack/7?sig=abc" in body["message"]


async def test_form_scheme_posts_form_fields(receiver: Receiver, context: NotifyContext) -> None:
    delivery = await AppriseNotifier().send(
        channel(receiver.url("/form", "form")), grouped(2), context
    )

    assert delivery.ok
    [request] = receiver.requests
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    fields = parse_qs(request.body.decode())
    assert fields["title"] == ["2 monitors are down"]
    assert fields["type"] == ["failure"]
    assert "- service-1 (http)" in fields["message"][0]
    assert "- service-2 (http)" in fields["message"][0]


@pytest.mark.parametrize(
    ("path", "status_code", "permanent"),
    [("/status/404", 404, True), ("/status/403", 403, True), ("/status/500", 500, False)],
)
async def test_refusals_carry_status_and_apprise_log(
    receiver: Receiver, context: NotifyContext, path: str, status_code: int, permanent: bool
) -> None:
    delivery = await AppriseNotifier().send(
        channel(receiver.url(path, "json")), notification(), context
    )

    assert (delivery.ok, delivery.status_code, delivery.permanent) == (
        False,
        status_code,
        permanent,
    )
    assert delivery.error is not None
    assert f"error={status_code}" in delivery.error


async def test_unreachable_service_is_transient(context: NotifyContext) -> None:
    delivery = await AppriseNotifier().send(
        channel("json://127.0.0.1:9/x"), notification(), context
    )

    assert (delivery.ok, delivery.permanent, delivery.status_code) == (False, False, None)
    assert delivery.error is not None
    assert "Connection error" in delivery.error


async def test_a_hanging_service_times_out_as_transient(
    receiver: Receiver, context: NotifyContext
) -> None:
    delivery = await AppriseNotifier().send(
        channel(receiver.url("/hang", "json")), notification(), context
    )

    assert (delivery.ok, delivery.permanent) == (False, False)
    assert delivery.error == "no answer within 0.5 s"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("unknown://token", "Apprise cannot use this unknown:// URL"),
        ("tgram://", "Apprise cannot use this tgram:// URL"),
        ("just words", "not an Apprise URL"),
        ("json://a.example.com/x json://b.example.com/y", "exactly one Apprise URL"),
    ],
)
def test_invalid_urls_name_the_field(url: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        AppriseChannel.model_validate({"kind": "apprise", "url": url})

    [error] = raised.value.errors()
    assert error["loc"] == ("url",)
    assert message in error["msg"]


@pytest.mark.parametrize(
    "url", ["slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "ntfy://ntfy.sh/alerts"]
)
def test_service_urls_are_accepted(url: str) -> None:
    assert channel(url).url.get_secret_value() == url


@pytest.mark.parametrize(
    "url", ["json://169.254.169.254/latest/meta-data", "form://[fd00:ec2::254]/x"]
)
async def test_metadata_hosts_are_refused_without_contact(context: NotifyContext, url: str) -> None:
    delivery = await AppriseNotifier().send(channel(url), notification(), context)

    assert (delivery.ok, delivery.permanent) == (False, True)
    assert delivery.error is not None
    assert "link-local or cloud metadata" in delivery.error
