"""One notifier and one config model per channel kind, found by kind."""

from typing import Any, get_args

import pytest
from pydantic import ValidationError

from tests.notifiers.messages import notification
from tests.receivers import Receiver
from upwatch.notifiers.base import NotifyContext
from upwatch.notifiers.registry import CHANNEL_MODELS, NOTIFIERS, notifier_for, parse_channel, send

KINDS = ["apprise", "email", "sns", "webhook"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_a_notifier_and_a_model(kind: str) -> None:
    assert notifier_for(kind).kind == kind
    assert get_args(CHANNEL_MODELS[kind].model_fields["kind"].annotation) == (kind,)


def test_the_registry_holds_exactly_these_kinds() -> None:
    assert sorted(NOTIFIERS) == sorted(CHANNEL_MODELS) == KINDS


def test_unknown_kind() -> None:
    with pytest.raises(KeyError, match="no notifier sends to 'pager' channels"):
        notifier_for("pager")


@pytest.mark.parametrize(
    ("document", "location"),
    [
        ({"kind": "apprise", "url": "unknown://token"}, ("apprise", "url")),
        ({"kind": "email", "to": ["not-an-address"]}, ("email", "to", 0)),
        (
            {"kind": "webhook", "url": "https://h.example.com/", "secret": "short"},
            ("webhook", "secret"),
        ),
        ({"kind": "sns", "topic_arn": "arn:aws:sns:nowhere"}, ("sns", "topic_arn")),
        ({"kind": "email", "to": ["a@example.com"], "extra": 1}, ("email", "extra")),
        ({"kind": "pager", "url": "x"}, ()),
        ({"url": "x"}, ()),
    ],
)
def test_invalid_channels_name_the_field(
    document: dict[str, Any], location: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_channel(document)

    assert [error["loc"] for error in raised.value.errors()] == [location]


async def test_send_dispatches_by_kind(receiver: Receiver, context: NotifyContext) -> None:
    channel = parse_channel(
        {"kind": "webhook", "url": receiver.url("/via-registry"), "secret": "s" * 16}
    )

    delivery = await send(channel, notification(), context)

    assert delivery.ok
    assert [request.path for request in receiver.requests] == ["/via-registry"]
