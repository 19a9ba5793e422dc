"""Notification messages and delivery outcomes: pure, validated types."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from upwatch.domain.notifications import (
    Delivery,
    EventKind,
    GroupedNotification,
    Notification,
)

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def document(**overrides: Any) -> dict[str, Any]:
    return {
        "event": "down",
        "monitor": {"id": 1, "name": "api", "kind": "http", "target": "https://api.example.com"},
        "incident": {"id": 9, "opened_at": AT, "cause": {"status_code": 502}},
        "occurred_at": AT,
        "idempotency_key": "incident-9:down:channel-3",
    } | overrides


def test_a_minimal_notification() -> None:
    message = Notification.model_validate(document())

    assert message.event is EventKind.DOWN
    assert message.links.acknowledge is None
    assert message.downtime_seconds is None
    assert message.cause == {"status_code": 502}


def test_event_kinds_are_the_documented_strings() -> None:
    assert [kind.value for kind in EventKind] == [
        "down",
        "up",
        "degraded",
        "certificate_expiring",
        "heartbeat_late",
        "flapping",
        "reminder",
        "escalation",
        "test",
        "resolved",
    ]


@pytest.mark.parametrize(
    ("overrides", "location"),
    [
        ({"event": "exploded"}, ("event",)),
        ({"idempotency_key": ""}, ("idempotency_key",)),
        ({"occurred_at": datetime(2026, 11, 23, 12, 0)}, ("occurred_at",)),
        ({"downtime_seconds": -1}, ("downtime_seconds",)),
        ({"monitor": {"id": 1, "kind": "http"}}, ("monitor", "name")),
        ({"surprise": True}, ("surprise",)),
    ],
)
def test_invalid_notifications_name_the_field(
    overrides: dict[str, Any], location: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as raised:
        Notification.model_validate(document(**overrides))

    assert [error["loc"] for error in raised.value.errors()] == [location]


def test_a_group_shares_one_event() -> None:
    down = Notification.model_validate(document())
    up = Notification.model_validate(document(event="up"))

    group = GroupedNotification(
        event=EventKind.DOWN, notifications=(down, down), occurred_at=AT, idempotency_key="g-1"
    )
    assert len(group.notifications) == 2
    with pytest.raises(ValidationError, match="every grouped notification must be down, not up"):
        GroupedNotification(
            event=EventKind.DOWN, notifications=(down, up), occurred_at=AT, idempotency_key="g-2"
        )
    with pytest.raises(ValidationError, match="at least 1 item"):
        GroupedNotification(
            event=EventKind.DOWN, notifications=(), occurred_at=AT, idempotency_key="g-3"
        )


def test_delivery_outcomes() -> None:
    assert Delivery.delivered(duration_ms=12.5, status_code=200) == Delivery(
        ok=True, permanent=False, status_code=200, error=None, duration_ms=12.5
    )
    assert Delivery.failed(
        "HTTP 404", permanent=True, status_code=404, duration_ms=3.0
    ) == Delivery(ok=False, permanent=True, status_code=404, error="HTTP 404", duration_ms=3.0)
