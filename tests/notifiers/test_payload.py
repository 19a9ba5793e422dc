"""The JSON document webhooks and SNS carry."""

import json

from tests.notifiers.messages import grouped, notification
from upwatch.domain.notifications import EventKind
from upwatch.notifiers.payload import payload


def test_one_notification() -> None:
    document = payload(notification(EventKind.UP, downtime_seconds=192))

    assert list(document)[:3] == ["version", "type", "event"]
    assert (document["version"], document["type"], document["event"]) == (1, "notification", "up")
    assert document["downtime_seconds"] == 192
    assert document["incident"]["resolved_at"] == "2026-11-23T12:00:00Z"
    assert document["title"] == "Checkout API is up again"
    assert "Downtime: 3 min 12 s" in document["text"]
    assert json.loads(json.dumps(document)) == document


def test_a_group() -> None:
    document = payload(grouped(2))

    assert (document["type"], document["event"]) == ("group", "down")
    assert [n["monitor"]["id"] for n in document["notifications"]] == [1, 2]
    assert "type" not in document["notifications"][0]
    assert document["title"] == "2 monitors are down"
