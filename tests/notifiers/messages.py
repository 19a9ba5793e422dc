"""Notifications for the notifier tests, with defaults that validate."""

from datetime import UTC, datetime, timedelta
from typing import Any

from upwatch.domain.notifications import (
    EventKind,
    GroupedNotification,
    IncidentRef,
    Links,
    MonitorRef,
    Notification,
)

OPENED_AT = datetime(2026, 11, 23, 11, 56, 48, tzinfo=UTC)
HTTP_CAUSE: dict[str, Any] = {
    "outcome": "down",
    "status_code": 503,
    "error": "expected status 200-399, got 503",
    "latency_ms": 212.4,
    "details": {
        "timings": {"dns_ms": 1.2, "connect_ms": 3.5, "ttfb_ms": 205.0},
        "body_excerpt": "<html>upstream connect error</html>",
    },
}


def notification(
    event: EventKind = EventKind.DOWN,
    *,
    monitor_id: int = 7,
    name: str = "Checkout API",
    downtime_seconds: float | None = None,
    key: str | None = None,
) -> Notification:
    resolved = event is EventKind.UP
    return Notification(
        event=event,
        monitor=MonitorRef(
            id=monitor_id, name=name, kind="http", target="https://shop.example.com/health"
        ),
        incident=IncidentRef(
            id=42,
            opened_at=OPENED_AT,
            resolved_at=OPENED_AT + timedelta(seconds=downtime_seconds or 0) if resolved else None,
            cause=HTTP_CAUSE,
        ),
        occurred_at=OPENED_AT + timedelta(seconds=downtime_seconds or 0),
        downtime_seconds=downtime_seconds,
        links=Links(
            acknowledge=f"https://upwatch.example.com/ack/{monitor_id}?sig=abc",
            monitor=f"https://upwatch.example.com/monitors/{monitor_id}",
        ),
        idempotency_key=key or f"incident-42:{event}:channel-1",
    )


def grouped(count: int = 3, event: EventKind = EventKind.DOWN) -> GroupedNotification:
    return GroupedNotification(
        event=event,
        notifications=tuple(
            notification(event, monitor_id=i, name=f"service-{i}") for i in range(1, count + 1)
        ),
        occurred_at=OPENED_AT,
        idempotency_key=f"group-1:{event}:channel-1",
    )
